#include "lab/load.hpp"

#include "lab/daemons.hpp"
#include "sys/files.hpp"

namespace nslab::lab {

topo::Model load_topology(const std::string& path, std::string name_override) {
    auto slash = path.rfind('/');
    topo::Model model = topo::parse(sys::read_file(path), topo::ParseOptions{.source = path,
                                                                              .name_override = std::move(name_override),
                                                                              .base_dir = slash == std::string::npos ? "." : path.substr(0, slash ? slash : 1)});
    check_daemon_configs(model, path);
    return model;
}

}  // namespace nslab::lab
