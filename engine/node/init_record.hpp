// What a node init reports to the keeper: one datagram on the lab's report socket, with the
// node's netns and a netlink socket attached when it is ready.
#pragma once

#include <cstdint>

namespace nslab::node {

struct InitRecord {
    std::uint32_t index = 0;  // which init
    int err = 0;              // 0: ready
    char step[1024] = {};     // names paths, which may be long
    char detail[1024] = {};
};

}  // namespace nslab::node
