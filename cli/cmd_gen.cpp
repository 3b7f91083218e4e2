// `lab gen SHAPE N`: prints a generated topology (engine/topology/generate.hpp), so a large lab
// needs no hand-written file. Notes (TTL raised, unreachable pairs) go to stderr as well as into
// the text as `//` comments, so a pipe into a file still carries them.
#include <iostream>
#include <stdexcept>

#include "args.hpp"
#include "commands.hpp"
#include "topology/generate.hpp"

namespace nslab::cli {

namespace {
const char* kGenUsage =
    "usage: lab gen SHAPE N [--name NAME] [--routed] [--fanout F]\n"
    "  single N   one switch, N hosts (Mininet's single)     linear N  N switches in a chain, a host on each\n"
    "  tree D     switch tree of depth D, --fanout F (2)    line N    N routers in a line (= linear --routed)\n"
    "  ring N     N routers in a cycle                       star N    a router with N hosts\n"
    "  mesh N     N routers, every pair linked (N <= 64)";
}

int cmd_gen(const Argv& argv) {
    Args a = parse_args(argv, {"--name", "--fanout"}, {"--routed"});
    if (a.pos.size() != 2) throw UsageError(kGenUsage);
    topo::GenOptions o;
    o.name = a.opt("--name");
    o.routed = a.flag("--routed");
    try {
        if (a.opts.count("--fanout")) o.fanout = std::stoi(a.opt("--fanout"));
        const int n = std::stoi(a.pos[1]);
        topo::Generated g = topo::generate_with_notes(a.pos[0], n, o);
        for (const auto& note : g.notes) std::cerr << "lab gen: " << note << "\n";
        std::cout << g.text;
    } catch (const std::invalid_argument& e) {
        throw UsageError(std::string(e.what()) + "\n" + kGenUsage);
    } catch (const std::out_of_range&) {
        throw UsageError(kGenUsage);
    }
    return 0;
}

}  // namespace nslab::cli
