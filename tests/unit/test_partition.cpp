// A lab over several machines, without any machine: `placement` read and checked, nodes
// balanced, each machine's part (VXLAN in place of the links that cross), and the plan and
// requests that part becomes.
#include <gtest/gtest.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include <cstring>

#include "netlink/netlink.hpp"
#include "plan/plan.hpp"
#include "topology/edit.hpp"
#include "topology/partition.hpp"
#include "topology_issues.hpp"

namespace {

using namespace nslab;
using unit::issues_of;

const char* kHosts = R"({"hosts": {"a": {"address": "192.0.2.1"}, "b": {"address": "192.0.2.2", "mtu": 9000},
                                   "c": {"address": "192.0.2.3"}}})";

// h1 - r1 - r2 - h2, and a switch s1 with a host on each machine.
const char* kLab = R"({"name": "fl", "nodes": {"h1": {}, "r1": {"kind": "router"}, "r2": {"kind": "router"}, "h2": {},
  "s1": {"kind": "switch"}, "x": {}, "y": {}, "z": {}},
  "links": [{"endpoints": ["h1:eth0", "r1:eth0"], "ipv4": ["10.0.1.10/24", "10.0.1.1/24"]},
            {"endpoints": ["r1:eth1", "r2:eth1"], "ipv4": ["10.0.12.1/30", "10.0.12.2/30"]},
            {"endpoints": ["r2:eth0", "h2:eth0"]},
            {"endpoints": ["x:eth0", "s1"]}, {"endpoints": ["y:eth0", "s1"]}, {"endpoints": ["z:eth0", "s1"]}],
  "addressing": {"ipv4": "10.9.0.0/16"},
  "placement": {"nodes": {"h1": "a", "r1": "a", "r2": "b", "h2": "b", "x": "a", "y": "b", "z": "c", "s1": "c"}}})";

topo::Model full() { return topo::parse(topo::with_placement(kLab, kHosts, "hosts.json")); }

const topo::Node& node(const topo::Model& m, const std::string& name) {
    const topo::Node* n = m.find(name);
    EXPECT_TRUE(n) << name;
    return *n;
}

TEST(Placement, RefusesUnknownHostsNodesAndAddresses) {
    std::string issues = issues_of(R"({"name": "p", "nodes": {"r1": {}, "r2": {}}, "links": [{"endpoints": ["r1:eth0", "r2:eth0"]}],
        "placement": {"hosts": {"a": {"address": "192.0.2.1"}, "b": {"address": "192.0.2.1"}, "c": {}, "d": {"address": "10.0.0.1/24"}},
                      "nodes": {"r1": "e", "r3": "a"}, "vni_base": 0}})");
    EXPECT_NE(issues.find("/placement/hosts/b/address: 192.0.2.1 is already the address of host \"a\""), std::string::npos) << issues;
    EXPECT_NE(issues.find("/placement/hosts/c: missing \"address\""), std::string::npos) << issues;
    EXPECT_NE(issues.find("/placement/hosts/d/address: \"10.0.0.1/24\" is not an IP address"), std::string::npos) << issues;
    EXPECT_NE(issues.find("/placement/nodes/r1: node \"r1\" is placed on unknown host \"e\""), std::string::npos) << issues;
    EXPECT_NE(issues.find("/placement/nodes/r3: unknown node \"r3\""), std::string::npos) << issues;
    EXPECT_NE(issues.find("/placement/vni_base"), std::string::npos) << issues;
}

TEST(Placement, RefusesNetemOnALinkBetweenMachines) {
    std::string issues = issues_of(R"({"name": "p", "nodes": {"r1": {}, "r2": {}},
        "links": [{"endpoints": ["r1:eth0", "r2:eth0"], "netem": {"delay": "5ms"}}],
        "placement": {"hosts": {"a": {"address": "192.0.2.1"}, "b": {"address": "192.0.2.2"}}, "nodes": {"r1": "a", "r2": "b"}}})");
    EXPECT_NE(issues.find("/links/0/netem: a link between two machines (a and b) cannot be impaired yet"), std::string::npos) << issues;
}

TEST(Placement, BalancesNeighboursTogetherAndSwitchesWithTheirPorts) {
    // A line of 6 routers over 3 machines: two neighbours each, so only 2 links cross.
    std::string line = R"({"name": "l", "nodes": {"r1": {}, "r2": {}, "r3": {}, "r4": {}, "r5": {}, "r6": {}}, "links": [
        {"endpoints": ["r1:e", "r2:e"]}, {"endpoints": ["r2:f", "r3:e"]}, {"endpoints": ["r3:f", "r4:e"]},
        {"endpoints": ["r4:f", "r5:e"]}, {"endpoints": ["r5:f", "r6:e"]}]})";
    topo::Model m = topo::parse(topo::with_placement(line, kHosts, "hosts.json"));
    EXPECT_EQ(m.placement->node_host, (std::vector<std::string>{"a", "a", "b", "b", "c", "c"}));
    EXPECT_EQ(topo::crossings(m).size(), 2u);
    // A switch goes where most of its ports' nodes are, whatever its place in the file.
    std::string star = R"({"name": "s", "nodes": {"s1": {"kind": "switch"}, "h1": {}, "h2": {}, "h3": {}},
        "links": [{"endpoints": ["h1:eth0", "s1"]}, {"endpoints": ["h2:eth0", "s1"]}, {"endpoints": ["h3:eth0", "s1"]}],
        "placement": {"nodes": {"h1": "b", "h2": "b", "h3": "a"}}})";
    topo::Model s = topo::parse(topo::with_placement(star, kHosts, "hosts.json"));
    EXPECT_EQ(s.placement->node_host[0], "b");
    EXPECT_EQ(topo::hosts_of(s, 0), (std::vector<std::string>{"a", "b"}));
}

TEST(Partition, ALinkBetweenMachinesBecomesAVxlanPairFromTheMachine) {
    topo::Model m = full();
    auto cross = topo::crossings(m);
    ASSERT_EQ(cross.size(), 1u);  // r1 - r2; the switch's ports stay on their machines
    EXPECT_EQ(cross[0].link, 1u);
    // Both machines must agree: the smaller underlay (a: 1500) less VXLAN over IPv4 (50).
    EXPECT_EQ(cross[0].mtu, 1450u);
    topo::Model a = topo::partition(m, "a"), b = topo::partition(m, "b");
    const auto& r1 = node(a, "r1");
    ASSERT_FALSE(r1.devices.empty());
    const topo::Device& vx = r1.devices[0];
    EXPECT_EQ(vx.name, "eth1");
    EXPECT_EQ(vx.kind, topo::DeviceKind::Vxlan);
    EXPECT_TRUE(vx.from_host);
    EXPECT_EQ(vx.remote->addr_str(), "192.0.2.2");
    EXPECT_EQ(vx.local->addr_str(), "192.0.2.1");
    EXPECT_EQ(vx.mtu, 1450u);
    ASSERT_EQ(vx.addrs.size(), 1u);
    EXPECT_EQ(vx.addrs[0].str(), "10.0.12.1/30");
    EXPECT_EQ(r1.find_interface("eth1"), nullptr);  // no longer a veth end
    const auto& r2vx = node(b, "r2").devices[0];
    EXPECT_EQ(r2vx.vni, vx.vni);
    EXPECT_EQ(r2vx.remote->addr_str(), "192.0.2.1");
    // Each part holds its own nodes and links, and the full lab's automatic addresses.
    EXPECT_EQ(a.find("r2"), nullptr);
    EXPECT_EQ(b.find("h1"), nullptr);
    topo::Model whole = full();
    const auto* h2 = node(b, "h2").find_interface("eth0");
    ASSERT_TRUE(h2);
    EXPECT_EQ(h2->addrs, whole.find("h2")->find_interface("eth0")->addrs);
    for (const auto& l : b.links)
        for (const auto& e : l.ends) EXPECT_LT(e.node, b.nodes.size());
}

TEST(Partition, ASwitchOnSeveralMachinesIsABridgeOnEachJoinedByFlooding) {
    topo::Model m = full();
    for (const char* h : {"a", "b", "c"}) {
        topo::Model part = topo::partition(m, h);
        const auto& s1 = node(part, "s1");
        ASSERT_EQ(s1.devices.size(), 1u) << h;
        const auto& port = s1.devices[0];
        EXPECT_EQ(port.name, topo::kSwitchVxlan);
        EXPECT_EQ(port.flood.size(), 2u);
        EXPECT_EQ(port.vni, topo::switch_vni(m, *m.index_of("s1")));
        EXPECT_EQ(port.mtu, 1450u);
        // Every port of the switch gets the VXLAN's MTU, so no host sends what it would drop.
        for (const auto& l : part.links)
            if (part.nodes[l.ends[1].node].name == "s1") {
                EXPECT_EQ(l.mtu, 1450u);
            }
        EXPECT_EQ(s1.interfaces.size(), 1u) << h;  // its local port only
    }
}

TEST(Partition, PlanMakesTheVxlanFromTheMachineAndJoinsItThere) {
    topo::Model part = topo::partition(full(), "c");
    plan::Plan p = plan::make_plan(part);
    const plan::Phase* ph = p.phase(plan::Stage::Interfaces);
    ASSERT_TRUE(ph);
    ASSERT_FALSE(ph->batches.empty());
    const plan::Batch& host = ph->batches.front();
    ASSERT_EQ(host.target.kind, plan::Target::Host);
    ASSERT_EQ(host.steps.size(), 1u);
    const auto& dev = std::get<plan::Device>(host.steps[0].action);
    ASSERT_TRUE(dev.place_in);
    EXPECT_EQ(part.nodes[dev.place_in->node].name, "s1");
    EXPECT_EQ(dev.spec.kind, "vxlan");
    EXPECT_EQ(dev.spec.master, 0);
    int joins = 0, floods = 0;
    for (const auto& b : ph->batches)
        for (const auto& s : b.steps) {
            if (auto* j = std::get_if<plan::SetLink>(&s.action); j && j->master) ++joins;
            if (std::holds_alternative<plan::Fdb>(s.action)) ++floods;
        }
    EXPECT_EQ(joins, 1);
    EXPECT_EQ(floods, 2);
    // Its request carries the node's namespace, so the kernel makes it there.
    nl::LinkSpec spec = dev.spec;
    spec.netns_fd = 42;
    nl::Message msg = nl::new_link(spec);
    EXPECT_NE(msg.what.find("vxlan"), std::string::npos);
}

TEST(Partition, FdbFloodEntryIsTheAllZerosMacOfTheBridgeFamily) {
    auto dst = net::Prefix::parse_addr("192.0.2.7");
    nl::Message msg = nl::append_fdb(5, *dst);
    const auto* nlh = reinterpret_cast<const nlmsghdr*>(msg.bytes.data());
    EXPECT_EQ(nlh->nlmsg_type, RTM_NEWNEIGH);
    EXPECT_TRUE(nlh->nlmsg_flags & NLM_F_APPEND);
    EXPECT_TRUE(nlh->nlmsg_flags & NLM_F_CREATE);
    const auto* nd = reinterpret_cast<const ndmsg*>(NLMSG_DATA(nlh));
    EXPECT_EQ(nd->ndm_family, AF_BRIDGE);
    EXPECT_EQ(nd->ndm_ifindex, 5);
    EXPECT_EQ(nd->ndm_flags, NTF_SELF);
    EXPECT_NE(msg.what.find("192.0.2.7"), std::string::npos);
}

TEST(Partition, AnUnknownPartitionIsALocatedIssue) {
    topo::ParseOptions po;
    po.partition = "zz";
    try {
        topo::parse(topo::with_placement(kLab, kHosts, "hosts.json"), po);
        FAIL();
    } catch (const topo::TopologyError& e) {
        EXPECT_NE(std::string(e.what()).find("no host named \"zz\""), std::string::npos) << e.what();
    }
}

}  // namespace
