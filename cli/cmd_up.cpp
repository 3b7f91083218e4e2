#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <iostream>

#include "args.hpp"
#include "commands.hpp"
#include "lab/lab.hpp"
#include "print.hpp"

namespace nslab::cli {

int cmd_up(const Argv& argv) {
    Args a = parse_args(argv, {"--name", "--exec-timeout"}, {"--quiet", "-q"});
    if (a.pos.size() != 1) throw UsageError("usage: lab up FILE [--name NAME] [--exec-timeout S] [--quiet]");
    lab::UpOptions o;
    o.name = a.opt("--name");
    if (a.opts.count("--exec-timeout")) o.exec_timeout_s = std::stoi(a.opt("--exec-timeout"));
    const bool tty = ::isatty(2);
    if (tty) {
        o.progress = [](const std::string& stage, std::size_t done, std::size_t total) {
            std::fprintf(stderr, "\r\033[K%s %zu/%zu", stage.c_str(), done, total);
        };
    }
    auto t0 = std::chrono::steady_clock::now();
    lab::Lab l = lab::Lab::up_file(a.pos[0], o);
    double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    if (tty) std::fprintf(stderr, "\r\033[K");
    std::cout << "lab " << l.name() << " up in " << format_ms(ms) << ": " << l.model().nodes.size() << " nodes, "
              << l.model().links.size() << " links\n";
    if (!a.flag("--quiet") && !a.flag("-q")) print_model(std::cout, l.model());
    return 0;
}

}  // namespace nslab::cli
