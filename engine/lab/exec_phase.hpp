// The topology's `exec` commands: run once the whole lab is wired, in order within a node and
// side by side across nodes. A command is done when its shell exits, so a daemon started with
// `&` keeps running; its output goes to the node's log so it never dies of a closed pipe.
#pragma once

#include <string>
#include <vector>

#include "lab/runtime.hpp"

namespace nslab::lab {

struct ExecNode {
    const topo::Node* node;
    int init_pidfd;
};

// Throws nslab::Error naming the node, the command, its exit code and its output when a
// command exits non-zero or outlives `timeout_s`. When one of `wake_fds` becomes readable it
// calls `progress` (which throws to abort); on any exception the running commands are killed.
void run_exec_phase(const State& state, const std::vector<ExecNode>& nodes, int timeout_s,
                    const Progress& progress, const std::vector<int>& wake_fds = {});

// The environment of every command run in a node: the caller's, the node's `env`, and
// NSLAB_LAB / NSLAB_NODE.
std::vector<std::string> node_environment(const std::string& lab, const topo::Node& node);

}  // namespace nslab::lab
