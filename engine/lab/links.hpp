// Changing a running lab's links: a link is named by either of its endpoints ("r1:eth1") and
// changed on both ends, as a cable pulled out or plugged back in would be.
#pragma once

#include <string>

#include "lab/lab.hpp"

namespace nslab::lab {

// The link an endpoint belongs to (nslab::Error naming the known endpoints of that node if
// there is none).
const topo::Link& find_link(const topo::Model& m, const std::string& endpoint);

// Administrative state of both ends, or with `only_end` ("r1:eth1", one of the link's ends)
// of that end alone: its peer keeps its own state and sees the carrier go, as when one side
// of a cable is unplugged. Routing daemons see the carrier go and come back; addresses stay
// (keep_addr_on_down for IPv6).
void set_link_up(const Lab& lab, const std::string& endpoint, bool up, const std::string& only_end = {});

struct LinkEndState {
    std::string endpoint;      // "r1:eth1"
    bool up = false, carrier = false;
    std::uint32_t mtu = 0;
};
struct LinkState {
    LinkEndState ends[2];
};
LinkState link_state(const Lab& lab, const std::string& endpoint);

}  // namespace nslab::lab
