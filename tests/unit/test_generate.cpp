// The generators (topology/generate.hpp): every shape parses as a valid topology, has the
// node/link counts Mininet's same shape has, and routed shapes keep their route tables small.
#include <gtest/gtest.h>

#include <cmath>
#include <stdexcept>

#include "topology/generate.hpp"
#include "topology/model.hpp"

namespace nslab::topo {
namespace {

struct Counts {
    std::size_t hosts = 0, routers = 0, switches = 0, links = 0, max_routes = 0;
};

Counts count(const Model& m) {
    Counts c;
    c.links = m.links.size();
    for (const auto& n : m.nodes) {
        if (n.kind == NodeKind::Host) ++c.hosts;
        if (n.kind == NodeKind::Router) ++c.routers;
        if (n.kind == NodeKind::Switch) ++c.switches;
        c.max_routes = std::max(c.max_routes, n.routes.size());
    }
    return c;
}

Counts gen(const std::string& shape, int n, GenOptions o = {}) { return count(parse(generate(shape, n, o))); }

TEST(GenerateTest, SingleIsMininetsShape) {
    auto c = gen("single", 100);
    EXPECT_EQ(c.switches, 1u);
    EXPECT_EQ(c.hosts, 100u);
    EXPECT_EQ(c.links, 100u);
    Model m = parse(generate("single", 3, {}));
    EXPECT_EQ(m.name, "single-3");
    EXPECT_EQ(m.find("h3")->interfaces.at(0).addrs.at(0).str(), "10.0.0.3/8");
}

// Switch shapes are IPv4-only: hosts turn IPv6 off (no N^2 MLD flood); routed shapes keep it.
TEST(GenerateTest, SwitchShapesTurnHostIpv6Off) {
    auto has_v6_off = [](const Node& n) {
        for (const auto& [k, v] : n.sysctls)
            if (k == "net.ipv6.conf.all.disable_ipv6" && v == "1") return true;
        return false;
    };
    for (const char* shape : {"single", "linear", "tree"}) {
        Model m = parse(generate(shape, 3, {}));
        EXPECT_TRUE(has_v6_off(*m.find("h1"))) << shape;
    }
    GenOptions routed;
    routed.routed = true;
    Model m = parse(generate("linear", 3, routed));
    for (const auto& n : m.nodes) EXPECT_FALSE(has_v6_off(n)) << n.name;
}

TEST(GenerateTest, LinearIsMininetsShape) {
    auto c = gen("linear", 1000);
    EXPECT_EQ(c.switches, 1000u);
    EXPECT_EQ(c.hosts, 1000u);
    EXPECT_EQ(c.links, 1999u);
}

TEST(GenerateTest, TreeIsMininetsShape) {
    GenOptions o;
    o.fanout = 3;
    auto c = gen("tree", 3, o);
    EXPECT_EQ(c.hosts, 27u);
    EXPECT_EQ(c.switches, 13u);
    EXPECT_EQ(c.links, 39u);
}

// A 1000-router line must not install a million routes: O(log N) prefixes per node.
TEST(GenerateTest, RoutedLineHasFewRoutesAndRaisedTtl) {
    for (int n : {2, 3, 5, 64, 200, 1000}) {
        Model m = parse(generate("line", n, {}));
        auto c = count(m);
        EXPECT_EQ(c.routers, static_cast<std::size_t>(n));
        EXPECT_EQ(c.links, static_cast<std::size_t>(n - 1));
        EXPECT_LE(c.max_routes, 2 + std::log2(n)) << "n=" << n;
        bool ttl = false;
        for (const auto& kv : m.nodes[0].sysctls) ttl |= kv.first == "net.ipv4.ip_default_ttl" && kv.second == "255";
        EXPECT_EQ(ttl, n - 1 > 64) << "n=" << n;
    }
    GenOptions routed;
    routed.routed = true;
    EXPECT_EQ(parse(generate("linear", 10, routed)).name, "line-10");
    EXPECT_FALSE(generate_notes("line", 1000).empty());
    EXPECT_TRUE(generate_notes("line", 10).empty());
}

TEST(GenerateTest, RoutedShapesAreValidWithBoundedRoutes) {
    for (int n : {3, 4, 7, 100, 1000}) {
        auto c = gen("ring", n);
        EXPECT_EQ(c.links, static_cast<std::size_t>(n));
        EXPECT_LE(c.max_routes, 1 + 2 * std::ceil(std::log2(n))) << "ring n=" << n;
    }
    auto s = gen("star", 50);
    EXPECT_EQ(s.hosts, 50u);
    EXPECT_EQ(s.routers, 1u);
    EXPECT_LE(s.max_routes, 1u);
    auto m = gen("mesh", 10);
    EXPECT_EQ(m.links, 45u);
    EXPECT_EQ(m.max_routes, 9u);  // one per other router, not one per link
}

TEST(GenerateTest, SpecsAndErrors) {
    auto g = parse_gen_spec("tree:3:4");
    EXPECT_EQ(g.shape, "tree");
    EXPECT_EQ(g.n, 3);
    EXPECT_EQ(g.opts.fanout, 4);
    EXPECT_EQ(parse_gen_spec("linear:1000").n, 1000);
    EXPECT_THROW(parse_gen_spec("linear"), std::invalid_argument);
    EXPECT_THROW(parse_gen_spec("linear:x"), std::invalid_argument);
    EXPECT_THROW(parse_gen_spec("single:3:4"), std::invalid_argument);
    EXPECT_THROW(generate("blob", 3), std::invalid_argument);
    EXPECT_THROW(generate("single", 0), std::invalid_argument);
    EXPECT_THROW(generate("mesh", 1000), std::invalid_argument);
    GenOptions o;
    o.name = "mine";
    EXPECT_EQ(parse(generate("star", 2, o)).name, "mine");
}

}  // namespace
}  // namespace nslab::topo
