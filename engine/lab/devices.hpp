// A node's own interfaces (`interfaces`) as far as the runtime does them itself: whether the
// kernel can make each kind at all, and taps, which only /dev/net/tun makes.
#pragma once

#include <string>

#include "plan/plan.hpp"
#include "topology/model.hpp"

namespace nslab::lab {

// Tries each kind the lab uses once, in a scratch network namespace, and throws NodeError
// naming the first interface of a kind the kernel cannot make, the kind and its module; the
// same for a VLAN-aware bridge when a switch has `vlan_filtering`.
void check_device_kinds(const topo::Model& model);

// The batch's taps, made from inside `netns_fd` with their planned ifindexes and kept
// (TUNSETPERSIST) after the descriptor closes; down, as the plan expects.
void make_taps(const plan::Batch& batch, int netns_fd, const std::string& node);

}  // namespace nslab::lab
