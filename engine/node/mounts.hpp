// The node's mount namespace: cut off from the host's mount events, its own /proc, /sys and
// /tmp, private tmpfs directories and the files the topology puts in them.
#pragma once

#include <string>

#include "topology/model.hpp"

namespace nslab::node {

// Runs inside the node's init, in its new mount namespace. `step` is kept current so a
// failure names what was being done.
void setup_mounts(const topo::Node& node, std::string& step);

}  // namespace nslab::node
