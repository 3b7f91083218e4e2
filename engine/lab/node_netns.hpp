// Reaching a running node's network namespace from any process.
#pragma once

#include <functional>
#include <string>

#include "lab/lab.hpp"
#include "netlink/netlink.hpp"
#include "sys/fd.hpp"

namespace nslab::lab {

// The node's network namespace, through its verified init (nslab::Error if it is gone).
sys::Fd open_netns(const Lab& lab, const std::string& node);
// A netlink socket bound to that namespace.
nl::Socket node_socket(const Lab& lab, const std::string& node);

}  // namespace nslab::lab
