#include "lab/load.hpp"

#include "sys/files.hpp"

namespace nslab::lab {

topo::Model load_topology(const std::string& path, std::string name_override) {
    return topo::parse(sys::read_file(path), topo::ParseOptions{.source = path, .name_override = std::move(name_override)});
}

}  // namespace nslab::lab
