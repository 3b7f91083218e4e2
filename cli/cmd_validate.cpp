#include <iostream>

#include "lab/load.hpp"
#include "args.hpp"
#include "commands.hpp"
#include "help.hpp"
#include "topology/model.hpp"

namespace nslab::cli {

int cmd_validate(const Argv& argv) {
    Args a = parse_args(argv, {"--name"}, {});
    if (a.pos.empty()) throw UsageError(usage_line("validate"));
    int rc = 0;
    for (const auto& path : a.pos) {
        try {
            auto m = lab::load_topology(path, a.opt("--name"));
            std::cout << path << ": ok (lab " << m.name << ", " << m.nodes.size() << " nodes, " << m.links.size()
                      << " links)\n";
        } catch (const topo::TopologyError& e) {
            std::cerr << e.what();
            rc = kUsage;
        }
    }
    return rc;
}

}  // namespace nslab::cli
