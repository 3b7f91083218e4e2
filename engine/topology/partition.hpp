// A lab over several machines (`placement`): which machine runs each node, and the lab as one
// machine runs it. Pure: the same full model gives every machine the same answers, so each
// computes its own part with no coordination beyond the topology.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "topology/model.hpp"

namespace nslab::topo {

// Places the nodes `placement.nodes` leaves out. Other nodes go in breadth-first order over
// the links (neighbours together, so few links cross machines) onto the machines in turn, each
// taking its share of the weight (1 per node, plus its `limits.cpus`); a switch goes where most
// of its ports' nodes are. Nodes already placed count towards their machine's share.
void balance(Placement& placement, const Model& m);

// The machines a node is on: its own; for a switch, also every machine with a node on one of
// its ports (it is a bridge on each, joined by VXLAN).
std::vector<std::string> hosts_of(const Model& m, std::size_t node);

// One link between two machines: a VXLAN pair with its own VNI.
struct Crossing {
    std::size_t link = 0;
    std::string host[2];     // the machine of each end
    std::uint32_t vni = 0;
    std::uint32_t mtu = 0;   // of both VXLAN ends
};
// Every link whose ends are on two machines, in link order.
std::vector<Crossing> crossings(const Model& m);
// The VNI of the VXLAN that joins the bridges of a switch on several machines.
std::uint32_t switch_vni(const Model& m, std::size_t node);

// The lab as machine `host` runs it: its nodes, its links, and for each crossing a VXLAN
// interface in place of the link's end (made from the machine's namespace, remote: the other
// machine); a switch spread over machines gets a VXLAN port flooding to the others'.
// Addresses are the full lab's. `host` must be one of the placement's hosts.
Model partition(const Model& m, const std::string& host);

// The name of a spread switch's VXLAN port.
inline constexpr const char* kSwitchVxlan = "vxlan-fleet";

}  // namespace nslab::topo
