// Reaching a running node's network namespace from any process.
#pragma once

#include <string>

#include "lab/lab.hpp"
#include "netlink/netlink.hpp"

namespace nslab::lab {

// A netlink socket made in the node's network namespace, through its verified init
// (nslab::Error if it is gone).
nl::Socket node_socket(const Lab& lab, const std::string& node);

}  // namespace nslab::lab
