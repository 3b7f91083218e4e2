// What the forked init adds to a node's mount namespace (the recipe, init_recipe.cpp, has cut
// it off from the host's mount events and mounted its /proc, /sys and /tmp or its rootfs):
// private tmpfs directories and the files the topology puts in them.
#pragma once

#include <string>

#include "topology/model.hpp"

namespace nslab::node {

// Runs inside the node's init, in its new mount namespace. `step` is kept current so a
// failure names what was being done.
void make_private_dirs_and_files(const topo::Node& node, std::string& step);

}  // namespace nslab::node
