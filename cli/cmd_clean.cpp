#include <iostream>

#include "args.hpp"
#include "commands.hpp"
#include "help.hpp"
#include "lab/lab.hpp"

namespace nslab::cli {

int cmd_clean(const Argv& argv) {
    Args a = parse_args(argv, {}, {});
    if (!a.pos.empty()) throw UsageError(usage_line("clean"));
    auto r = lab::clean();
    if (r.labs.empty() && r.processes == 0) {
        std::cout << "nothing to clean\n";
        return 0;
    }
    for (const auto& l : r.labs) std::cout << "removed leftovers of lab " << l << "\n";
    std::cout << r.processes << " stray node processes killed\n";
    return 0;
}

}  // namespace nslab::cli
