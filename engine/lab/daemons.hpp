// Routing daemons as part of a node (the node keys `frr` and `bird`): their config files, the
// script that starts them the way their packages do and waits until they answer, and a clean
// stop. Per node and free of the keeper's globals, so a node added to a running lab gets the
// same: prepare_daemon_files() before its init starts, start_daemons() once it is wired and
// its `exec` commands ran, stop_daemons() before its init is killed.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

#include "lab/exec_phase.hpp"
#include "lab/runtime.hpp"
#include "sys/fd.hpp"
#include "topology/model.hpp"

namespace nslab::lab {

// Where each daemon logs inside the node ("zebra" -> /var/log/frr/zebra.log, "bird" ->
// /run/bird/bird.log), and its pid file.
std::string daemon_log(const std::string& daemon);
std::string daemon_pid_file(const std::string& daemon);
// The daemons a node runs, by process name: FRR's in start order, then "bird". mgmtd is not
// listed unless the topology names it (start_daemons adds it where FRR has it).
std::vector<std::string> node_daemons(const topo::Node& node);

// TopologyError (pointer /nodes/<n>/frr/config) for each config file that cannot be read: so
// `lab validate` and `lab up` say so before anything is built.
void check_daemon_configs(const topo::Model& model, const std::string& source);

// Adds the node's daemon config files to its `files` (written by its init into the private
// dirs the topology gave it): frr.conf (read from config_path if the topology names a file),
// vtysh.conf, bird.conf with a `log` line appended. SystemError when a config file is unreadable.
void prepare_daemon_files(topo::Node& node);

struct DaemonOptions {
    bool bird_user = true;  // BIRD drops to user `bird` where the node has one (not in a rootless
                            // lab that maps a single id, where that user does not exist)
};

// For each of the node's `frr` and `bird`: a shell script that starts the daemons as their
// package does and returns once each answers (vtysh, birdc), or prints which one failed with the
// tail of its log and exits non-zero; named and located at that key for the exec phase. Pure.
std::vector<ExecCommand> daemon_commands(const topo::Node& node, const DaemonOptions& opts = {});

// A started daemon, held by pidfd (identity checked: its pid file's PID, translated out of
// the node's PID namespace, names a process of that name in the node).
struct DaemonProcess {
    std::string name;
    pid_t node_pid = 0, pid = 0;
    sys::Fd pidfd;
};
struct NodeDaemons {
    std::string node;
    std::vector<DaemonProcess> procs;
};

// Starts the daemons of `nodes` (each with its init's pidfd), side by side, after which each
// answers; throws nslab::Error naming the node and the daemon with its log tail (the caller
// rolls back). Returns the daemons found through their pid files, for stop_daemons().
std::vector<NodeDaemons> start_daemons(const State& state, const std::vector<ExecNode>& nodes, int timeout_s,
                                       const Progress& progress, const std::vector<int>& wake_fds = {});
// The running daemons of one node, found through their pid files (those that have none are
// skipped).
NodeDaemons find_daemons(const topo::Node& node, int init_pidfd);

// SIGTERM to every daemon (FRR's others first, zebra and mgmtd last, as the package stops
// them), SIGKILL to those still there after `grace`; all nodes side by side. Never throws.
constexpr std::chrono::milliseconds kDaemonGrace{3000};
void stop_daemons(std::vector<NodeDaemons>& nodes, std::chrono::milliseconds grace = kDaemonGrace) noexcept;

}  // namespace nslab::lab
