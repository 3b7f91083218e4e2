// The texts both faces print of a ping and a route (view/probe_text): `lab pingall` prints
// ping_matrix() and Python's str(PingMatrix) is ping_report_text(), so these pin both.
#include <gtest/gtest.h>

#include <algorithm>

#include "view/probe_text.hpp"

namespace {

using namespace nslab;

probe::PingOutcome outcome(const std::string& src, const std::string& dst, const std::string& addr, bool ok,
                           double rtt = 0.5) {
    return {{src, dst, *net::Prefix::parse_addr(addr)}, ok, rtt};
}

std::vector<probe::PingOutcome> triangle(bool r3_lost) {
    return {outcome("r1", "r2", "10.0.0.2", true), outcome("r1", "r3", "10.0.0.3", !r3_lost),
            outcome("r2", "r1", "10.0.0.1", true), outcome("r2", "r3", "10.0.0.3", !r3_lost),
            outcome("r3", "r1", "10.0.0.1", true), outcome("r3", "r2", "10.0.0.2", true)};
}

TEST(PingText, MatrixAllReceived) {
    EXPECT_EQ(view::ping_matrix(triangle(false)),
              "r1 -> r2 r3\nr2 -> r1 r3\nr3 -> r1 r2\n*** Results: 0% dropped (6/6 received)\n");
}

TEST(PingText, MatrixMarksLossesAndCutsPercentsAsMininet) {
    EXPECT_EQ(view::ping_matrix(triangle(true)),
              "r1 -> r2 X\nr2 -> r1 X\nr3 -> r1 r2\n*** Results: 33% dropped (4/6 received)\n");
    // 5 of 12 is 41.7%: cut to 41, not rounded.
    std::vector<probe::PingOutcome> twelve;
    for (int i = 0; i < 12; ++i) twelve.push_back(outcome("h" + std::to_string(i / 3), "x", "10.0.0.9", i >= 5));
    EXPECT_NE(view::ping_matrix(twelve).find("*** Results: 41% dropped (7/12 received)\n"), std::string::npos);
}

TEST(PingText, OneLossInManyIsNeverZeroPercent) {
    std::vector<probe::PingOutcome> many(300, outcome("a", "b", "10.0.0.2", true));
    many[7].ok = false;
    EXPECT_NE(view::ping_matrix(many).find("*** Results: 1% dropped (299/300 received)"), std::string::npos);
}

TEST(PingText, SourcesInFirstSeenOrderAndAddressesForNoNode) {
    std::vector<probe::PingOutcome> v = {outcome("b", "a", "10.0.0.1", true), outcome("a", "", "fd00::9", true),
                                         outcome("b", "", "10.9.9.9", false)};
    EXPECT_EQ(view::ping_matrix(v), "b -> a X\na -> fd00::9\n*** Results: 33% dropped (2/3 received)\n");
    EXPECT_EQ(view::ping_matrix({}), "*** Results: 0% dropped (0/0 received)\n");
}

TEST(PingText, NeighbourNoteOnlyWhenAPairFailedAndTheTableOverflowed) {
    probe::PingReport r{triangle(true), 3};
    std::string lines = view::neighbour_note(r);
    EXPECT_EQ(lines.rfind("note: the kernel's neighbour table overflowed", 0), 0u) << lines;
    EXPECT_EQ(std::count(lines.begin(), lines.end(), '\n'), 4);
    EXPECT_NE(lines.find("gc_thresh3=16384) and ping again.\n"), std::string::npos);
    std::string one = view::neighbour_note(r, true);
    EXPECT_EQ(one.find('\n'), std::string::npos);
    EXPECT_EQ(one, [&] {
        std::string s = lines;
        s.pop_back();
        for (auto& c : s)
            if (c == '\n') c = ' ';
        return s;
    }());
    EXPECT_EQ(view::neighbour_note({triangle(true), 0}), "");
    EXPECT_EQ(view::neighbour_note({triangle(false), 3}), "");  // someone else's overflow: no news
}

TEST(PingText, ReportTextIsPythonsStr) {
    EXPECT_EQ(view::ping_report_text({triangle(false), 5}),
              "r1 -> r2 r3\nr2 -> r1 r3\nr3 -> r1 r2\n*** Results: 0% dropped (6/6 received)");
    std::string s = view::ping_report_text({triangle(true), 5});
    EXPECT_NE(s.find("(4/6 received)\nnote: the kernel's neighbour table overflowed during the ping, so some pairs "
                     "may have failed for lack of ARP/ND entries"),
              std::string::npos)
        << s;
    EXPECT_NE(s.back(), '\n');
}

TEST(PingText, PingLine) {
    EXPECT_EQ(view::ping_line(outcome("r1", "r2", "10.0.0.2", true, 0.1234)), "r1 -> 10.0.0.2: 0.123 ms");
    EXPECT_EQ(view::ping_line(outcome("r1", "", "fd00::2", false)), "r1 -> fd00::2: unreachable");
}

TEST(RouteText, DefaultGatewayMetric) {
    nl::RouteInfo r;
    r.dst = *net::Prefix::parse("0.0.0.0/0");
    r.gateway = net::Prefix::parse_addr("10.0.0.1");
    EXPECT_EQ(view::route_text(r), "default via 10.0.0.1");
    r.metric = 20;
    EXPECT_EQ(view::route_text(r), "default via 10.0.0.1 metric 20");
    nl::RouteInfo c;
    c.dst = *net::Prefix::parse("10.0.1.0/24");
    EXPECT_EQ(view::route_text(c), "10.0.1.0/24");
    c.dst = *net::Prefix::parse("fd00:1::/64");
    c.gateway = net::Prefix::parse_addr("fe80::1");
    EXPECT_EQ(view::route_text(c), "fd00:1::/64 via fe80::1");
}

}  // namespace
