#include <chrono>
#include <unistd.h>

#include <cerrno>
#include <iostream>

#include "args.hpp"
#include "commands.hpp"
#include "help.hpp"
#include "json_out.hpp"
#include "view/describe.hpp"
#include "progress.hpp"
#include "lab/fleet.hpp"
#include "lab/lab.hpp"
#include "sys/files.hpp"
#include "util/error.hpp"
#include "print.hpp"
#include "topology/generate.hpp"

namespace nslab::cli {

namespace {
std::string read_stdin() {
    std::string text;
    char buf[65536];
    for (ssize_t n; (n = ::read(0, buf, sizeof buf)) != 0;) {
        if (n < 0) {
            if (errno == EINTR) continue;
            throw SystemError("read the topology from stdin", errno);
        }
        text.append(buf, static_cast<std::size_t>(n));
    }
    return text;
}

// `lab up --gen linear:1000`: the same topology `lab gen linear 1000` prints (see cmd_gen.cpp).
lab::Lab up_generated(const std::string& spec, lab::UpOptions o) {
    topo::Generated generated;
    try {
        topo::GenSpec g = topo::parse_gen_spec(spec);
        generated = topo::generate_with_notes(g.shape, g.n, g.opts);
        for (const auto& note : generated.notes) std::cerr << "lab up: " << note << "\n";
    } catch (const std::invalid_argument& e) {
        throw UsageError(e.what());
    }
    o.source = "--gen " + spec;
    return lab::Lab::up(generated.text, o);
}
}  // namespace

int cmd_up(const Argv& argv) {
    Args a = parse_args(argv, {"--name", "--exec-timeout", "--gen", "--hosts", "--partition"}, {"--quiet", "-q", "--json", "--hold"});
    const bool gen = a.opts.count("--gen") > 0;
    if (a.pos.size() != (gen ? 0u : 1u)) throw UsageError(usage_line("up"));
    lab::UpOptions o;
    o.name = a.opt("--name");
    o.partition = a.opt("--partition");
    if (a.flag("--hold")) {
        // One machine's part of a lab over several, held for the machine that started it.
        if (o.partition.empty() || gen || a.pos[0] != "-") throw UsageError("--hold goes with --partition HOST and the topology on stdin (-)");
        return lab::hold_partition(o.partition, o.name, 0, 1);
    }
    if (a.opts.count("--hosts")) {
        o.hosts_source = a.opt("--hosts");
        o.hosts = sys::read_file(o.hosts_source);
    }
    if (a.opts.count("--exec-timeout")) o.exec_timeout_s = std::stoi(a.opt("--exec-timeout"));
    ProgressLine line("lab up");
    if (line.enabled()) o.progress = [&line](const std::string& stage, std::size_t done, std::size_t total) {
        line.update(stage, done, total);
    };
    auto t0 = std::chrono::steady_clock::now();
    if (!gen && a.pos[0] == "-") o.source = "<stdin>";
    lab::Lab l = gen ? up_generated(a.opt("--gen"), o)
                 : a.pos[0] == "-" ? lab::Lab::up(read_stdin(), o)
                                   : lab::Lab::up_file(a.pos[0], o);
    double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    line.clear();
    if (a.flag("--json")) {
        nlohmann::ordered_json j = view::describe(l);
        j["timings"]["total_ms"] = ms;
        print_json(j);
        return 0;
    }
    std::cout << "lab " << l.name() << " up in " << format_ms(ms);
    if (l.state().fleet) std::cout << " over " << l.model().placement->hosts.size() << " machines";
    if (!l.state().partition.empty()) std::cout << " (its part on " << l.state().partition << ")";
    std::cout << ": " << l.model().nodes.size() << " nodes, " << l.model().links.size() << " links\n";
    if (!a.flag("--quiet") && !a.flag("-q")) print_model(std::cout, l.model());
    return 0;
}

}  // namespace nslab::cli
