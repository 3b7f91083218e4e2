// PIDs between a node's PID namespace and the caller's: a daemon's pid file written inside a
// node holds its PID there, which means nothing to kill(2) on the host.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

#include "lab/lab.hpp"

namespace nslab::lab {

// The caller's PID of the process that is `node_pid` inside `node` (nslab::Error if none).
pid_t host_pid(const Lab& lab, const std::string& node, pid_t node_pid);
// The parts, for a caller that holds the init itself (the keeper) or looks at many processes:
// a process's PID namespace (its /proc/<pid>/ns/pid link), its PIDs from the caller's namespace
// inward (NSpid), and the node's PID namespace with its depth in NSpid, so that a process of
// the node has its node PID at nspids(pid)[level].
std::optional<std::string> pidns_of(pid_t pid);
std::vector<pid_t> nspids(pid_t pid);
struct NodePidNs {
    std::string ns;
    std::size_t level = 0;
};
NodePidNs node_pidns(int init_pidfd, const std::string& node);  // nslab::Error if the init is gone
// The PID inside `node` of the caller's process `host_pid` (nslab::Error if it is not in the node).
pid_t node_pid(const Lab& lab, const std::string& node, pid_t host_pid);

}  // namespace nslab::lab
