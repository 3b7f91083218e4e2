#include <chrono>
#include <iostream>

#include "args.hpp"
#include "commands.hpp"
#include "help.hpp"
#include "lab/lab.hpp"
#include "print.hpp"
#include "progress.hpp"

namespace nslab::cli {

int cmd_down(const Argv& argv) {
    Args a = parse_args(argv, {}, {"--all"});
    std::vector<std::string> labs;
    if (a.flag("--all")) labs = lab::list();
    else if (a.pos.size() <= 1) labs = {lab::resolve(a.pos.empty() ? "" : a.pos[0])};
    else throw UsageError(usage_line("down"));
    for (const auto& name : labs) {
        auto t0 = std::chrono::steady_clock::now();
        ProgressLine line("lab down " + name);
        if (line.enabled())
            lab::down_with_progress(name, [&line](const std::string& stage, std::size_t done, std::size_t total) {
                line.update(stage, done, total);
            });
        else
            lab::down(name);
        line.clear();
        double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
        std::cout << "lab " << name << " down in " << format_ms(ms) << "\n";
    }
    return 0;
}

}  // namespace nslab::cli
