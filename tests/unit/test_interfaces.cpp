// A node's own interfaces (`interfaces`, TOPOLOGY.md "Nodes: interfaces beyond veth"): what
// the topology accepts and refuses (at its pointer), and the steps the plan makes of them.
#include <gtest/gtest.h>

#include "plan/messages.hpp"
#include "plan/plan.hpp"
#include "topology_issues.hpp"

namespace {

using namespace nslab;
using plan::Stage;
using unit::issues_of;

// r1 and r2 over eth1; r1 has one of each kind.
constexpr const char* kLab = R"({"name": "t", "nodes": {
    "r1": {"kind": "router", "interfaces": {
        "lo1": {"kind": "dummy", "ipv4": ["10.255.0.1/32"], "ipv6": ["fd00:ff::1/128"]},
        "tap0": {"kind": "tap", "mtu": 1400, "vrf": "red"},
        "eth1.10": {"kind": "vlan", "link": "eth1", "id": 10, "ipv4": ["10.10.0.1/24"], "vrf": "red"},
        "red": {"kind": "vrf", "table": 1001},
        "mv0": {"kind": "macvlan", "link": "eth1", "mode": "private", "up": false},
        "vx0": {"kind": "vxlan", "vni": 42, "remote": "10.0.12.2", "local": "10.0.12.1", "dev": "eth1", "learning": false}
    }},
    "r2": {"kind": "router"}},
  "links": [{"endpoints": ["r1:eth1", "r2:eth1"], "ipv4": ["10.0.12.1/24", "10.0.12.2/24"]}]})";

std::string with_interfaces(const std::string& interfaces, const std::string& links = "") {
    return R"({"name": "t", "nodes": {"r1": {"kind": "router", "interfaces": )" + interfaces +
           R"(}, "r2": {}}, "links": [{"endpoints": ["r1:eth1", "r2:eth1"]})" + links + "]}";
}

}  // namespace

TEST(Interfaces, EveryKindParsesWithItsKeys) {
    auto m = topo::parse(kLab);
    const auto& r1 = m.nodes[0];
    ASSERT_EQ(r1.devices.size(), 6u);
    const auto* vlan = r1.find_device("eth1.10");
    ASSERT_NE(vlan, nullptr);
    EXPECT_EQ(vlan->kind, topo::DeviceKind::Vlan);
    EXPECT_EQ(vlan->link, "eth1");
    EXPECT_EQ(vlan->vlan_id, 10);
    EXPECT_FALSE(vlan->qinq);
    EXPECT_EQ(vlan->vrf, "red");
    EXPECT_EQ(vlan->pointer, "/nodes/r1/interfaces/eth1.10");
    EXPECT_EQ(r1.find_device("red")->table, 1001u);
    EXPECT_EQ(r1.find_device("mv0")->mode, "private");
    EXPECT_FALSE(r1.find_device("mv0")->up);
    const auto* vx = r1.find_device("vx0");
    EXPECT_EQ(vx->vni, 42u);
    EXPECT_EQ(vx->remote->addr_str(), "10.0.12.2");
    EXPECT_EQ(vx->port, 4789);
    EXPECT_FALSE(vx->learning);
    EXPECT_EQ(r1.find_device("lo1")->addrs.size(), 2u);
    EXPECT_EQ(*r1.find_device("tap0")->mtu, 1400u);
}

TEST(Interfaces, BadInputIsLocatedAndWorded) {
    struct Row {
        std::string json, words;
    };
    const Row rows[] = {
        {with_interfaces(R"({"d0": {"kind": "dumy"}})"), "/nodes/r1/interfaces/d0/kind: unknown interface kind \"dumy\"; did you mean \"dummy\"?"},
        {with_interfaces(R"({"b0": {"kind": "bond"}})"), "/nodes/r1/interfaces/b0/kind: interface kind \"bond\" is not in this build yet"},
        {with_interfaces(R"({"v": {"kind": "vlan", "link": "eth9", "id": 5}})"), "/nodes/r1/interfaces/v/link: node \"r1\" has no interface \"eth9\""},
        {with_interfaces(R"({"v": {"kind": "vlan", "link": "eth1", "id": 0}})"), "/nodes/r1/interfaces/v/id: VLAN id 0 is reserved; use 1 to 4094"},
        {with_interfaces(R"({"v": {"kind": "vlan", "link": "eth1", "id": 4095}})"), "/nodes/r1/interfaces/v/id: VLAN id 4095 is reserved"},
        {with_interfaces(R"({"v": {"kind": "vlan", "link": "eth1"}})"), "/nodes/r1/interfaces/v: a vlan interface needs \"id\""},
        {with_interfaces(R"({"d": {"kind": "dummy", "vrf": "blue"}})"), "/nodes/r1/interfaces/d/vrf: node \"r1\" has no vrf interface \"blue\""},
        {with_interfaces(R"({"eth1": {"kind": "dummy"}})"), "/nodes/r1/interfaces/eth1: \"eth1\" is already a link end of node \"r1\" (/links/0)"},
        {with_interfaces(R"({"d": {"kind": "dummy", "table": 5}})"), "/nodes/r1/interfaces/d/table: unknown key \"table\""},
        {with_interfaces(R"({"a": {"kind": "vrf", "table": 7}, "b": {"kind": "vrf", "table": 7}})"), "/nodes/r1/interfaces/b/table: table 7 already belongs to vrf \"a\""},
        {with_interfaces(R"({"a": {"kind": "vrf", "table": 0}})"), "/nodes/r1/interfaces/a/table"},
        {with_interfaces(R"({"x": {"kind": "vxlan", "vni": 1, "remote": "10.0.0.1", "group": "239.1.1.1"}})"), "not both"},
        {with_interfaces(R"({"x": {"kind": "vxlan", "vni": 1, "group": "10.1.1.1", "dev": "eth1"}})"), "/nodes/r1/interfaces/x/group: 10.1.1.1 is not a multicast address"},
        {with_interfaces(R"({"m": {"kind": "macvlan", "link": "eth1", "mode": "brige"}})"), "did you mean \"bridge\"?"},
        {with_interfaces(R"({"d": {"kind": "dummy", "ipv4": ["10.0.0.1/24"]}, "e": {"kind": "dummy", "ipv4": ["10.0.0.1/24"]}})"), "/nodes/r1/interfaces/e/ipv4/0: 10.0.0.1 is already used by r1:d"},
        {with_interfaces(R"({"v": {"kind": "vlan", "link": "w", "id": 5}, "w": {"kind": "dummy"}})"), "write the interface it sits on first"},
        {R"({"name": "t", "nodes": {"s1": {"kind": "switch", "interfaces": {"d": {"kind": "dummy"}}}}})", "/nodes/s1/interfaces: a switch has no interfaces"},
    };
    for (const auto& r : rows) EXPECT_NE(issues_of(r.json).find(r.words), std::string::npos) << r.json << "\n-> " << issues_of(r.json);
}

TEST(Interfaces, RoutesMayLeaveThroughThem) {
    auto m = topo::parse(R"({"name": "t", "nodes": {"r1": {"kind": "router",
        "interfaces": {"d": {"kind": "dummy", "ipv4": ["10.9.0.1/24"]}},
        "routes": [{"to": "10.8.0.0/16", "via": "10.9.0.2"}, {"to": "10.7.0.0/16", "dev": "d"}]}}})");
    EXPECT_EQ(m.nodes[0].routes.size(), 2u);
}

TEST(Interfaces, PlanMakesThemAfterTheLinksWithTheirOwnIfindexes) {
    auto m = topo::parse(kLab);
    auto p = plan::make_plan(m, {.first_ifindex = 2});
    // Numbered node by node: a node's link ends, then its own interfaces in file order.
    const auto& idx = p.ifindex[0];
    EXPECT_EQ(idx.at("eth1"), 2);
    EXPECT_EQ(idx.at("lo1"), 3);
    EXPECT_EQ(idx.at("red"), 6);
    EXPECT_EQ(p.ifindex[1].at("eth1"), 9);
    const plan::Phase* ph = p.phase(Stage::Interfaces);
    ASSERT_NE(ph, nullptr);
    ASSERT_EQ(ph->batches.size(), 1u);
    std::vector<std::string> ids;
    for (const auto& s : ph->batches[0].steps) ids.push_back(s.id);
    EXPECT_EQ(ids, (std::vector<std::string>{"interface r1:tap0", "interface r1:red", "interface r1:lo1", "interface r1:eth1.10",
                                             "interface r1:mv0", "interface r1:vx0", "set interface r1:tap0"}));
    const auto& steps = ph->batches[0].steps;
    const auto& tap = std::get<plan::Tap>(steps[0].action);
    EXPECT_EQ(tap.ifindex, idx.at("tap0"));
    const auto& vlan = std::get<plan::Device>(steps[3].action).spec;
    EXPECT_EQ(vlan.kind, "vlan");
    EXPECT_EQ(vlan.ifindex, idx.at("eth1.10"));
    EXPECT_EQ(vlan.link, idx.at("eth1"));
    EXPECT_EQ(vlan.master, idx.at("red"));
    EXPECT_FALSE(vlan.up);  // up in Config, after the veth peers
    const auto& vx = std::get<plan::Device>(steps[5].action).spec;
    EXPECT_EQ(vx.vxlan_dev, idx.at("eth1"));
    EXPECT_EQ(vx.vxlan_remote->addr_str(), "10.0.12.2");
    EXPECT_EQ(std::get<plan::Device>(steps[4].action).spec.macvlan_mode, 1u);  // MACVLAN_MODE_PRIVATE
    const auto& set_tap = std::get<plan::SetLink>(steps[6].action);
    EXPECT_EQ(set_tap.master, idx.at("red"));
    EXPECT_EQ(set_tap.mtu, 1400u);
    EXPECT_FALSE(set_tap.up);
    // A tap has no request (the runtime makes it); the others have one each.
    auto msgs = plan::messages_for(ph->batches[0], [](const plan::Target&) { return -1; });
    EXPECT_EQ(msgs.size(), 6u);
    // Their addresses come with the node's others, in Config.
    const plan::Step* addr = nullptr;
    for (const auto& b : p.phase(Stage::Config)->batches)
        for (const auto& s : b.steps)
            if (s.id == "address r1:lo1 10.255.0.1/32") addr = &s;
    ASSERT_NE(addr, nullptr);
    EXPECT_EQ(std::get<plan::Address>(addr->action).ifindex, idx.at("lo1"));
    // Up there too, all but mv0 ("up": false), before the addresses.
    std::vector<std::string> ups;
    for (const auto& s : p.phase(Stage::Config)->batches[0].steps)
        if (s.id.starts_with("up r1:") && s.id != "up r1:lo") ups.push_back(s.id);
    EXPECT_EQ(ups, (std::vector<std::string>{"up r1:lo1", "up r1:tap0", "up r1:eth1.10", "up r1:red", "up r1:vx0"}));
}

TEST(Interfaces, ALabWithoutThemHasAnEmptyInterfacesPhase) {
    auto p = plan::make_plan(topo::parse(with_interfaces("{}")));
    ASSERT_NE(p.phase(Stage::Interfaces), nullptr);
    EXPECT_TRUE(p.phase(Stage::Interfaces)->batches.empty());
}

namespace {

// Two tenants behind r1, each on a link end in a vrf of its own, with the same subnet.
std::string tenants(const std::string& b_vrf) {
    return R"({"name": "t", "nodes": {
        "r1": {"kind": "router", "interfaces": {"red": {"kind": "vrf", "table": 10}, "blue": {"kind": "vrf", "table": 20}}},
        "a": {}, "b": {}},
      "links": [
        {"endpoints": [{"node": "r1", "iface": "eth1", "vrf": "red"}, "a:eth0"], "ipv4": ["10.0.0.1/24", "10.0.0.2/24"]},
        {"endpoints": [{"node": "r1", "iface": "eth2", "vrf": ")" + b_vrf + R"("}, "b:eth0"], "ipv4": ["10.0.0.1/24", "10.0.0.2/24"]}]})";
}

}  // namespace

TEST(Interfaces, TheSameAddressesInTwoVrfsOfOneRouter) {
    auto m = topo::parse(tenants("blue"));
    EXPECT_EQ(m.nodes[0].find_interface("eth1")->vrf, "red");
    auto p = plan::make_plan(m);
    const auto& idx = p.ifindex[0];
    const auto& join = std::get<plan::SetLink>(p.phase(Stage::Interfaces)->batches[0].steps[2].action);
    EXPECT_EQ(p.phase(Stage::Interfaces)->batches[0].steps[2].id, "vrf r1:eth1");
    EXPECT_EQ(join.ifindex, idx.at("eth1"));
    EXPECT_EQ(join.master, idx.at("red"));
    EXPECT_FALSE(join.up);
}

TEST(Interfaces, TheSameAddressTwiceInOneVrfIsRefused) {
    std::string text = tenants("red");
    EXPECT_NE(issues_of(text).find("/links/1/ipv4/0: 10.0.0.1 is already used by r1:eth1 (/links/0/ipv4/0) in the same vrf"),
              std::string::npos)
        << issues_of(text);
    EXPECT_NE(issues_of(tenants("green")).find("/links/1/endpoints/0/vrf: node \"r1\" has no vrf interface \"green\""), std::string::npos);
}

TEST(Interfaces, LabsWithoutVrfsKeepTheLabWideRule) {
    std::string text = R"({"name": "t", "nodes": {"r1": {}, "a": {}, "b": {}}, "links": [
        {"endpoints": ["r1:eth1", "a:eth0"], "ipv4": ["10.0.0.1/24", "10.0.0.2/24"]},
        {"endpoints": ["r1:eth2", "b:eth0"], "ipv4": ["10.1.0.1/24", "10.0.0.2/24"]}]})";
    EXPECT_NE(issues_of(text).find("/links/1/ipv4/1: 10.0.0.2 is already used by a:eth0 (/links/0/ipv4/1)"), std::string::npos);
}
