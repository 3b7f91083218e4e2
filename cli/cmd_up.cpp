#include <chrono>
#include <iostream>

#include "args.hpp"
#include "commands.hpp"
#include "help.hpp"
#include "json_out.hpp"
#include "view/describe.hpp"
#include "progress.hpp"
#include "lab/lab.hpp"
#include "print.hpp"
#include "topology/generate.hpp"

namespace nslab::cli {

namespace {
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
    Args a = parse_args(argv, {"--name", "--exec-timeout", "--gen"}, {"--quiet", "-q", "--json"});
    const bool gen = a.opts.count("--gen") > 0;
    if (a.pos.size() != (gen ? 0u : 1u)) throw UsageError(usage_line("up"));
    lab::UpOptions o;
    o.name = a.opt("--name");
    if (a.opts.count("--exec-timeout")) o.exec_timeout_s = std::stoi(a.opt("--exec-timeout"));
    ProgressLine line("lab up");
    if (line.enabled()) o.progress = [&line](const std::string& stage, std::size_t done, std::size_t total) {
        line.update(stage, done, total);
    };
    auto t0 = std::chrono::steady_clock::now();
    lab::Lab l = gen ? up_generated(a.opt("--gen"), o) : lab::Lab::up_file(a.pos[0], o);
    double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    line.clear();
    if (a.flag("--json")) {
        nlohmann::ordered_json j = view::describe(l);
        j["timings"]["total_ms"] = ms;
        print_json(j);
        return 0;
    }
    std::cout << "lab " << l.name() << " up in " << format_ms(ms) << ": " << l.model().nodes.size() << " nodes, "
              << l.model().links.size() << " links\n";
    if (!a.flag("--quiet") && !a.flag("-q")) print_model(std::cout, l.model());
    return 0;
}

}  // namespace nslab::cli
