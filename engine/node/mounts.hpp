// What the forked init adds to a node's mount namespace (the recipe, init_recipe.cpp, has cut
// it off from the host's mount events and mounted its /proc, /sys and /tmp or its rootfs):
// private tmpfs directories and the files the topology puts in them.
#pragma once

#include <string>
#include <vector>

#include "sys/fd.hpp"

#include "topology/model.hpp"

namespace nslab::node {

// Runs inside the node's init, in its new mount namespace. `step` is kept current so a
// failure names what was being done.
void make_private_dirs_and_files(const topo::Node& node, std::string& step);

// The `mounts` sources as detached mount trees (open_tree), one per mount: opened before a
// rootfs hides the host's paths, made read-only where asked.
std::vector<sys::Fd> open_mount_sources(const topo::Node& node, std::string& step);
// Attaches each tree on its target, creating a missing target (a directory, or an empty file
// for a file) as the node sees it: in its rootfs, in a private dir, or made by the keeper on
// the host beforehand.
void attach_mounts(const topo::Node& node, std::vector<sys::Fd>& sources, std::string& step);

}  // namespace nslab::node
