// Run a command in a node to completion, capturing its output without deadlock, bounded by a
// timeout that kills the whole process group.
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "exec/spawn.hpp"

namespace nslab::exec {

struct RunResult {
    int exit_code = 0;          // 128+signal when killed
    std::string out, err;
    bool timed_out = false;
};

struct RunOptions {
    std::optional<std::chrono::milliseconds> timeout;
    std::string input;          // fed on stdin, then closed; stdin is /dev/null when empty
    std::string cwd;            // a directory of the node; "" = the caller's, or "/"
    bool merge_stderr = false;  // stderr goes where stdout goes (RunResult::err stays empty)
};

// spec.in/out/err are replaced by pipes. Output is collected until the command exits; what
// background processes it left behind write after that is not waited for.
RunResult run(int init_pidfd, unsigned long ns_flags, SpawnSpec spec, const RunOptions& opts,
              const std::string& where);

}  // namespace nslab::exec
