// The plan layer without root: what a topology becomes, step by step, before any kernel sees
// it, and the requests those steps turn into (sent through the fake transport).
#include <gtest/gtest.h>
#include <libmnl/libmnl.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>

#include <set>

#include "fake_transport.hpp"
#include "plan/messages.hpp"
#include "plan/plan.hpp"

namespace {

using namespace nslab;
using plan::Stage;

topo::Model model(const std::string& text) { return topo::parse(text); }

const plan::Batch* batch_of(const plan::Plan& p, Stage stage, const topo::Model& m, const std::string& node) {
    const plan::Phase* ph = p.phase(stage);
    if (!ph) return nullptr;
    auto i = m.index_of(node);
    for (const auto& b : ph->batches)
        if (b.target.kind == plan::Target::Node && i && b.target.node == *i) return &b;
    return nullptr;
}

const plan::Step* step(const plan::Plan& p, const std::string& id) {
    for (const auto& ph : p.phases)
        for (const auto& b : ph.batches)
            for (const auto& s : b.steps)
                if (s.id == id) return &s;
    return nullptr;
}

template <class T>
const T& action(const plan::Plan& p, const std::string& id) {
    const plan::Step* s = step(p, id);
    if (!s) throw std::runtime_error("no step " + id);
    const T* a = std::get_if<T>(&s->action);
    if (!a) throw std::runtime_error("step " + id + " is another kind");
    return *a;
}

std::vector<std::string> ids(const plan::Batch& b) {
    std::vector<std::string> out;
    for (const auto& s : b.steps) out.push_back(s.id);
    return out;
}

constexpr const char* kLine = R"({"name": "line", "nodes": {
    "h1": {"routes": [{"to": "default", "via": "10.0.1.1"}]},
    "r1": {"kind": "router", "loopback": ["10.0.0.1/32", "fd00::1/128"],
           "routes": [{"to": "10.0.2.0/24", "via": "10.0.12.2", "metric": 20},
                      {"to": "10.9.0.0/16", "via": "10.77.0.1", "dev": "eth1"}],
           "sysctls": {"net.ipv4.conf.eth1.rp_filter": "0", "net.ipv4.ip_forward": "1"},
           "exec": ["echo one", "echo two"]},
    "r2": {"kind": "router"}},
  "links": [
    {"endpoints": ["h1:eth0", "r1:eth0"], "ipv4": ["10.0.1.10/24", "10.0.1.1/24"], "mtu": 9000},
    {"endpoints": [{"node": "r1", "iface": "eth1", "mac": "02:00:00:00:00:01"},
                   {"node": "r2", "iface": "eth1", "mac": "02:00:00:00:00:02"}],
     "ipv4": ["10.0.12.1/30", "10.0.12.2/30"], "ipv6": ["fd12::1/64", "fd12::2/64"]}]})";

TEST(Plan, PhasesComeInBuildOrder) {
    auto p = plan::make_plan(model(kLine));
    std::vector<Stage> order;
    for (const auto& ph : p.phases) order.push_back(ph.stage);
    EXPECT_EQ(order, (std::vector<Stage>{Stage::Bridges, Stage::Links, Stage::Ports, Stage::Interfaces, Stage::Config, Stage::Impairments,
                                         Stage::Sysctls, Stage::Exec}));
}

TEST(Plan, IfindexesAreNumberedAcrossTheLabFromTheFirstFreeOne) {
    auto m = model(kLine);
    auto p = plan::make_plan(m, {.first_ifindex = 5});
    const auto& r1 = p.ifindex[*m.index_of("r1")];
    EXPECT_EQ(r1.at("lo"), 1);
    EXPECT_EQ(r1.at("eth0"), 6);
    EXPECT_EQ(r1.at("eth1"), 7);
    EXPECT_EQ(p.ifindex[*m.index_of("h1")].at("eth0"), 5);
}

TEST(Plan, EachVethIsMadeInPlaceFromItsFirstEnd) {
    auto m = model(kLine);
    auto p = plan::make_plan(m);
    const auto* h1 = batch_of(p, Stage::Links, m, "h1");
    ASSERT_NE(h1, nullptr);
    ASSERT_EQ(h1->steps.size(), 1u);
    EXPECT_EQ(h1->steps[0].id, "link h1:eth0 <-> r1:eth0");
    EXPECT_EQ(h1->steps[0].pointer, "/links/0");
    EXPECT_EQ(h1->steps[0].what, "create link h1:eth0 <-> r1:eth0 (/links/0)");
    const auto& v = std::get<plan::Veth>(h1->steps[0].action);
    EXPECT_EQ(v.self.name, "eth0");
    EXPECT_EQ(v.self.ifindex, 2);
    EXPECT_EQ(v.peer.name, "eth0");
    EXPECT_EQ(v.peer.ifindex, 3);
    EXPECT_EQ(v.peer_in, (plan::Target{plan::Target::Node, *m.index_of("r1")}));
    EXPECT_EQ(v.self.mtu, 9000u);
    EXPECT_EQ(v.peer.mtu, 9000u);
    EXPECT_FALSE(v.up);  // up in Config, with its peer: never up without carrier
    EXPECT_EQ(v.master, 0);
    const auto& v2 = action<plan::Veth>(p, "link r1:eth1 <-> r2:eth1");
    EXPECT_EQ(v2.self.ifindex, 4);
    ASSERT_TRUE(v2.self.mac && v2.peer.mac);
    EXPECT_EQ(net::mac_str(*v2.self.mac), "02:00:00:00:00:01");
    EXPECT_EQ(net::mac_str(*v2.peer.mac), "02:00:00:00:00:02");
    // r2 makes no link: both of its ends are peers.
    EXPECT_EQ(batch_of(p, Stage::Links, m, "r2"), nullptr);
}

TEST(Plan, ConfigBringsPeersUpThenAddressesThenRoutes) {
    auto m = model(kLine);
    auto p = plan::make_plan(m);
    const auto* r1 = batch_of(p, Stage::Config, m, "r1");
    ASSERT_NE(r1, nullptr);
    EXPECT_EQ(r1->context, "node r1");
    EXPECT_EQ(ids(*r1), (std::vector<std::string>{
                            "up r1:lo",
                            "up r1:eth0",  // the peer end of /links/0
                            "up r1:eth1",  // the end r1 made of /links/1
                            "address r1:lo 10.0.0.1/32",
                            "address r1:lo fd00::1/128",
                            "address r1:eth0 10.0.1.1/24",
                            "address r1:eth1 10.0.12.1/30",
                            "address r1:eth1 fd12::1/64",
                            "route r1 10.0.2.0/24 metric 20",
                            "route r1 10.9.0.0/16",
                        }));
    EXPECT_EQ(action<plan::SetLink>(p, "up r1:eth0").ifindex, 3);
    EXPECT_EQ(action<plan::Address>(p, "address r1:eth1 fd12::1/64").ifindex, 4);
    EXPECT_EQ(action<plan::Address>(p, "address r1:lo 10.0.0.1/32").ifindex, 1);
    const auto& gw = action<plan::Route>(p, "route r1 10.0.2.0/24 metric 20").spec;
    EXPECT_EQ(gw.oif, 0);
    EXPECT_EQ(gw.via->addr_str(), "10.0.12.2");
    EXPECT_EQ(gw.metric, 20u);
    const auto& dev = action<plan::Route>(p, "route r1 10.9.0.0/16").spec;
    EXPECT_EQ(dev.oif, 4);     // eth1
    EXPECT_TRUE(dev.onlink);   // the gateway is outside eth1's subnets
    EXPECT_EQ(step(p, "route r1 10.9.0.0/16")->pointer, "/nodes/r1/routes/1");
    EXPECT_EQ(step(p, "route h1 0.0.0.0/0")->what, "add route 0.0.0.0/0 via 10.0.1.1 (/nodes/h1/routes/0)");
    // h1 made its only link, and brings its end up here too, before the address.
    EXPECT_EQ(ids(*batch_of(p, Stage::Config, m, "h1"))[1], "up h1:eth0");
    EXPECT_EQ(ids(*batch_of(p, Stage::Config, m, "h1"))[2], "address h1:eth0 10.0.1.10/24");
}

TEST(Plan, InterfaceSysctlsAndExecAreStepsOfTheirNode) {
    auto m = model(kLine);
    auto p = plan::make_plan(m);
    const auto* s = batch_of(p, Stage::Sysctls, m, "r1");
    ASSERT_NE(s, nullptr);
    ASSERT_EQ(s->steps.size(), 1u);  // ip_forward is written by the init, before any link
    const auto& kv = std::get<plan::Sysctl>(s->steps[0].action);
    EXPECT_EQ(kv.key, "net.ipv4.conf.eth1.rp_filter");
    EXPECT_EQ(kv.value, "0");
    const auto* e = batch_of(p, Stage::Exec, m, "r1");
    ASSERT_NE(e, nullptr);
    EXPECT_EQ(ids(*e), (std::vector<std::string>{"exec r1 0", "exec r1 1"}));
    EXPECT_EQ(std::get<plan::Exec>(e->steps[1].action).command, "echo two");
    EXPECT_EQ(p.phase(Stage::Exec)->batches.size(), 1u);
}

constexpr const char* kSwitches = R"({"name": "lan", "nodes": {
    "s1": {"kind": "switch"}, "s2": {"kind": "switch"}, "h1": {}, "h2": {}},
  "links": [
    {"endpoints": ["h1:eth0", "s1"], "ipv4": ["10.0.0.1/24", null]},
    {"endpoints": ["s1", "s2"]},
    {"endpoints": ["s2", "h2:eth0"], "ipv4": [null, "10.0.0.2/24"], "up": false}]})";

TEST(Plan, SwitchPortsJoinTheirBridgeAtCreation) {
    auto m = model(kSwitches);
    auto p = plan::make_plan(m);
    const auto& br = action<plan::Bridge>(p, "bridge s1");
    EXPECT_EQ(br.ifindex, 2);  // before the ports
    EXPECT_EQ(batch_of(p, Stage::Bridges, m, "s1")->context, "switch s1");
    // The switch's end sends the request, so its port joins the bridge in the same request.
    const auto* s1 = batch_of(p, Stage::Links, m, "s1");
    ASSERT_NE(s1, nullptr);
    ASSERT_EQ(s1->steps.size(), 2u);
    const auto& v = std::get<plan::Veth>(s1->steps[0].action);
    EXPECT_EQ(v.master, 2);
    EXPECT_EQ(v.self.ifindex, 3);
    EXPECT_EQ(v.peer_in.node, *m.index_of("h1"));
    // Switch to switch: the far port joins its bridge in a later phase, once it exists.
    const auto& ports = *p.phase(Stage::Ports);
    ASSERT_EQ(ports.batches.size(), 1u);
    EXPECT_EQ(ports.batches[0].target.node, *m.index_of("s2"));
    const auto& join = std::get<plan::SetLink>(ports.batches[0].steps[0].action);
    EXPECT_EQ(join.master, action<plan::Bridge>(p, "bridge s2").ifindex);
    EXPECT_EQ(join.up, true);
    // A link written "up": false is made down and never brought up.
    const auto& down = std::get<plan::Veth>(batch_of(p, Stage::Links, m, "s2")->steps[0].action);
    EXPECT_FALSE(down.up);
    for (const auto& id : ids(*batch_of(p, Stage::Config, m, "h2"))) EXPECT_NE(id, "up h2:eth0");
    // h1's end of /links/0 is a peer: h1 brings it up.
    EXPECT_EQ(ids(*batch_of(p, Stage::Config, m, "h1"))[1], "up h1:eth0");
    // A switch is configured with lo only.
    EXPECT_EQ(ids(*batch_of(p, Stage::Config, m, "s1")), std::vector<std::string>{"up s1:lo"});
}

// Ends of a veth with one index make the kernel treat its carrier changes as not urgent (a
// second late): a switch-to-switch link then dropped the first pings.
TEST(Plan, NoVethHasTheSameIndexAtBothEnds) {
    for (const char* text : {kLine, kSwitches}) {
        auto p = plan::make_plan(model(text));
        for (const auto& b : p.phase(Stage::Links)->batches)
            for (const auto& st : b.steps) {
                const auto& v = std::get<plan::Veth>(st.action);
                EXPECT_NE(v.self.ifindex, v.peer.ifindex) << st.id;
            }
    }
}

constexpr const char* kImpaired = R"({"name": "imp", "nodes": {"a": {}, "s": {"kind": "switch"}},
  "links": [{"endpoints": ["a:eth0", "s"], "netem": {"delay": "10ms", "loss": "1%"}}]})";

TEST(Plan, ImpairmentsGoToTheKernelWhenItHasNetem) {
    auto m = model(kImpaired);
    auto p = plan::make_plan(m, {.netem = true});
    ASSERT_EQ(p.impairments.size(), 1u);
    EXPECT_EQ(p.impairments[0].path, "netem");
    const auto& q = action<plan::Qdisc>(p, "netem a:eth0");
    EXPECT_EQ(q.ifindex, 2);
    EXPECT_EQ(q.netem.delay_us, 10000u);
    EXPECT_NE(step(p, "netem s:p1"), nullptr);
    EXPECT_EQ(step(p, "netem a:eth0")->what, "add netem to node a: eth0 (/links/0/netem)");
    EXPECT_TRUE(p.forwarder_ifindex.empty());
}

TEST(Plan, WithoutNetemBothEndsGoThroughTheForwarder) {
    auto m = model(kImpaired);
    auto p = plan::make_plan(m, {.first_ifindex = 4, .netem = false});
    EXPECT_EQ(p.impairments.at(0).path, "userspace");
    EXPECT_EQ(step(p, "netem a:eth0"), nullptr);
    // Two veths, each from its own node, the far ends in the forwarder's namespace.
    const auto& a = action<plan::Veth>(p, "link a:eth0 <-> s:p1 end a:eth0");
    EXPECT_EQ(a.peer_in.kind, plan::Target::Forwarder);
    EXPECT_EQ(a.peer.name, "l0a");
    EXPECT_EQ(a.peer.ifindex, 7);
    const auto& s = action<plan::Veth>(p, "link a:eth0 <-> s:p1 end s:p1");
    EXPECT_EQ(s.master, 5);  // s's bridge
    EXPECT_EQ(s.peer.name, "l0b");
    EXPECT_EQ(p.forwarder_ifindex.at("l0b"), 8);
    // The inner ends come up in the forwarder's namespace, after the links.
    const auto& imp = *p.phase(Stage::Impairments);
    ASSERT_EQ(imp.batches.size(), 1u);
    EXPECT_EQ(imp.batches[0].target.kind, plan::Target::Forwarder);
    EXPECT_EQ(ids(imp.batches[0]), (std::vector<std::string>{"up forwarder:l0a", "up forwarder:l0b"}));
    // Both ends were made up by their own node: no node brings one up later.
    for (const auto& id : ids(*batch_of(p, Stage::Config, m, "a"))) EXPECT_NE(id, "up a:eth0");
}

// Addresses the pools hand out are planned like written ones: the plan sees the Model after
// auto-addressing, nothing of the pools.
TEST(Plan, AutoAddressesArePlannedLikeWrittenOnes) {
    auto m = model(R"({"name": "auto", "addressing": {"ipv4": "10.200.0.0/16", "ipv6": "fd00:200::/48"},
      "nodes": {"a": {}, "b": {}, "c": {}},
      "links": [{"endpoints": ["a:eth0", "b:eth0"]}, {"endpoints": ["b:eth1", "c:eth0"]}]})");
    auto p = plan::make_plan(m);
    EXPECT_EQ(ids(*batch_of(p, Stage::Config, m, "b")), (std::vector<std::string>{
                                                             "up b:lo",
                                                             "up b:eth0",
                                                             "up b:eth1",
                                                             "address b:eth0 10.200.0.2/30",
                                                             "address b:eth0 fd00:200::2/64",
                                                             "address b:eth1 10.200.0.5/30",
                                                             "address b:eth1 fd00:200:0:1::1/64",
                                                         }));
    EXPECT_EQ(action<plan::Address>(p, "address c:eth0 10.200.0.6/30").prefix.str(), "10.200.0.6/30");
    EXPECT_EQ(step(p, "address c:eth0 fd00:200:0:1::2/64")->pointer, "/links/1");
}

// A rate alone is an impairment like any other: a qdisc step on each end where the kernel has
// sch_netem, the forwarder's two veths where it has not.
TEST(Plan, ARateAloneIsAnImpairmentOfBothEnds) {
    auto m = model(R"({"name": "rate", "nodes": {"a": {}, "b": {}},
      "links": [{"endpoints": ["a:eth0", "b:eth0"], "netem": {"rate": "10mbit"}}]})");
    auto kernel = plan::make_plan(m, {.netem = true});
    ASSERT_EQ(kernel.impairments.size(), 1u);
    EXPECT_FALSE(action<plan::Qdisc>(kernel, "netem a:eth0").netem.delay_us);
    EXPECT_EQ(action<plan::Qdisc>(kernel, "netem b:eth0").netem.rate_bps, m.links[0].netem.rate_bps);
    auto user = plan::make_plan(m, {.netem = false});
    EXPECT_EQ(user.impairments.at(0).path, "userspace");
    EXPECT_EQ(step(user, "netem a:eth0"), nullptr);
    EXPECT_EQ(user.forwarder_ifindex.size(), 2u);
}

// IPv6 routes and a default route of each family are steps of their node, in file order.
TEST(Plan, RoutesOfBothFamilies) {
    auto m = model(R"({"name": "v6", "nodes": {
        "a": {"routes": [{"to": "default", "via": "fd01::2"}, {"to": "default", "via": "10.0.1.2"},
                         {"to": "fd99::/64", "via": "fd01::2", "metric": 5}]},
        "b": {}},
      "links": [{"endpoints": ["a:eth0", "b:eth0"], "ipv4": ["10.0.1.1/24", "10.0.1.2/24"],
                 "ipv6": ["fd01::1/64", "fd01::2/64"]}]})");
    auto p = plan::make_plan(m);
    auto a = ids(*batch_of(p, Stage::Config, m, "a"));
    std::vector<std::string> routes(a.end() - 3, a.end());
    EXPECT_EQ(routes, (std::vector<std::string>{"route a ::/0", "route a 0.0.0.0/0", "route a fd99::/64 metric 5"}));
    const auto& r = action<plan::Route>(p, "route a fd99::/64 metric 5").spec;
    EXPECT_EQ(r.via->addr_str(), "fd01::2");
    EXPECT_EQ(r.metric, 5u);
    EXPECT_FALSE(r.onlink);
}

// Ids name objects, not places in the file: a plan of an edited topology has the same id for
// every object both have, and ids are never shared within a plan.
TEST(Plan, StepIdsAreUniqueAndSurviveEdits) {
    auto ids_of = [](const plan::Plan& p) {
        std::multiset<std::string> out;
        for (const auto& ph : p.phases)
            for (const auto& b : ph.batches)
                for (const auto& s : b.steps) out.insert(s.id);
        return out;
    };
    auto before = ids_of(plan::make_plan(model(kLine)));
    EXPECT_EQ(std::set<std::string>(before.begin(), before.end()).size(), before.size());
    // The same lab with a node and a link written first, and the links in another order. (Not
    // with a link's ends swapped: the first end makes the veth, so which end is brought up by
    // a step of its own changes with them.)
    auto after = ids_of(plan::make_plan(model(R"({"name": "line", "nodes": {
        "x": {},
        "r2": {"kind": "router"},
        "h1": {"routes": [{"to": "default", "via": "10.0.1.1"}]},
        "r1": {"kind": "router", "loopback": ["10.0.0.1/32", "fd00::1/128"],
               "routes": [{"to": "10.0.2.0/24", "via": "10.0.12.2", "metric": 20},
                          {"to": "10.9.0.0/16", "via": "10.77.0.1", "dev": "eth1"}],
               "sysctls": {"net.ipv4.conf.eth1.rp_filter": "0", "net.ipv4.ip_forward": "1"},
               "exec": ["echo one", "echo two"]}},
      "links": [
        {"endpoints": ["x:eth0", "r2:eth0"]},
        {"endpoints": [{"node": "r1", "iface": "eth1", "mac": "02:00:00:00:00:01"},
                       {"node": "r2", "iface": "eth1", "mac": "02:00:00:00:00:02"}],
         "ipv4": ["10.0.12.1/30", "10.0.12.2/30"], "ipv6": ["fd12::1/64", "fd12::2/64"]},
        {"endpoints": ["h1:eth0", "r1:eth0"], "ipv4": ["10.0.1.10/24", "10.0.1.1/24"], "mtu": 9000}]})")));
    for (const auto& id : before) EXPECT_EQ(after.count(id), 1u) << id;
    EXPECT_EQ(after.count("link r2:eth0 <-> x:eth0"), 1u);
}

TEST(Plan, EmptyTopologyHasNoSteps) {
    auto p = plan::make_plan(model(R"({"name": "empty", "nodes": {}})"));
    EXPECT_EQ(p.steps(), 0u);
    EXPECT_TRUE(p.ifindex.empty());
}

// ---- the requests ---------------------------------------------------------------------

struct Parsed {
    const nlmsghdr* nlh;
    const ifinfomsg* ifi;
    std::map<std::uint16_t, const nlattr*> attrs;
};

Parsed parse_link(const std::vector<std::uint8_t>& bytes) {
    Parsed p;
    p.nlh = reinterpret_cast<const nlmsghdr*>(bytes.data());
    p.ifi = static_cast<const ifinfomsg*>(mnl_nlmsg_get_payload(p.nlh));
    mnl_attr_parse(
        p.nlh, sizeof(ifinfomsg),
        [](const nlattr* a, void* d) {
            (*static_cast<std::map<std::uint16_t, const nlattr*>*>(d))[mnl_attr_get_type(a)] = a;
            return MNL_CB_OK;
        },
        &p.attrs);
    return p;
}

const nlattr* nested_attr(const nlattr* nest, std::uint16_t type) {
    const nlattr* found = nullptr;
    auto* a = static_cast<const nlattr*>(mnl_attr_get_payload(nest));
    int left = static_cast<int>(mnl_attr_get_payload_len(nest));
    for (; mnl_attr_ok(a, left); left -= static_cast<int>(MNL_ALIGN(a->nla_len)), a = mnl_attr_next(a))
        if (mnl_attr_get_type(a) == type) found = a;
    return found;
}

TEST(PlanMessages, AVethCarriesBothChosenIndexesAndThePeersNamespace) {
    auto m = model(kLine);
    auto p = plan::make_plan(m, {.first_ifindex = 7});
    auto netns = [&](const plan::Target& t) { return 100 + static_cast<int>(t.node); };
    auto msg = plan::message_for(*step(p, "link h1:eth0 <-> r1:eth0"), netns);
    ASSERT_TRUE(msg);
    EXPECT_EQ(msg->what, "create link h1:eth0 <-> r1:eth0 (/links/0)");
    auto link = parse_link(msg->bytes);
    EXPECT_EQ(link.nlh->nlmsg_type, RTM_NEWLINK);
    EXPECT_EQ(link.ifi->ifi_index, 7);
    EXPECT_EQ(mnl_attr_get_str(link.attrs.at(IFLA_IFNAME)), std::string("eth0"));
    EXPECT_EQ(link.attrs.count(IFLA_NET_NS_FD), 0u);  // self stays in the sender's namespace
    const nlattr* data = nested_attr(link.attrs.at(IFLA_LINKINFO), IFLA_INFO_DATA);
    const nlattr* peer = nested_attr(data, VETH_INFO_PEER);
    ASSERT_NE(peer, nullptr);
    auto* peer_ifi = static_cast<const ifinfomsg*>(mnl_attr_get_payload(peer));
    EXPECT_EQ(peer_ifi->ifi_index, 8);
    std::map<std::uint16_t, const nlattr*> peer_attrs;
    const auto* first = reinterpret_cast<const nlattr*>(reinterpret_cast<const char*>(peer_ifi) + NLMSG_ALIGN(sizeof(ifinfomsg)));
    int left = static_cast<int>(mnl_attr_get_payload_len(peer) - NLMSG_ALIGN(sizeof(ifinfomsg)));
    for (const nlattr* a = first; mnl_attr_ok(a, left); a = mnl_attr_next(a)) {
        peer_attrs[mnl_attr_get_type(a)] = a;
        left -= static_cast<int>(MNL_ALIGN(a->nla_len));
    }
    EXPECT_EQ(mnl_attr_get_u32(peer_attrs.at(IFLA_NET_NS_FD)), 100u + *m.index_of("r1"));
    EXPECT_EQ(mnl_attr_get_u32(peer_attrs.at(IFLA_MTU)), 9000u);
}

TEST(PlanMessages, NonNetlinkStepsMakeNoRequest) {
    auto m = model(kLine);
    auto p = plan::make_plan(m);
    EXPECT_FALSE(plan::message_for(*step(p, "exec r1 0"), {}));
    EXPECT_FALSE(plan::message_for(*step(p, "sysctl r1 net.ipv4.conf.eth1.rp_filter"), {}));
    EXPECT_EQ(plan::messages_for(*batch_of(p, Stage::Config, m, "r1"), {}).size(), 10u);
}

TEST(PlanMessages, ABatchGoesOutInOrderAndAFailureNamesNodeStepAndKernelText) {
    auto m = model(kLine);
    auto p = plan::make_plan(m);
    const auto& b = *batch_of(p, Stage::Config, m, "r1");
    auto [sock, kernel] = nl::testing::fake_socket();
    kernel->respond = [](const nlmsghdr* nlh, std::size_t i) {
        return std::vector<nl::testing::Datagram>{nl::testing::error_for(nlh, i == 5 ? EEXIST : 0, i == 5 ? "Address already assigned" : "")};
    };
    try {
        sock.execute_or_throw(plan::messages_for(b, {}), b.context);
        FAIL() << "no error";
    } catch (const nl::NetlinkError& e) {
        EXPECT_EQ(std::string(e.what()), "node r1: add address 10.0.1.1/24 to eth0: File exists (Address already assigned)");
        EXPECT_EQ(e.failures().at(0).err, EEXIST);
    }
    auto sent = kernel->sent_messages();
    ASSERT_EQ(sent.size(), 10u);
    EXPECT_EQ(sent[0]->nlmsg_type, RTM_NEWLINK);
    EXPECT_EQ(sent[2]->nlmsg_type, RTM_NEWLINK);
    EXPECT_EQ(sent[3]->nlmsg_type, RTM_NEWADDR);
    EXPECT_EQ(sent[9]->nlmsg_type, RTM_NEWROUTE);
}

TEST(PlanMessages, TheForwardersEndsGoToItsNamespace) {
    auto m = model(kImpaired);
    auto p = plan::make_plan(m, {.netem = false});
    auto netns = [](const plan::Target& t) { return t.kind == plan::Target::Forwarder ? 42 : 7; };
    auto msg = plan::message_for(*step(p, "link a:eth0 <-> s:p1 end a:eth0"), netns);
    auto link = parse_link(msg->bytes);
    const nlattr* peer = nested_attr(nested_attr(link.attrs.at(IFLA_LINKINFO), IFLA_INFO_DATA), VETH_INFO_PEER);
    const auto* first = reinterpret_cast<const nlattr*>(static_cast<const char*>(mnl_attr_get_payload(peer)) + NLMSG_ALIGN(sizeof(ifinfomsg)));
    EXPECT_EQ(mnl_attr_get_type(first), IFLA_IFNAME);
    EXPECT_EQ(mnl_attr_get_str(first), std::string("l0a"));
    const nlattr* ns = mnl_attr_next(first);
    EXPECT_EQ(mnl_attr_get_type(ns), IFLA_NET_NS_FD);
    EXPECT_EQ(mnl_attr_get_u32(ns), 42u);
}

}  // namespace
