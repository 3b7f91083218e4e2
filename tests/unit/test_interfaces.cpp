// A node's own interfaces (`interfaces`, TOPOLOGY.md "Nodes: interfaces beyond veth"): what
// the topology accepts and refuses (at its pointer), and the steps the plan makes of them.
#include <gtest/gtest.h>

#include <algorithm>

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
        {with_interfaces(R"({"b0": {"kind": "bnod"}})"), "/nodes/r1/interfaces/b0/kind: unknown interface kind \"bnod\"; did you mean \"bond\"?"},
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
    EXPECT_EQ(ups, (std::vector<std::string>{"up r1:eth1", "up r1:lo1", "up r1:tap0", "up r1:eth1.10", "up r1:red", "up r1:vx0"}));
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

// ---- bonds, tunnels, wireguard ------------------------------------------------------------

namespace {

// RFC 7748's X25519 test keys (section 6.1), in wg's base64: Alice's and Bob's.
constexpr const char* kPrivA = "dwdtCnMYpX08FsFyUbJmRd9ML4frwJkqsXf7pR25LCo=";
constexpr const char* kPubB = "3p7bfXt9wbTTW2HC7OQ1Nz+DQ8hbeGdNrfx+FG+IK08=";

// r1 and r2 over two links (eth1, eth2) and a third (eth3) with addresses.
std::string bonded(const std::string& interfaces, const std::string& eth1_end = R"("r1:eth1")") {
    return R"({"name": "t", "nodes": {"r1": {"kind": "router", "interfaces": )" + interfaces + R"(}, "r2": {}}, "links": [
        {"endpoints": [)" + eth1_end + R"(, "r2:eth1"]},
        {"endpoints": ["r1:eth2", "r2:eth2"]},
        {"endpoints": ["r1:eth3", "r2:eth3"], "ipv4": ["10.3.0.1/24", "10.3.0.2/24"]}]})";
}

std::string wg(const std::string& extra) {
    return with_interfaces(R"({"wg0": {"kind": "wireguard", "private_key": ")" + std::string(kPrivA) + R"(", )" + extra + "}}");
}

}  // namespace

TEST(Interfaces, BondTunnelAndWireguardKeysParse) {
    auto m = topo::parse(R"({"name": "t", "nodes": {
        "r1": {"kind": "router", "interfaces": {
            "bond0": {"kind": "bond", "members": ["eth1", "eth2"], "mode": "active-backup", "ipv4": ["10.0.0.1/24"]},
            "gre1": {"kind": "gre", "local": "10.3.0.1", "remote": "10.3.0.2", "ttl": 64, "key": 7, "ipv4": ["10.99.0.1/30"]},
            "t6": {"kind": "ip6tnl", "remote": "fd00:3::2"},
            "wg0": {"kind": "wireguard", "private_key": "dwdtCnMYpX08FsFyUbJmRd9ML4frwJkqsXf7pR25LCo=", "listen_port": 51820,
                    "peers": [{"public_key": "3p7bfXt9wbTTW2HC7OQ1Nz+DQ8hbeGdNrfx+FG+IK08=", "endpoint": "[fd00:3::2]:51821",
                               "allowed_ips": ["10.2.0.0/24", "fd00:2::/64"], "keepalive": 5}]}}},
        "r2": {}},
      "addressing": {"ipv4": "10.200.0.0/16"},
      "links": [{"endpoints": ["r1:eth1", "r2:eth1"]}, {"endpoints": ["r1:eth2", "r2:eth2"]},
                {"endpoints": ["r1:eth3", "r2:eth3"], "ipv4": ["10.3.0.1/24", "10.3.0.2/24"], "ipv6": ["fd00:3::1/64", "fd00:3::2/64"]}]})");
    const auto& r1 = m.nodes[0];
    const auto* bond = r1.find_device("bond0");
    EXPECT_EQ(bond->members, (std::vector<std::string>{"eth1", "eth2"}));
    EXPECT_EQ(bond->mode, "active-backup");
    EXPECT_EQ(bond->miimon, 100u);
    // Auto-addressing passes the members by (their addresses are the bond's), not their peers.
    EXPECT_TRUE(r1.find_interface("eth1")->addrs.empty());
    EXPECT_FALSE(m.nodes[1].find_interface("eth1")->addrs.empty());
    const auto* gre = r1.find_device("gre1");
    EXPECT_EQ(gre->local->addr_str(), "10.3.0.1");
    EXPECT_EQ(gre->remote->addr_str(), "10.3.0.2");
    EXPECT_EQ(*gre->ttl, 64);
    EXPECT_EQ(*gre->key, 7u);
    EXPECT_EQ(r1.find_device("t6")->remote->addr_str(), "fd00:3::2");
    const auto* w = r1.find_device("wg0");
    EXPECT_EQ(w->private_key[0], 0x77);
    EXPECT_EQ(w->private_key[31], 0x2a);
    EXPECT_EQ(*w->listen_port, 51820);
    ASSERT_EQ(w->peers.size(), 1u);
    EXPECT_EQ(w->peers[0].public_key[0], 0xde);
    EXPECT_EQ(w->peers[0].endpoint->addr_str(), "fd00:3::2");
    EXPECT_EQ(w->peers[0].endpoint_port, 51821);
    EXPECT_EQ(w->peers[0].allowed_ips.size(), 2u);
    EXPECT_EQ(*w->peers[0].keepalive, 5);
}

TEST(Interfaces, BadBondsTunnelsAndWireguardAreLocatedAndWorded) {
    struct Row {
        std::string json, words;
    };
    const Row rows[] = {
        {bonded(R"({"b": {"kind": "bond", "members": ["eth1", "etj2"]}})"),
         "/nodes/r1/interfaces/b/members/1: node \"r1\" has no interface \"etj2\"; did you mean \"eth2\"?"},
        {bonded(R"({"a": {"kind": "bond", "members": ["eth1"]}, "b": {"kind": "bond", "members": ["eth2", "eth1"]}})"),
         "/nodes/r1/interfaces/b/members/1: \"eth1\" is already a member of bond \"a\" (/nodes/r1/interfaces/a)"},
        {bonded(R"({"b": {"kind": "bond", "members": ["eth3"]}})"),
         "/nodes/r1/interfaces/b/members/0: \"eth3\" is a member of bond \"b\" but has the address 10.3.0.1/24 (/links/2)"},
        {bonded(R"({"b": {"kind": "bond", "members": ["eth1"]}, "red": {"kind": "vrf", "table": 10}})",
                R"({"node": "r1", "iface": "eth1", "vrf": "red"})"),
         "/nodes/r1/interfaces/b/members/0: \"eth1\" cannot join both bond \"b\" and vrf \"red\""},
        {bonded(R"({"b": {"kind": "bond", "members": ["eth1"], "mode": "active-backpu"}})"),
         "/nodes/r1/interfaces/b/mode: unknown bond mode \"active-backpu\"; did you mean \"active-backup\"?"},
        {bonded(R"({"b": {"kind": "bond", "members": ["d"]}, "d": {"kind": "dummy"}})"),
         "/nodes/r1/interfaces/b/members/0: \"d\" is a dummy interface; bond members are link ends"},
        {bonded(R"({"b": {"kind": "bond"}})"), "/nodes/r1/interfaces/b: a bond interface needs \"members\""},
        {with_interfaces(R"({"g": {"kind": "gre", "remote": "fd00::2"}})"),
         "/nodes/r1/interfaces/g/remote: fd00::2 is an IPv6 address, but gre runs over IPv4; use ip6gre for an IPv6 underlay"},
        {with_interfaces(R"({"g": {"kind": "ip6tnl", "remote": "10.0.0.2"}})"),
         "/nodes/r1/interfaces/g/remote: 10.0.0.2 is an IPv4 address, but ip6tnl runs over IPv6; use ipip"},
        {with_interfaces(R"({"g": {"kind": "sit", "local": "fd00::1", "remote": "10.0.0.2"}})"), "/nodes/r1/interfaces/g/local: fd00::1 is an IPv6"},
        {with_interfaces(R"({"g": {"kind": "ipip"}})"), "/nodes/r1/interfaces/g: a tunnel (ipip) needs \"remote\""},
        {with_interfaces(R"({"g": {"kind": "ipip", "remote": "10.0.0.2", "key": 5}})"), "/nodes/r1/interfaces/g/key: unknown key \"key\""},
        {with_interfaces(R"({"g": {"kind": "gre", "remote": "10.0.0.2", "ttl": 256}})"), "/nodes/r1/interfaces/g/ttl"},
        {with_interfaces(R"({"gre0": {"kind": "gre", "remote": "10.0.0.2"}})"),
         "/nodes/r1/interfaces/gre0: \"gre0\" is the name the kernel gives the fallback device of module ip_gre"},
        {with_interfaces(R"({"w": {"kind": "wireguard"}})"), "/nodes/r1/interfaces/w: a wireguard interface needs \"private_key\""},
        {with_interfaces(R"({"w": {"kind": "wireguard", "private_key": "c2hvcnQ="}})"),
         "/nodes/r1/interfaces/w/private_key: \"c2hvcnQ=\" is not a WireGuard key"},
        // 44 characters, but the last digit's padding bits are set: not a canonical key.
        {with_interfaces(R"({"w": {"kind": "wireguard", "private_key": "dwdtCnMYpX08FsFyUbJmRd9ML4frwJkqsXf7pR25LCr="}})"),
         "/nodes/r1/interfaces/w/private_key"},
        {wg(R"("peers": [{"endpoint": "10.0.0.2:51820"}])"), "/nodes/r1/interfaces/wg0/peers/0: a peer needs \"public_key\""},
        {wg(R"("peers": [{"public_key": ")" + std::string(kPubB) + R"(", "endpoint": "fd00::2:51820"}])"),
         "/nodes/r1/interfaces/wg0/peers/0/endpoint: \"fd00::2:51820\" is not an endpoint"},
        {wg(R"("peers": [{"public_key": ")" + std::string(kPubB) + R"(", "endpoint": "10.0.0.2:70000"}])"),
         "/nodes/r1/interfaces/wg0/peers/0/endpoint"},
        {wg(R"("peers": [{"public_key": ")" + std::string(kPubB) + R"(", "allowed_ips": ["10.2.0.1/24"]}])"),
         "/nodes/r1/interfaces/wg0/peers/0/allowed_ips/0: \"10.2.0.1/24\" has host bits set; did you mean \"10.2.0.0/24\"?"},
        {wg(R"("peers": [{"public_key": ")" + std::string(kPubB) + R"(", "keepalive": 5, "persistent": 1}])"),
         "/nodes/r1/interfaces/wg0/peers/0/persistent: unknown key"},
        {wg(R"("peers": [{"public_key": ")" + std::string(kPubB) + R"("}, {"public_key": ")" + std::string(kPubB) + R"("}])"),
         "/nodes/r1/interfaces/wg0/peers/1/public_key: this public key is already another peer's"},
        {wg(R"("listen_port": 0)"), "/nodes/r1/interfaces/wg0/listen_port"},
    };
    for (const auto& r : rows) EXPECT_NE(issues_of(r.json).find(r.words), std::string::npos) << r.json << "\n-> " << issues_of(r.json);
}

TEST(Interfaces, PlanEnslavesBondMembersDownFirstAndConfiguresWireguardAfterItsLink) {
    auto m = topo::parse(R"({"name": "t", "nodes": {
        "r1": {"kind": "router", "interfaces": {
            "bond0": {"kind": "bond", "members": ["eth1", "eth2"], "mode": "802.3ad", "miimon": 50, "ipv4": ["10.0.0.1/24"]},
            "gre1": {"kind": "gre", "remote": "10.3.0.2", "key": 9},
            "wg0": {"kind": "wireguard", "private_key": "dwdtCnMYpX08FsFyUbJmRd9ML4frwJkqsXf7pR25LCo=",
                    "peers": [{"public_key": "3p7bfXt9wbTTW2HC7OQ1Nz+DQ8hbeGdNrfx+FG+IK08=", "endpoint": "10.3.0.2:51820",
                               "allowed_ips": ["10.2.0.0/24"]}]}}},
        "r2": {}},
      "links": [{"endpoints": ["r1:eth1", "r2:eth1"]}, {"endpoints": ["r1:eth2", "r2:eth2"]},
                {"endpoints": ["r1:eth3", "r2:eth3"], "ipv4": ["10.3.0.1/24", "10.3.0.2/24"]}]})");
    auto p = plan::make_plan(m, {.first_ifindex = 2});
    const auto& idx = p.ifindex[0];
    const auto& steps = p.phase(Stage::Interfaces)->batches[0].steps;
    std::vector<std::string> ids;
    for (const auto& s : steps) ids.push_back(s.id);
    EXPECT_EQ(ids, (std::vector<std::string>{"interface r1:bond0", "down r1:eth1", "bond r1:eth1", "down r1:eth2", "bond r1:eth2",
                                             "interface r1:gre1", "interface r1:wg0", "wireguard r1:wg0"}));
    const auto& bond = std::get<plan::Device>(steps[0].action).spec;
    EXPECT_EQ(bond.kind, "bond");
    EXPECT_EQ(bond.bond_mode, 4);  // BOND_MODE_8023AD
    EXPECT_EQ(bond.bond_miimon, 50u);
    const auto& down = std::get<plan::SetLink>(steps[1].action);
    EXPECT_EQ(down.ifindex, idx.at("eth1"));
    EXPECT_EQ(down.up, false);
    EXPECT_FALSE(down.master);
    EXPECT_EQ(steps[1].pointer, "/nodes/r1/interfaces/bond0/members/0");
    const auto& join = std::get<plan::SetLink>(steps[2].action);
    EXPECT_EQ(join.master, idx.at("bond0"));
    EXPECT_FALSE(join.up);
    const auto& gre = std::get<plan::Device>(steps[5].action).spec;
    EXPECT_EQ(gre.tunnel_remote->addr_str(), "10.3.0.2");
    EXPECT_EQ(*gre.gre_key, 9u);
    EXPECT_FALSE(gre.vxlan_remote);
    const auto& w = std::get<plan::WireGuard>(steps[7].action);
    EXPECT_EQ(w.device.ifindex, idx.at("wg0"));
    EXPECT_EQ(w.device.private_key, m.nodes[0].find_device("wg0")->private_key);
    ASSERT_EQ(w.device.peers.size(), 1u);
    EXPECT_EQ(w.device.peers[0].endpoint_port, 51820);
    // The wireguard step is no rtnetlink request: the runtime sends it over generic netlink.
    auto msgs = plan::messages_for(p.phase(Stage::Interfaces)->batches[0], [](const plan::Target&) { return -1; });
    EXPECT_EQ(msgs.size(), 7u);
    // In Config, wg0 comes up after every address of the node (its first handshake needs the
    // underlay's) and before the routes.
    std::vector<std::string> config;
    for (const auto& s : p.phase(Stage::Config)->batches[0].steps) config.push_back(s.id);
    auto at = [&](const std::string& id) { return std::find(config.begin(), config.end(), id) - config.begin(); };
    EXPECT_GT(at("up r1:wg0"), at("address r1:eth3 10.3.0.1/24"));
    EXPECT_LT(at("up r1:wg0"), static_cast<long>(config.size()));
    EXPECT_LT(at("up r1:bond0"), at("address r1:bond0 10.0.0.1/24"));
}
