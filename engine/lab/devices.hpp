// A node's own interfaces (`interfaces`) as far as the runtime does them itself: whether the
// kernel can make each kind at all, taps, which only /dev/net/tun makes, and wireguard's
// configuration, which only generic netlink takes.
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

// The batch's wireguard interfaces (made by its requests just before) get their keys, port
// and peers over generic netlink in `netns_fd`; NodeError with the kernel's words otherwise.
void configure_wireguard(const plan::Batch& batch, int netns_fd, const std::string& node);

}  // namespace nslab::lab
