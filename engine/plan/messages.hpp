// A plan's netlink steps as rtnetlink requests. Pure like the builders it calls: the only
// outside fact a request needs is the descriptor of the namespace a veth's peer goes to.
#pragma once

#include <functional>
#include <optional>
#include <vector>

#include "netlink/netlink.hpp"
#include "netlink/qdisc.hpp"
#include "plan/plan.hpp"

namespace nslab::plan {

// The descriptor of a target's network namespace, open while the requests are sent.
using NetnsOf = std::function<int(const Target&)>;

// The request for `step`; nullopt for steps that are not netlink requests (Sysctl, Exec).
std::optional<nl::Message> message_for(const Step& step, const NetnsOf& netns);
// Every request of a batch, in order.
std::vector<nl::Message> messages_for(const Batch& batch, const NetnsOf& netns);

// The kernel's units for a link impairment (ns, bytes per second; limit 1000 when unset, as tc).
nl::NetemSpec to_netem_spec(const topo::Netem& n);

}  // namespace nslab::plan
