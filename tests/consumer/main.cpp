// Parses a topology with the installed engine and prints what it found; includes a header that
// reaches libmnl (probe/inspect.hpp) so the package's include paths are exercised too.
#include <iostream>

#include "lab/load.hpp"
#include "probe/inspect.hpp"
#include "topology/model.hpp"

int main(int argc, char** argv) {
    if (argc != 2) {
        std::cerr << "usage: consumer TOPOLOGY\n";
        return 2;
    }
    try {
        auto m = nslab::lab::load_topology(argv[1]);
        std::cout << m.name << ": " << m.nodes.size() << " nodes, " << m.links.size() << " links\n";
    } catch (const nslab::topo::TopologyError& e) {
        std::cerr << e.what();
        return 2;
    }
    return 0;
}
