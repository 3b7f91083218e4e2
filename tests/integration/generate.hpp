// Topologies built in code for the tests that need a size no example has.
#pragma once

#include <string>

namespace nslab::test {

// n routers r1..rn in a line, r_i:eth2 -- r_{i+1}:eth1 on 10.1.<i>.0/30 (i < 256), with two
// routes per router so r1 reaches every address to its right and the replies come back, and a
// TTL large enough for the whole line.
std::string routed_line(const std::string& name, int n);

}  // namespace nslab::test
