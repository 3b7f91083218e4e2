// Changing a running lab's links: a link is named by either of its endpoints ("r1:eth1") and
// changed on both ends, as a cable pulled out or plugged back in would be.
#pragma once

#include <string>

#include "lab/lab.hpp"

namespace nslab::lab {

// The link an endpoint belongs to (nslab::Error naming the known endpoints of that node if
// there is none).
const topo::Link& find_link(const topo::Model& m, const std::string& endpoint);

// Administrative state of both ends. Routing daemons see the carrier go and come back;
// addresses stay (keep_addr_on_down for IPv6).
void set_link_up(const Lab& lab, const std::string& endpoint, bool up);

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
