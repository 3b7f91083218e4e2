// VLAN-aware switches (`vlan_filtering`, endpoints' `pvid` and `vlans`), policy-routing `rules`
// and routes' `table` (TOPOLOGY.md "Switches: VLANs", "Nodes: interfaces beyond veth"): what
// the topology accepts and refuses at its pointer, the steps the plan makes, and what a running
// lab refuses to change.
#include <gtest/gtest.h>

#include "plan/diff.hpp"
#include "plan/messages.hpp"
#include "plan/plan.hpp"
#include "topology_issues.hpp"

namespace {

using namespace nslab;
using plan::Stage;
using unit::issues_of;

// s1 and s2 joined by a trunk of VLANs 10 and 20; h1 an access port of VLAN 10 on s1, h2 a
// port of s2 with `port` as its endpoint object's extra keys.
std::string vlan_lab(const std::string& port = R"("pvid": 10)", const std::string& s2 = R"("vlan_filtering": true)") {
    return R"({"name": "t", "nodes": {
        "s1": {"kind": "switch", "vlan_filtering": true}, "s2": {"kind": "switch", )" + s2 + R"(}, "h1": {}, "h2": {}},
      "links": [
        {"endpoints": [{"node": "s1", "iface": "trunk", "vlans": [10, 20]}, {"node": "s2", "iface": "trunk", "vlans": [20, 10]}]},
        {"endpoints": ["h1:eth0", {"node": "s1", "pvid": 10}]},
        {"endpoints": ["h2:eth0", {"node": "s2", )" + port + R"(}]}]})";
}

// r with vrf red (table 10); `extra` goes into r's keys.
std::string router(const std::string& extra) {
    return R"({"name": "t", "nodes": {"r": {"kind": "router", "interfaces": {"red": {"kind": "vrf", "table": 10}}, )" + extra +
           R"(}, "h": {}}, "links": [{"endpoints": ["r:eth0", "h:eth0"], "ipv4": ["10.0.0.1/24", "10.0.0.2/24"]}]})";
}

const plan::Step* step(const plan::Plan& p, Stage stage, const std::string& id) {
    for (const auto& b : p.phase(stage)->batches)
        for (const auto& s : b.steps)
            if (s.id == id) return &s;
    return nullptr;
}

}  // namespace

TEST(Vlans, PortsKeepTheirVlans) {
    auto m = topo::parse(vlan_lab());
    EXPECT_TRUE(m.nodes[0].vlan_filtering);
    const auto* trunk = m.nodes[1].find_interface("trunk");
    ASSERT_NE(trunk, nullptr);
    EXPECT_FALSE(trunk->pvid);
    EXPECT_EQ(trunk->vlans, (std::vector<std::uint16_t>{20, 10}));
    EXPECT_EQ(m.nodes[0].find_interface("p2")->pvid, 10);
}

TEST(Vlans, BadInputIsLocatedAndWorded) {
    struct Row {
        std::string json, words;
    };
    const Row rows[] = {
        {vlan_lab(R"("pvid": 0)"), "/links/2/endpoints/1/pvid: VLAN id 0 is reserved; use 1 to 4094"},
        {vlan_lab(R"("pvid": 4095)"), "/links/2/endpoints/1/pvid: VLAN id 4095 is reserved; use 1 to 4094"},
        {vlan_lab(R"("vlans": [5, 4096])"), "/links/2/endpoints/1/vlans/1: expected an integer from 1 to 4094"},
        {vlan_lab(R"("vlans": [5, 7, 5])"), "/links/2/endpoints/1/vlans/2: VLAN 5 is listed twice"},
        {vlan_lab(R"("pvid": 5, "vlans": [5])"), "/links/2/endpoints/1/vlans/0: VLAN 5 is already this port's \"pvid\""},
        {vlan_lab(R"("vlans": 5)"), "/links/2/endpoints/1/vlans: expected a list"},
        {vlan_lab(R"("pvid": 10)", R"("vlan_filtering": false)"),
         "/links/0/endpoints/1/vlans: \"pvid\" and \"vlans\" need a VLAN-aware switch: give switch \"s2\" \"vlan_filtering\": true (/nodes/s2)"},
        {vlan_lab(R"("pvid": 10)", R"("vlan_filtering": "yes")"), "/nodes/s2/vlan_filtering: expected true or false"},
        {R"({"name": "t", "nodes": {"h1": {}, "h2": {}}, "links": [{"endpoints": [{"node": "h1", "iface": "eth0", "pvid": 3}, "h2:eth0"]}]})",
         "/links/0/endpoints/0/pvid: \"pvid\" and \"vlans\" are for ports of a switch with \"vlan_filtering\": true; \"h1\" is a host"},
        {R"({"name": "t", "nodes": {"h1": {"vlan_filtering": true}}})", "/nodes/h1/vlan_filtering: only a switch takes \"vlan_filtering\""},
        {R"({"name": "t", "defaults": {"vlan_filtering": true}, "nodes": {"h1": {}}})", "/defaults/vlan_filtering: only a switch"},
        {vlan_lab(R"("pvdi": 10)"), "/links/2/endpoints/1/pvdi: unknown key \"pvdi\"; did you mean \"pvid\"?"},
    };
    for (const auto& r : rows) EXPECT_NE(issues_of(r.json).find(r.words), std::string::npos) << r.json << "\n-> " << issues_of(r.json);
}

TEST(Vlans, PlanMakesAVlanAwareBridgeAndMovesPortsOutOfVlan1) {
    auto m = topo::parse(vlan_lab());
    auto p = plan::make_plan(m);
    const auto& bridge = std::get<plan::Bridge>(p.phase(Stage::Bridges)->batches[0].steps[0].action);
    EXPECT_TRUE(bridge.vlan_filtering);
    // s2's trunk port joins its bridge, then leaves VLAN 1, then takes its own; each in s2's batch.
    const auto& ports = p.phase(Stage::Ports)->batches;
    ASSERT_EQ(ports.size(), 2u);
    std::vector<std::string> ids;
    for (const auto& s : ports[1].steps) ids.push_back(s.id);
    EXPECT_EQ(ids, (std::vector<std::string>{"port s2:trunk", "vlan default s2:trunk", "vlans s2:trunk", "vlan default s2:p2", "vlans s2:p2"}));
    const auto* del = step(p, Stage::Ports, "vlan default s1:p2");
    ASSERT_NE(del, nullptr);
    const auto& out = std::get<plan::PortVlans>(del->action);
    EXPECT_FALSE(out.add);
    EXPECT_EQ(out.ifindex, p.ifindex[0].at("p2"));
    EXPECT_EQ(out.vlans, (std::vector<nl::PortVlan>{{1, false, false}}));
    EXPECT_EQ(del->pointer, "/links/1");  // a link added live brings its VLANs with it
    const auto& trunk = std::get<plan::PortVlans>(step(p, Stage::Ports, "vlans s1:trunk")->action);
    EXPECT_EQ(trunk.vlans, (std::vector<nl::PortVlan>{{10, false, false}, {20, false, false}}));
    const auto& access = std::get<plan::PortVlans>(step(p, Stage::Ports, "vlans s1:p2")->action);
    EXPECT_EQ(access.vlans, (std::vector<nl::PortVlan>{{10, true, true}}));
    auto msgs = plan::messages_for(ports[1], [](const plan::Target&) { return -1; });
    EXPECT_EQ(msgs.size(), 5u);
}

TEST(Vlans, APlainSwitchHasNoVlanSteps) {
    auto p = plan::make_plan(topo::parse(R"({"name": "t", "nodes": {"s1": {"kind": "switch"}, "h1": {}}, "links": [{"endpoints": ["h1:eth0", "s1"]}]})"));
    EXPECT_FALSE(std::get<plan::Bridge>(p.phase(Stage::Bridges)->batches[0].steps[0].action).vlan_filtering);
    EXPECT_TRUE(p.phase(Stage::Ports)->batches.empty());
}

TEST(Vlans, ARunningLabKeepsItsPortsVlans) {
    auto before = topo::parse(vlan_lab());
    EXPECT_NO_THROW(plan::diff(before, topo::parse(vlan_lab())));
    try {
        plan::diff(before, topo::parse(vlan_lab(R"("pvid": 20)")));
        FAIL() << "a port's pvid changed live";
    } catch (const topo::TopologyError& e) {
        EXPECT_NE(std::string(e.what()).find("/links/2/endpoints/1: node s2: the VLANs of port p2 cannot change while the lab runs"),
                  std::string::npos)
            << e.what();
    }
    const std::string plain = R"({"name": "t", "nodes": {"s1": {"kind": "switch"}, "h1": {}}, "links": [{"endpoints": ["h1:eth0", "s1"]}]})";
    std::string aware = plain;
    aware.insert(aware.find(R"("switch")") + 8, R"(, "vlan_filtering": true)");
    try {
        plan::diff(topo::parse(plain), topo::parse(aware));
        FAIL() << "vlan_filtering changed live";
    } catch (const topo::TopologyError& e) {
        EXPECT_NE(std::string(e.what()).find("/nodes/s1/vlan_filtering: node s1: its vlan_filtering cannot change"), std::string::npos)
            << e.what();
    }
}

TEST(Rules, ParsedWithTheirFamilyAndTable) {
    auto m = topo::parse(router(R"("rules": [{"from": "10.1.0.0/24", "to": "10.9.0.5", "iif": "eth0", "fwmark": 7, "table": 100, "priority": 10},
                                             {"to": "fd00::/64", "table": "red"}, {"oif": "red", "table": "red"}],
                                   "routes": [{"to": "10.9.0.0/24", "via": "10.0.0.2", "table": "red"}, {"to": "10.9.0.0/24", "via": "10.0.0.2", "table": 300}])"));
    const auto& r = m.nodes[0];
    ASSERT_EQ(r.rules.size(), 3u);
    EXPECT_EQ(r.rules[0].family, net::Family::V4);
    EXPECT_EQ(r.rules[0].to->str(), "10.9.0.5/32");
    EXPECT_EQ(r.rules[0].table, 100u);
    EXPECT_EQ(r.rules[1].family, net::Family::V6);
    EXPECT_EQ(r.rules[1].table, 10u);
    EXPECT_EQ(r.rules[1].table_vrf, "red");
    EXPECT_FALSE(r.rules[2].family);
    EXPECT_EQ(r.routes[0].table, 10u);
    EXPECT_EQ(r.routes[1].table, 300u);
}

TEST(Rules, BadInputIsLocatedAndWorded) {
    struct Row {
        std::string json, words;
    };
    const Row rows[] = {
        {router(R"("routes": [{"to": "10.9.0.0/24", "via": "10.0.0.2", "table": "rde"}])"),
         "/nodes/r/routes/0/table: table \"rde\" names no vrf interface of node \"r\"; did you mean \"red\"?"},
        {router(R"("routes": [{"to": "10.9.0.0/24", "via": "10.0.0.2", "table": 0}])"), "/nodes/r/routes/0/table: expected an integer from 1"},
        {router(R"("routes": [{"to": "10.9.0.0/24", "via": "10.0.0.2", "table": [1]}])"),
         "/nodes/r/routes/0/table: expected a table number or the name of a vrf interface of the node"},
        {router(R"("routes": [{"to": "10.9.0.0/24", "via": "10.0.0.2", "table": 7}, {"to": "10.9.0.0/24", "via": "10.0.0.2", "table": 7}])"),
         "/nodes/r/routes/1: a route to 10.9.0.0/24 with the same metric in table 7 is already at /nodes/r/routes/0"},
        {router(R"("rules": {"table": 5})"), "/nodes/r/rules: expected a list"},
        {router(R"("rules": [{"from": "10.1.0.0/24"}])"), "/nodes/r/rules/0: a rule needs \"table\""},
        {router(R"("rules": [{"table": 5, "fom": "10.1.0.0/24"}])"), "/nodes/r/rules/0/fom: unknown key \"fom\"; did you mean \"from\"?"},
        {router(R"("rules": [{"table": 5, "from": "10.1.0.1/24"}])"), "/nodes/r/rules/0/from: \"10.1.0.1/24\" has host bits set"},
        {router(R"("rules": [{"table": 5, "to": "nowhere"}])"), "/nodes/r/rules/0/to: \"nowhere\" is not a network"},
        {router(R"("rules": [{"table": 5, "from": "10.1.0.0/24", "to": "fd00::/64"}])"),
         "/nodes/r/rules/0/to: to fd00::/64 is IPv6 but \"from\" (10.1.0.0/24) is IPv4"},
        {router(R"("rules": [{"table": 5, "iif": "eth9"}])"), "/nodes/r/rules/0/iif: node \"r\" has no interface \"eth9\""},
        {router(R"("rules": [{"table": 5, "oif": "eht0"}])"), "/nodes/r/rules/0/oif: node \"r\" has no interface \"eht0\"; did you mean \"eth0\"?"},
        {router(R"("rules": [{"table": "blue"}])"), "/nodes/r/rules/0/table: table \"blue\" names no vrf interface of node \"r\""},
        {router(R"("rules": [{"table": 5, "priority": 0}])"), "/nodes/r/rules/0/priority: expected an integer from 1"},
        {router(R"("rules": [{"table": 5, "fwmark": -1}])"), "/nodes/r/rules/0/fwmark"},
        {R"({"name": "t", "nodes": {"h": {"routes": [{"to": "10.0.0.0/8", "dev": "lo", "table": "x"}]}}})",
         "/nodes/h/routes/0/table: table \"x\" names no vrf interface of node \"h\"; it has none"},
        {R"({"name": "t", "nodes": {"s": {"kind": "switch", "rules": [{"table": 5}]}}})", "/nodes/s/rules: a switch has no rules"},
        // A member of two vrfs: two vrfs of one node on one table.
        {R"({"name": "t", "nodes": {"r": {"interfaces": {"red": {"kind": "vrf", "table": 10}, "blue": {"kind": "vrf", "table": 10}}}}})",
         "/nodes/r/interfaces/blue/table: table 10 already belongs to vrf \"red\""},
    };
    for (const auto& r : rows) EXPECT_NE(issues_of(r.json).find(r.words), std::string::npos) << r.json << "\n-> " << issues_of(r.json);
}

TEST(Rules, PlanAddsThemAfterTheRoutesInBothFamiliesWhereNoPrefixSays) {
    auto m = topo::parse(router(R"("rules": [{"from": "10.1.0.0/24", "table": 100, "priority": 10}, {"iif": "eth0", "table": "red"}],
                                   "routes": [{"to": "10.9.0.0/24", "via": "10.0.0.2", "table": "red"}])"));
    auto p = plan::make_plan(m);
    std::vector<std::string> ids;
    for (const auto& s : p.phase(Stage::Config)->batches[0].steps)
        if (s.id.starts_with("route") || s.id.starts_with("rule")) ids.push_back(s.id);
    EXPECT_EQ(ids, (std::vector<std::string>{"route r 10.9.0.0/24 table 10", "rule r: add rule priority 10 from 10.1.0.0/24 table 100",
                                             "rule r: add rule iif eth0 table 10", "rule r: add rule -6 iif eth0 table 10"}));
    const auto& route = std::get<plan::Route>(step(p, Stage::Config, "route r 10.9.0.0/24 table 10")->action);
    EXPECT_EQ(route.spec.table, 10u);
    const auto* v6 = step(p, Stage::Config, "rule r: add rule -6 iif eth0 table 10");
    EXPECT_EQ(v6->pointer, "/nodes/r/rules/1");
    EXPECT_EQ(std::get<plan::Rule>(v6->action).spec.family, net::Family::V6);
}

TEST(Rules, ARunningLabKeepsItsRulesButMayChangeTableRoutes) {
    auto before = topo::parse(router(R"("rules": [{"iif": "eth0", "table": 100}])"));
    try {
        plan::diff(before, topo::parse(router(R"("rules": [{"iif": "eth0", "table": 101}])")));
        FAIL() << "rules changed live";
    } catch (const topo::TopologyError& e) {
        EXPECT_NE(std::string(e.what()).find("/nodes/r/rules: node r: rules cannot change while the lab runs"), std::string::npos) << e.what();
    }
    auto d = plan::diff(before, topo::parse(router(R"("rules": [{"iif": "eth0", "table": 100}],
                                                     "routes": [{"to": "10.9.0.0/24", "via": "10.0.0.2", "table": 100}])")));
    ASSERT_EQ(d.routes.size(), 1u);
    EXPECT_EQ(d.routes[0].after->table, 100u);
}
