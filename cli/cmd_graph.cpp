// `lab graph FILE|LAB [--format dot|mermaid|svg|html] [-o OUT]`: the picture of a topology
// file, or of a running lab with its live state (node PIDs, interface state and addresses).
#include <fstream>
#include <iostream>

#include "lab/load.hpp"
#include "args.hpp"
#include "commands.hpp"
#include "help.hpp"
#include "view/graph.hpp"
#include "lab/lab.hpp"
#include "sys/files.hpp"

namespace nslab::cli {

int cmd_graph(const Argv& argv) {
    Args a = parse_args(argv, {"--format", "--output", "-o", "--name"}, {});
    if (a.pos.size() > 1) throw UsageError(usage_line("graph"));
    std::string format = a.opt("--format", "dot");
    if (format != "dot" && format != "mermaid" && format != "svg" && format != "html")
        throw UsageError("--format is one of dot, mermaid, svg, html (got \"" + format + "\")");

    // A path that exists is a topology file; anything else names a running lab (or, with no
    // argument, the only one running).
    view::Graph g;
    if (!a.pos.empty() && sys::exists(a.pos[0])) {
        g = view::make_graph(lab::load_topology(a.pos[0], a.opt("--name")));
    } else {
        lab::Lab l = lab::Lab::attach(lab::resolve(a.pos.empty() ? "" : a.pos[0]));
        std::vector<probe::NodeLive> live = probe::inspect_lab(l);
        g = view::make_graph(l.model(), &live);
    }

    std::string out = format == "mermaid" ? view::to_mermaid(g)
                      : format == "html"  ? view::to_html(g)
                      : format == "svg"   ? view::render_svg(view::to_dot(g))
                                          : view::to_dot(g);
    std::string path = a.opt("--output", a.opt("-o"));
    if (path.empty() || path == "-") {
        std::cout << out;
    } else {
        sys::write_file_atomic(path, out);
        std::cerr << "lab graph: wrote " << path << "\n";
    }
    return 0;
}

}  // namespace nslab::cli
