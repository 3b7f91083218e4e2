// A node's static routes as netlink requests: made at `lab up`, and again when a link comes
// back up (the kernel drops IPv4 routes through an interface that goes down).
#pragma once

#include <map>
#include <string>
#include <vector>

#include "netlink/netlink.hpp"
#include "topology/model.hpp"

namespace nslab::lab {

// `index`: the node's interface names to ifindexes.
std::vector<nl::Message> route_messages(const topo::Node& node, const std::map<std::string, int>& index);

}  // namespace nslab::lab
