// Auto-addressing: the allocation rule written at the top of engine/topology/addressing.cpp.
#include <gtest/gtest.h>

#include "topology/model.hpp"

namespace {

using namespace nslab;
using topo::Model;
using Strings = std::vector<std::string>;

Strings addrs(const Model& m, const std::string& node, const std::string& iface) {
    Strings out;
    const topo::Interface* i = m.find(node)->find_interface(iface);
    if (!i) return {"<no " + node + ":" + iface + ">"};
    for (const auto& a : i->addrs) out.push_back(a.str());
    return out;
}

// A lab whose nodes are named in `nodes` (JSON members) and links are given as JSON.
Model lab(const std::string& addressing, const std::string& nodes, const std::string& links) {
    return topo::parse(R"({"name": "a", "addressing": )" + addressing + R"(, "nodes": {)" + nodes + R"(}, "links": [)" +
                       links + "]}");
}

TEST(TopologyAddressing, PointToPointLinksGetConsecutiveSlash30s) {
    Model m = lab(R"({"ipv4": "10.200.0.0/16"})", R"("a": {}, "b": {}, "c": {})",
                  R"({"endpoints": ["a:e0", "b:e0"]}, {"endpoints": ["b:e1", "c:e0"]}, {"endpoints": ["c:e1", "a:e1"]})");
    EXPECT_EQ(addrs(m, "a", "e0"), Strings{"10.200.0.1/30"});
    EXPECT_EQ(addrs(m, "b", "e0"), Strings{"10.200.0.2/30"});
    EXPECT_EQ(addrs(m, "b", "e1"), Strings{"10.200.0.5/30"});
    EXPECT_EQ(addrs(m, "c", "e0"), Strings{"10.200.0.6/30"});
    EXPECT_EQ(addrs(m, "c", "e1"), Strings{"10.200.0.9/30"});
    EXPECT_EQ(addrs(m, "a", "e1"), Strings{"10.200.0.10/30"});
}

TEST(TopologyAddressing, SwitchSegmentGetsAnAlignedSlash24AtItsFirstLink) {
    Model m = lab(R"({"ipv4": "10.200.0.0/16"})", R"("r": {}, "s": {"kind": "switch"}, "h1": {}, "h2": {}, "x": {})",
                  R"({"endpoints": ["r:e0", "x:e0"]},
                     {"endpoints": ["h1:e0", "s"]},
                     {"endpoints": ["r:e1", "x:e1"]},
                     {"endpoints": ["s", "h2:e0"]},
                     {"endpoints": ["r:e2", "s"]})");
    EXPECT_EQ(addrs(m, "r", "e0"), Strings{"10.200.0.1/30"});
    EXPECT_EQ(addrs(m, "h1", "e0"), Strings{"10.200.1.1/24"});  // aligned: 10.200.0.4-255 stay unused
    EXPECT_EQ(addrs(m, "h2", "e0"), Strings{"10.200.1.2/24"});
    EXPECT_EQ(addrs(m, "r", "e2"), Strings{"10.200.1.3/24"});
    EXPECT_EQ(addrs(m, "r", "e1"), Strings{"10.200.2.1/30"});  // after the segment's /24
    EXPECT_TRUE(m.find("s")->interfaces[0].addrs.empty());
}

TEST(TopologyAddressing, LargeSegmentGetsASlash23) {
    std::string nodes = R"("s": {"kind": "switch"})", links;
    for (int i = 1; i <= 300; ++i) {
        nodes += ", \"h" + std::to_string(i) + "\": {}";
        links += std::string(i > 1 ? ", " : "") + R"({"endpoints": ["h)" + std::to_string(i) + R"(:e0", "s"]})";
    }
    Model m = lab(R"({"ipv4": "10.0.0.0/8"})", nodes, links);
    EXPECT_EQ(addrs(m, "h1", "e0"), Strings{"10.0.0.1/23"});
    EXPECT_EQ(addrs(m, "h255", "e0"), Strings{"10.0.0.255/23"});
    EXPECT_EQ(addrs(m, "h300", "e0"), Strings{"10.0.1.44/23"});
    EXPECT_EQ(m.find("s")->interfaces.size(), 300u);
    EXPECT_EQ(m.find("s")->interfaces[299].name, "p300");
}

TEST(TopologyAddressing, Ipv6GetsSlash64s) {
    Model m = lab(R"({"ipv6": "fd00:200::/48"})", R"("a": {}, "b": {}, "s": {"kind": "switch"})",
                  R"({"endpoints": ["a:e0", "b:e0"]}, {"endpoints": ["a:e1", "s"]}, {"endpoints": ["b:e1", "s"]})");
    EXPECT_EQ(addrs(m, "a", "e0"), Strings{"fd00:200::1/64"});
    EXPECT_EQ(addrs(m, "b", "e0"), Strings{"fd00:200::2/64"});
    EXPECT_EQ(addrs(m, "a", "e1"), Strings{"fd00:200:0:1::1/64"});
    EXPECT_EQ(addrs(m, "b", "e1"), Strings{"fd00:200:0:1::2/64"});
}

TEST(TopologyAddressing, BothFamiliesAndIpv4First) {
    Model m = lab(R"({"ipv4": "10.0.0.0/24", "ipv6": "fd00::/64"})", R"("a": {}, "b": {})",
                  R"({"endpoints": ["a:e0", "b:e0"], "ipv6": ["fd00:9::1/64", null]})");
    // a:e0 has IPv6 written: b:e0 joins that subnet; IPv4 comes from the pool for both.
    EXPECT_EQ(addrs(m, "a", "e0"), (Strings{"10.0.0.1/30", "fd00:9::1/64"}));
    EXPECT_EQ(addrs(m, "b", "e0"), (Strings{"10.0.0.2/30", "fd00:9::2/64"}));
}

TEST(TopologyAddressing, SubnetsOverlappingWrittenAddressesAreSkipped) {
    Model m = lab(R"({"ipv4": "10.200.0.0/16"})", R"("a": {"loopback": ["10.200.0.1/32"]}, "b": {}, "c": {}, "d": {})",
                  R"({"endpoints": ["a:e0", "b:e0"]},
                     {"endpoints": ["c:e0", "d:e0"], "ipv4": ["10.200.0.9/29", "10.200.0.10/29"]},
                     {"endpoints": ["a:e1", "c:e1"]})");
    EXPECT_EQ(addrs(m, "a", "e0"), Strings{"10.200.0.5/30"});    // 10.200.0.0/30 holds a's loopback
    EXPECT_EQ(addrs(m, "a", "e1"), Strings{"10.200.0.17/30"});   // 10.200.0.8/29 is written on link 1
}

TEST(TopologyAddressing, ALargeWrittenPrefixIsSkippedAtOnce) {
    Model m = lab(R"({"ipv6": "fd00::/16"})", R"("a": {"loopback": ["fd00::1/32"]}, "b": {})",
                  R"({"endpoints": ["a:e0", "b:e0"]})");
    EXPECT_EQ(addrs(m, "a", "e0"), Strings{"fd00:1::1/64"});
}

TEST(TopologyAddressing, OneWrittenEndTheOtherJoinsItsSubnet) {
    Model m = lab(R"({"ipv4": "10.200.0.0/16"})", R"("a": {}, "b": {}, "s": {"kind": "switch"}, "h1": {}, "h2": {}, "h3": {})",
                  R"({"endpoints": ["a:e0", "b:e0"], "ipv4": [null, "192.168.5.1/30"]},
                     {"endpoints": ["h1:e0", "s"]},
                     {"endpoints": ["h2:e0", "s"], "ipv4": ["172.16.0.1/24", null]},
                     {"endpoints": ["h3:e0", "s"]})");
    EXPECT_EQ(addrs(m, "a", "e0"), Strings{"192.168.5.2/30"});
    EXPECT_EQ(addrs(m, "h1", "e0"), Strings{"172.16.0.2/24"});
    EXPECT_EQ(addrs(m, "h3", "e0"), Strings{"172.16.0.3/24"});
}

TEST(TopologyAddressing, ConnectedSwitchesAreOneSegment) {
    Model m = lab(R"({"ipv4": "10.0.0.0/16"})", R"("s1": {"kind": "switch"}, "s2": {"kind": "switch"}, "a": {}, "b": {}, "c": {})",
                  R"({"endpoints": ["a:e0", "b:e0"]},
                     {"endpoints": ["s1", "s2"]},
                     {"endpoints": ["b:e1", "s2"]},
                     {"endpoints": ["c:e0", "s1"]})");
    EXPECT_EQ(addrs(m, "a", "e0"), Strings{"10.0.0.1/30"});
    EXPECT_EQ(addrs(m, "b", "e1"), Strings{"10.0.1.1/24"});
    EXPECT_EQ(addrs(m, "c", "e0"), Strings{"10.0.1.2/24"});
    EXPECT_EQ(m.find("s1")->interfaces[0].name, "p1");
    EXPECT_EQ(m.find("s2")->interfaces[1].name, "p2");
}

TEST(TopologyAddressing, RoutesMayUseAutomaticAddresses) {
    Model m = lab(R"({"ipv4": "10.0.0.0/16"})", R"("a": {"routes": [{"to": "default", "via": "10.0.0.2"}]}, "b": {"kind": "router"})",
                  R"({"endpoints": ["a:e0", "b:e0"]})");
    EXPECT_EQ(m.nodes[0].routes.size(), 1u);
}

TEST(TopologyAddressing, NothingWithoutAddressing) {
    Model m = topo::parse(R"({"name": "a", "nodes": {"a": {}, "b": {}}, "links": [{"endpoints": ["a:e0", "b:e0"]}]})");
    EXPECT_TRUE(m.nodes[0].interfaces[0].addrs.empty());
    EXPECT_FALSE(m.addressing_v4);
}

}  // namespace
