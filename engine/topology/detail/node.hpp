// Private to topology/: one node's keys, read through its view of `defaults`.
#pragma once

#include "topology/detail/build.hpp"
#include "topology/detail/defaults.hpp"

namespace nslab::topo::detail {

// Records the node's loopback addresses in d.sites; interfaces come later, from the links.
Node read_node(const std::string& name, const NodeView& view, Draft& d);

// sysctls.cpp: `sysctls`, which needs the node's namespaces read first.
void read_sysctls(const NodeView& view, Node& n, Issues& issues);
// paths.cpp: `private_dirs`, `rootfs` and `files`, which must lie inside them.
void read_paths(const NodeView& view, Node& n, Issues& issues);

}  // namespace nslab::topo::detail
