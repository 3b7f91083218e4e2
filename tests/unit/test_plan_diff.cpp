// Live changes without root: what plan::diff finds between two versions of a topology, the
// lines `lab apply` prints for it, what it refuses, and the topology edits behind `lab node
// add` and friends (topology/edit).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "plan/diff.hpp"
#include "topology/edit.hpp"

namespace {

using namespace nslab;

std::string netem(const topo::Netem& n) { return n.delay_us ? "delay=" + std::to_string(*n.delay_us / 1000) + "ms" : "none"; }

const char* kBase = R"({"name": "d", "defaults": {"kind": "router"},
  "nodes": {"r1": {"loopback": ["10.0.0.1/32"], "routes": [{"to": "10.9.0.0/24", "via": "10.0.12.2"}]},
            "r2": {}, "r3": {}, "s1": {"kind": "switch"}},
  "links": [{"endpoints": ["r1:eth1", "r2:eth1"], "ipv4": ["10.0.12.1/30", "10.0.12.2/30"], "netem": {"delay": "5ms"}},
            {"endpoints": ["r2:eth2", "r3:eth1"], "ipv4": ["10.0.23.1/30", "10.0.23.2/30"]},
            {"endpoints": ["r3:eth2", "s1"]}, {"endpoints": ["r1:eth2", "s1"]}]})";

nlohmann::json base() { return nlohmann::json::parse(kBase); }
topo::Model model(const nlohmann::json& j) { return topo::parse(j.dump()); }
std::vector<std::string> lines(const nlohmann::json& a, const nlohmann::json& b) {
    auto ma = model(a), mb = model(b);
    return plan::diff_lines(plan::diff(ma, mb), ma, mb, &netem);
}

// What plan::diff refuses between `a` and `b` (none: the diff went through).
std::vector<topo::Issue> refusals(const nlohmann::json& a, const nlohmann::json& b) {
    try {
        plan::diff(model(a), model(b));
    } catch (const topo::TopologyError& e) {
        EXPECT_EQ(e.source(), "apply");
        return e.issues();
    }
    return {};
}

TEST(PlanDiff, SameTopologyIsNoChangeWhateverTheOrder) {
    auto b = base();
    // Links in another order, endpoints swapped: the same links.
    std::swap(b["links"][0], b["links"][1]);
    b["links"][0]["endpoints"] = {"r3:eth1", "r2:eth2"};
    b["links"][0]["ipv4"] = {"10.0.23.2/30", "10.0.23.1/30"};
    auto d = plan::diff(model(base()), model(b));
    EXPECT_TRUE(d.empty());
    EXPECT_EQ(d.links_kept.size(), 4u);
}

TEST(PlanDiff, NodesLinksAddressesRoutesNetemAndState) {
    auto b = base();
    b["nodes"]["r4"] = {{"loopback", {"10.0.0.4/32"}}};
    b["nodes"]["r1"]["loopback"] = {"10.0.0.11/32"};
    b["nodes"]["r1"]["routes"] = {{{"to", "10.9.0.0/24"}, {"via", "10.0.12.2"}, {"metric", 5}}};
    b["links"][0]["netem"] = {{"delay", "20ms"}};
    b["links"][0]["ipv4"] = {"10.0.12.1/30", "10.0.12.6/30"};
    b["links"][1]["up"] = false;
    b["links"].push_back({{"endpoints", {"r3:eth3", "r4:eth1"}}});
    EXPECT_EQ(lines(base(), b), (std::vector<std::string>{
                                    "- route r1 10.9.0.0/24 via 10.0.12.2",
                                    "- address r1:lo 10.0.0.1/32",
                                    "- address r2:eth1 10.0.12.2/30",
                                    "+ node r4 (router)",
                                    "+ link r3:eth3 <-> r4:eth1",
                                    "+ address r1:lo 10.0.0.11/32",
                                    "+ address r2:eth1 10.0.12.6/30",
                                    "+ route r1 10.9.0.0/24 metric 5 via 10.0.12.2",
                                    "~ netem r1:eth1 <-> r2:eth1: delay=5ms -> delay=20ms",
                                    "~ link r2:eth2 <-> r3:eth1 down",
                                }));
}

TEST(PlanDiff, ChangedRouteIsReplacedNotRemovedAndAdded) {
    auto b = base();
    b["nodes"]["r1"]["routes"][0]["via"] = "10.0.0.9";
    b["nodes"]["r1"]["routes"][0]["dev"] = "eth1";
    auto d = plan::diff(model(base()), model(b));
    ASSERT_EQ(d.routes.size(), 1u);
    EXPECT_TRUE(d.routes[0].before && d.routes[0].after);
    EXPECT_EQ(lines(base(), b), (std::vector<std::string>{
                                    "~ route r1 10.9.0.0/24 via 10.0.0.9 dev eth1 (was route r1 10.9.0.0/24 via 10.0.12.2)"}));
}

TEST(PlanDiff, RemovedNodeTakesItsLinksAndRoutesWithoutListingThem) {
    auto b = base();
    b["nodes"].erase("r3");
    b["links"].erase(1);
    b["links"].erase(1);  // r3:eth2 <-> s1
    b["links"][1]["endpoints"] = {"r1:eth2", "s1:p2"};  // keeps its port's name
    auto d = plan::diff(model(base()), model(b));
    EXPECT_EQ(d.nodes_removed, std::vector<std::string>{"r3"});
    EXPECT_EQ(d.links_removed.size(), 2u);
    EXPECT_TRUE(d.addresses_removed.empty());
    EXPECT_EQ(lines(base(), b),
              (std::vector<std::string>{"- link r2:eth2 <-> r3:eth1", "- link r3:eth2 <-> s1:p1", "- node r3"}));
}

TEST(PlanDiff, ALinkToANodeRemovedAndAddedAgainIsNewToo) {
    auto b = base();
    b["nodes"]["r3"] = {{"kind", "host"}};  // a kind cannot change...
    EXPECT_THROW(plan::diff(model(base()), model(b)), topo::TopologyError);
}

TEST(PlanDiff, RefusesWhatARunningNodeCannotChangeWithPointers) {
    auto b = base();
    b["nodes"]["r1"]["sysctls"] = {{"net.ipv4.conf.all.rp_filter", "0"}};
    b["nodes"]["r2"]["exec"] = {"true"};
    b["links"][1]["mtu"] = 9000;
    auto issues = refusals(base(), b);
    ASSERT_EQ(issues.size(), 3u);
    EXPECT_EQ(issues[0].pointer, "/nodes/r1/sysctls");
    EXPECT_EQ(issues[1].pointer, "/nodes/r2/exec");
    EXPECT_EQ(issues[2].pointer, "/links/1/mtu");
    EXPECT_NE(issues[0].message.find("remove the node and add it again"), std::string::npos);
}

TEST(PlanDiff, ADaemonsConfigIsRefusedAtItsKeyNotAsFiles) {
    auto a = base(), b = base();
    a["nodes"]["r2"]["frr"] = {{"daemons", {"ospfd"}}, {"config", "router ospf\n"}};
    b["nodes"]["r2"]["frr"] = {{"daemons", {"ospfd", "bfdd"}}, {"config", "router ospf\n"}};
    EXPECT_TRUE(plan::diff(model(a), model(a)).empty());
    auto issues = refusals(a, b);
    ASSERT_EQ(issues.size(), 1u);
    EXPECT_EQ(issues[0].pointer, "/nodes/r2/frr");
}

TEST(PlanDiff, EnvChangesWithoutTouchingTheKernel) {
    auto b = base();
    b["nodes"]["r2"]["env"] = {{"X", "1"}};
    EXPECT_EQ(lines(base(), b), std::vector<std::string>{"~ env r2"});
}

// ---- topology edits -------------------------------------------------------------------------

TEST(PlanDiff, OwnInterfacesAreAddedRemovedAndRemadeWithWhatSitsOnThem) {
    auto a = base();
    a["nodes"]["r1"]["interfaces"] = {{"blue", {{"kind", "vrf"}, {"table", 10}}},
                                      {"d0", {{"kind", "dummy"}, {"vrf", "blue"}, {"ipv4", {"10.5.0.1/32"}}}},
                                      {"mv", {{"kind", "macvlan"}, {"link", "eth1"}}},
                                      {"t0", {{"kind", "tap"}}}};
    // Unchanged: nothing to do.
    EXPECT_TRUE(plan::diff(model(a), model(a)).empty());
    auto b = a;
    // Only an address of d0: changed in place. The vrf's table: it and d0 in it are remade.
    b["nodes"]["r1"]["interfaces"]["d0"]["ipv4"] = {"10.5.0.2/32"};
    EXPECT_EQ(lines(a, b), (std::vector<std::string>{"- address r1:d0 10.5.0.1/32", "+ address r1:d0 10.5.0.2/32"}));
    b["nodes"]["r1"]["interfaces"]["blue"]["table"] = 11;
    b["nodes"]["r1"]["interfaces"].erase("t0");
    b["nodes"]["r2"]["interfaces"] = {{"vx0", {{"kind", "vxlan"}, {"vni", 7}, {"remote", "10.0.12.1"}}}};
    auto ma = model(a), mb = model(b);
    auto d = plan::diff(ma, mb);
    // Removed what sits on another first; added in file order, with their addresses.
    EXPECT_EQ(plan::diff_lines(d, ma, mb, &netem), (std::vector<std::string>{
                                                        "- interface r1:t0 (tap)",
                                                        "- interface r1:d0 (dummy)",
                                                        "- interface r1:blue (vrf)",
                                                        "+ interface r1:blue (vrf)",
                                                        "+ interface r1:d0 (dummy)",
                                                        "+ interface r2:vx0 (vxlan)",
                                                    }));
    ASSERT_EQ(d.devices_added.size(), 3u);
    EXPECT_EQ(d.devices_added[2].pointer, "/nodes/r2/interfaces/vx0");
    EXPECT_TRUE(d.addresses_added.empty());  // they come with the remade interface
}

TEST(PlanDiff, AVrfWithLinkEndsInItCannotBeRemade) {
    auto a = base();
    a["nodes"]["r1"]["interfaces"] = {{"blue", {{"kind", "vrf"}, {"table", 10}}}};
    a["links"][0]["endpoints"][0] = {{"node", "r1"}, {"iface", "eth1"}, {"vrf", "blue"}};
    auto b = a;
    b["nodes"]["r1"]["interfaces"]["blue"]["table"] = 12;
    auto issues = refusals(a, b);
    ASSERT_EQ(issues.size(), 1u);
    EXPECT_EQ(issues[0].pointer, "/nodes/r1/interfaces/blue");
    EXPECT_NE(issues[0].message.find("link end eth1 is in it"), std::string::npos) << issues[0].message;
}

TEST(PlanDiff, ANewLinkEndMayJoinAVrfAKeptOneCannotMove) {
    auto a = base();
    a["nodes"]["r1"]["interfaces"] = {{"blue", {{"kind", "vrf"}, {"table", 10}}}};
    auto b = a;
    b["links"].push_back({{"endpoints", {{{"node", "r1"}, {"iface", "eth3"}, {"vrf", "blue"}}, "r3:eth3"}}});
    EXPECT_EQ(lines(a, b), std::vector<std::string>{"+ link r1:eth3 <-> r3:eth3"});
    b["links"][0]["endpoints"][0] = {{"node", "r1"}, {"iface", "eth1"}, {"vrf", "blue"}};
    auto issues = refusals(a, b);
    ASSERT_EQ(issues.size(), 1u);
    EXPECT_EQ(issues[0].pointer, "/links/0/endpoints/0/vrf");
}

TEST(TopologyEdit, AddNodeAndLinkKeepTheRestAndGetDefaults) {
    std::string t = topo::with_node(kBase, "r4", R"({"loopback": ["10.0.0.4/32"]})");
    t = topo::with_link(t, "r4:eth1", "s1", R"({"ipv4": ["192.168.0.4/24", null], "mtu": 1400})");
    auto m = topo::parse(t);
    ASSERT_TRUE(m.find("r4"));
    EXPECT_EQ(m.find("r4")->kind, topo::NodeKind::Router);  // from defaults
    ASSERT_EQ(m.links.size(), 5u);
    EXPECT_EQ(m.endpoint_name(m.links[4].ends[1]), "s1:p3");
    EXPECT_EQ(m.links[4].mtu, 1400u);
    EXPECT_TRUE(plan::diff(topo::parse(kBase), m).links_added.size() == 1);
}

TEST(TopologyEdit, MistakesAreLocated) {
    auto cur = topo::parse(kBase);
    try {
        topo::with_node(kBase, "r1", "");
        FAIL();
    } catch (const topo::TopologyError& e) {
        EXPECT_EQ(e.issues()[0].pointer, "/nodes/r1");
        EXPECT_EQ(e.issues()[0].message, "the lab already has a node r1");
    }
    EXPECT_THROW(topo::without_node(kBase, cur, "r9"), topo::TopologyError);
    EXPECT_THROW(topo::without_link(kBase, cur, "r1:eth9"), topo::TopologyError);
    EXPECT_THROW(topo::with_link(kBase, "r1:eth5", "r2:eth5", R"({"endpoints": []})"), topo::TopologyError);
    EXPECT_THROW(topo::with_node(kBase, "r5", "[1]"), topo::TopologyError);
}

TEST(TopologyEdit, RemovingALinkKeepsTheOtherSwitchPortsNames) {
    auto cur = topo::parse(kBase);
    // r3:eth2 is on s1:p1 and r1:eth2 on s1:p2; without the first, r1:eth2 must stay on p2.
    auto after = topo::parse(topo::without_link(kBase, cur, "r3:eth2"));
    ASSERT_EQ(after.links.size(), 3u);
    EXPECT_EQ(after.endpoint_name(after.links[2].ends[1]), "s1:p2");
    auto d = plan::diff(cur, after);
    EXPECT_EQ(d.links_removed.size(), 1u);
    EXPECT_TRUE(d.links_added.empty());
}

TEST(TopologyEdit, RemovingANodeRemovesItsLinks) {
    auto cur = topo::parse(kBase);
    auto after = topo::parse(topo::without_node(kBase, cur, "r3"));
    EXPECT_FALSE(after.find("r3"));
    EXPECT_EQ(after.links.size(), 2u);
    EXPECT_EQ(after.endpoint_name(after.links[1].ends[1]), "s1:p2");
    auto d = plan::diff(cur, after);
    EXPECT_EQ(d.nodes_removed, std::vector<std::string>{"r3"});
    EXPECT_EQ(d.links_removed.size(), 2u);
    EXPECT_TRUE(d.links_added.empty());
}

}  // namespace
