// Parses a topology with the installed engine and prints what it found; includes a header that
// reaches libmnl (lab/inspect.hpp) so the package's include paths are exercised too.
#include <iostream>

#include "lab/inspect.hpp"
#include "topology/model.hpp"

int main(int argc, char** argv) {
    if (argc != 2) {
        std::cerr << "usage: consumer TOPOLOGY\n";
        return 2;
    }
    try {
        auto m = nslab::topo::load_file(argv[1]);
        std::cout << m.name << ": " << m.nodes.size() << " nodes, " << m.links.size() << " links\n";
    } catch (const nslab::topo::TopologyError& e) {
        std::cerr << e.what();
        return 2;
    }
    return 0;
}
