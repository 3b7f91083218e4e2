#include "lab/summary.hpp"

namespace nslab::lab {

std::vector<LabSummary> summaries() {
    std::vector<LabSummary> out;
    for (auto& name : list_labs()) {
        LabSummary s{name, load(name), false};
        if (s.state) s.keeper_alive = keeper_alive(*s.state);
        out.push_back(std::move(s));
    }
    return out;
}

}  // namespace nslab::lab
