// The texts both faces print of what probe/ measured: the ping matrix, the neighbour-table
// note, one ping's line, a route. `lab` prints them and Python's str() returns them, so they
// are made here once and the two cannot drift apart.
#pragma once

#include <string>
#include <vector>

#include "netlink/netlink.hpp"
#include "probe/ping.hpp"

namespace nslab::view {

// Mininet-style: one line per source, "r1 -> r2 r3 X" (X: unreachable; a target that is no
// node shows its address), sources in the order they first appear (model order for
// probe::all_pairs), then "*** Results: 0% dropped (6/6 received)". Every line ends in "\n".
std::string ping_matrix(const std::vector<probe::PingOutcome>& outcomes);

// Why pairs may have failed without the lab being at fault, or "" when that does not apply
// (every target answered, or the host's neighbour table refused nothing meanwhile). Broken
// into lines for a terminal (each ends in "\n"), or `one_line` for Python's str().
std::string neighbour_note(const probe::PingReport& report, bool one_line = false);

// str(PingMatrix): the matrix, then the note as one line when it applies; no final newline.
std::string ping_report_text(const probe::PingReport& report);

// `lab ping`: "r1 -> 10.0.0.2: 0.123 ms" or "r1 -> 10.0.0.2: unreachable" (no newline).
std::string ping_line(const probe::PingOutcome& outcome);

// "10.0.1.0/24 via 10.0.0.1 metric 20", "default via 10.0.0.1" (a /0 is "default").
std::string route_text(const nl::RouteInfo& route);

}  // namespace nslab::view
