// `lab gen SHAPE N`: prints a generated topology (engine/topology/generate.hpp), so a large lab
// needs no hand-written file. Notes (TTL raised, unreachable pairs) go to stderr as well as into
// the text as `//` comments, so a pipe into a file still carries them.
#include <iostream>
#include <stdexcept>

#include "args.hpp"
#include "commands.hpp"
#include "help.hpp"
#include "topology/generate.hpp"

namespace nslab::cli {

namespace {
int whole(const std::string& what, const std::string& text) {
    std::size_t used = 0;
    int v = 0;
    try {
        v = std::stoi(text, &used);
    } catch (const std::exception&) {
        used = 0;
    }
    if (used == 0 || used != text.size()) throw UsageError(what + " takes a whole number (got \"" + text + "\")");
    return v;
}
}  // namespace

int cmd_gen(const Argv& argv) {
    Args a = parse_args(argv, {"--name", "--fanout"}, {"--routed"});
    if (a.pos.size() != 2) throw UsageError(usage_line("gen"));
    topo::GenOptions o;
    o.name = a.opt("--name");
    o.routed = a.flag("--routed");
    if (a.opts.count("--fanout")) o.fanout = whole("--fanout", a.opt("--fanout"));
    const int n = whole("N", a.pos[1]);
    try {
        topo::Generated g = topo::generate_with_notes(a.pos[0], n, o);
        for (const auto& note : g.notes) std::cerr << "lab gen: " << note << "\n";
        std::cout << g.text;
    } catch (const std::invalid_argument& e) {  // an unknown shape, an N out of its range
        throw UsageError(e.what());
    }
    return 0;
}

}  // namespace nslab::cli
