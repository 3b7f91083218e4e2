// The topology's `exec` commands: run once the whole lab is wired, in order within a node and
// side by side across nodes. A command is done when its shell exits, so a daemon started with
// `&` keeps running; its output goes to the node's log so it never dies of a closed pipe.
#pragma once

#include <string>
#include <vector>

#include "lab/runtime.hpp"

namespace nslab::lab {

// A shell command run in a node, and how its failure names it.
struct ExecCommand {
    std::string shell;    // run with /bin/sh -c
    std::string what;     // "exec command 1 `...`", "starting FRR (zebra, staticd, ospfd)"
    std::string pointer;  // where the topology writes it: "/nodes/r1/exec/0", "/nodes/r1/frr"
    std::string step;     // "exec r1 0" (the plan's step id), "frr r1"
};

struct ExecNode {
    const topo::Node* node;
    int init_pidfd;
    std::vector<ExecCommand> commands = {};  // empty: the node's `exec`
};

// Throws nslab::Error naming the node, the command, its exit code and its output when a
// command exits non-zero or outlives `timeout_s`. When one of `wake_fds` becomes readable it
// calls `progress` (which throws to abort); on any exception the running commands are killed.
// `stage` names the phase in progress reports.
void run_exec_phase(const State& state, const std::vector<ExecNode>& nodes, int timeout_s,
                    const Progress& progress, const std::vector<int>& wake_fds = {},
                    const std::string& stage = "exec");

// The environment of every command run in a node: the caller's, the node's `env`, and
// NSLAB_LAB / NSLAB_NODE.
std::vector<std::string> node_environment(const std::string& lab, const topo::Node& node);

}  // namespace nslab::lab
