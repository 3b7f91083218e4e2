// Every lab on this machine as `lab status` (and its --json) lists them: read from each lab's
// state here, so no face opens a state file itself.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "lab/state.hpp"

namespace nslab::lab {

struct LabSummary {
    std::string name;
    std::optional<State> state;   // nullopt: a lab directory without a readable state (incomplete)
    bool keeper_alive = false;    // the recorded keeper still runs (see keeper_alive())
};

// By name. Throws, as load() does, for a run dir or lab entry that is not to be trusted.
std::vector<LabSummary> summaries();

}  // namespace nslab::lab
