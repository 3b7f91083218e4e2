// Watching a lab go down from outside its keeper: how many of its node inits have exited, for
// the progress line of `lab down` on a terminal.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include "lab/state.hpp"
#include "sys/fd.hpp"

namespace nslab::lab {

class TeardownWatch {
public:
    // Opens a pidfd for every recorded init that is still the recorded process; do this
    // before asking the keeper to stop, or the fastest exits are missed.
    explicit TeardownWatch(const State& st);

    // Waits up to `timeout_ms` for the keeper (`keeper_pidfd`) to exit, calling
    // progress("nodes", exited, total) as inits exit. True when the keeper is gone.
    bool wait(int keeper_pidfd, int timeout_ms,
              const std::function<void(const std::string&, std::size_t, std::size_t)>& progress);

private:
    std::vector<sys::Fd> inits_;
    std::size_t total_ = 0;
};

}  // namespace nslab::lab
