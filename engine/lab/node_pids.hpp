// PIDs between a node's PID namespace and the caller's: a daemon's pid file written inside a
// node holds its PID there, which means nothing to kill(2) on the host.
#pragma once

#include <sys/types.h>

#include <string>

#include "lab/lab.hpp"

namespace nslab::lab {

// The caller's PID of the process that is `node_pid` inside `node` (nslab::Error if none).
pid_t host_pid(const Lab& lab, const std::string& node, pid_t node_pid);
// The PID inside `node` of the caller's process `host_pid` (nslab::Error if it is not in the node).
pid_t node_pid(const Lab& lab, const std::string& node, pid_t host_pid);

}  // namespace nslab::lab
