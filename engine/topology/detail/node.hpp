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
// `base_dir` resolves relative `frr`/`bird` config paths (ParseOptions::base_dir).
void read_paths(const NodeView& view, Node& n, const std::string& base_dir, Issues& issues);
// daemons.cpp: `frr` and `bird`, after the private dirs (it adds the dirs the daemons need
// where the node does not list them) and before `files` (which may write into those dirs);
// then, once `files` is read, that the config is not given twice.
void read_daemons(const NodeView& view, Node& n, const std::string& base_dir, Issues& issues);
void check_daemon_files(const Node& n, Issues& issues);
// interfaces.cpp: `interfaces` (their addresses go to d.sites), and once the links are read,
// what they name (lower devices, vrfs) and that no name is also a link end.
void read_devices(const NodeView& view, Node& n, Draft& d);
void check_devices(Draft& d);

}  // namespace nslab::topo::detail
