// An interactive command on a terminal of its own. A shell in a node's PID namespace cannot
// hand the caller's terminal back to a process group outside that namespace (the group is
// invisible to it), so, like `docker exec -t`, the command gets a new pty as its controlling
// terminal and we relay between it and the caller's terminal (raw mode, window size kept in
// step).
#pragma once

#include <string>

#include "exec/spawn.hpp"

namespace nslab::exec {

// Runs `spec` (its stdio fields are replaced by the pty) and returns its exit code.
int run_on_terminal(int init_pidfd, unsigned long ns_flags, SpawnSpec spec, const std::string& where);

}  // namespace nslab::exec
