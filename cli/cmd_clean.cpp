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
    for (const auto& l : r.labs) std::cout << "removed leftovers of lab " << l << "\n";
    if (r.processes) std::cout << r.processes << " stray node processes killed\n";
    for (const auto& k : r.kept) std::cout << "kept " << k << "\n";
    for (const auto& f : r.failed) std::cerr << "lab clean: could not remove " << f << "\n";
    if (r.labs.empty() && r.processes == 0 && r.kept.empty() && r.failed.empty()) std::cout << "nothing to clean\n";
    return r.failed.empty() ? 0 : 1;
}

}  // namespace nslab::cli
