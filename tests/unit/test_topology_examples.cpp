// The example topologies in topologies/: each parses to what its comments promise, and each is
// fully pingable with the addresses and static routes it declares. Pingability is checked by a
// small model of Linux forwarding (longest prefix match, ARP/ND only for addresses the
// neighbour owns, hosts that do not forward, strict reverse-path filtering), so a wrong or
// missing route fails here, long before a lab runs.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <map>

#include "lab/load.hpp"
#include "nslab_testing.hpp"
#include "topology/model.hpp"

// The paths of a node's private dirs, in order.
inline std::vector<std::string> topo_dir_paths(const std::vector<nslab::topo::PrivateDir>& dirs) {
    std::vector<std::string> out;
    for (const auto& d : dirs) out.push_back(d.path);
    return out;
}

namespace {

using namespace nslab;
using topo::Model;
using topo::NodeKind;

Model load(const std::string& name) { return lab::load_topology(nslab_testing::source_dir() + "/topologies/" + name); }

std::vector<std::string> strs(const std::vector<net::Prefix>& v) {
    std::vector<std::string> out;
    for (const auto& p : v) out.push_back(p.str());
    return out;
}

std::vector<std::string> addrs(const Model& m, const std::string& node, const std::string& iface) {
    const topo::Interface* i = m.find(node)->find_interface(iface);
    return i ? strs(i->addrs) : std::vector<std::string>{"<no interface>"};
}

// --- a model of forwarding ------------------------------------------------------------------

struct Port {
    std::size_t node;
    std::string iface;
    friend auto operator<=>(const Port&, const Port&) = default;
};

class Forwarding {
public:
    explicit Forwarding(const Model& m) : m_(m) { find_neighbours(); }

    // A ping from `from` to `dst` and its reply; empty when both arrive, else what went wrong.
    std::string ping(std::size_t from, const net::Prefix& dst) const {
        auto out = route(from, dst);
        if (!out) return "no route from " + name(from) + " to " + dst.addr_str();
        net::Prefix src = source(from, *out, dst);
        auto there = travel(from, *out, src, dst);
        if (!there.empty()) return "request: " + there;
        std::size_t to = *owner(dst);
        auto back = route(to, src);
        if (!back) return "no route back from " + name(to) + " to " + src.addr_str();
        auto reply = travel(to, *back, dst, src);
        return reply.empty() ? "" : "reply: " + reply;
    }

    std::optional<std::size_t> owner(const net::Prefix& a) const {
        for (std::size_t n = 0; n < m_.nodes.size(); ++n)
            if (owns(n, a)) return n;
        return std::nullopt;
    }

private:
    struct Choice {
        std::string iface;                 // egress
        std::optional<net::Prefix> gateway;
    };

    const Model& m_;
    std::map<Port, std::vector<Port>> neighbours_;  // same L2 segment, switches left out

    std::string name(std::size_t n) const { return m_.nodes[n].name; }

    static bool same(const net::Prefix& a, const net::Prefix& b) { return a.family == b.family && a.bytes == b.bytes; }

    bool owns(std::size_t n, const net::Prefix& a) const {
        const auto& node = m_.nodes[n];
        auto eq = [&](const net::Prefix& p) { return same(p, a); };
        if (std::any_of(node.loopback.begin(), node.loopback.end(), eq)) return true;
        for (const auto& i : node.interfaces)
            if (std::any_of(i.addrs.begin(), i.addrs.end(), eq)) return true;
        return false;
    }

    void find_neighbours() {
        // Ports per L2 segment: a switch segment is found by flooding across switch links.
        std::map<std::size_t, std::size_t> segment_of_switch;
        std::size_t segments = 0;
        auto is_switch = [&](std::size_t n) { return m_.nodes[n].kind == NodeKind::Switch; };
        for (std::size_t s = 0; s < m_.nodes.size(); ++s) {
            if (!is_switch(s) || segment_of_switch.count(s)) continue;
            std::vector<std::size_t> todo{s};
            segment_of_switch[s] = segments;
            while (!todo.empty()) {
                std::size_t x = todo.back();
                todo.pop_back();
                for (const auto& l : m_.links)
                    for (int j = 0; j < 2; ++j)
                        if (l.ends[j].node == x && is_switch(l.ends[1 - j].node) &&
                            segment_of_switch.emplace(l.ends[1 - j].node, segments).second)
                            todo.push_back(l.ends[1 - j].node);
            }
            ++segments;
        }
        std::map<std::size_t, std::vector<Port>> members;
        for (const auto& l : m_.links) {
            if (!l.up) continue;
            Port a{l.ends[0].node, l.ends[0].iface}, b{l.ends[1].node, l.ends[1].iface};
            if (!is_switch(a.node) && !is_switch(b.node)) {
                neighbours_[a].push_back(b);
                neighbours_[b].push_back(a);
            } else if (!is_switch(a.node) || !is_switch(b.node)) {
                const Port& host = is_switch(a.node) ? b : a;
                members[segment_of_switch.at(is_switch(a.node) ? a.node : b.node)].push_back(host);
            }
        }
        for (const auto& [segment, ports] : members)
            for (const Port& p : ports)
                for (const Port& q : ports)
                    if (!(p == q)) neighbours_[p].push_back(q);
    }

    bool link_up(const topo::Interface& i) const { return m_.links[i.link].up; }

    // Longest prefix match over connected subnets and static routes; connected ones win ties,
    // as their metric is lower. Nullopt for "no route", and for a local address.
    std::optional<Choice> route(std::size_t n, const net::Prefix& dst) const {
        if (owns(n, dst)) return std::nullopt;
        const auto& node = m_.nodes[n];
        std::optional<Choice> best;
        int best_len = -1;
        for (const auto& i : node.interfaces) {
            if (!link_up(i)) continue;
            for (const auto& a : i.addrs) {
                if (!a.contains(dst) || a.len <= best_len) continue;
                best = Choice{i.name, std::nullopt};
                best_len = a.len;
            }
        }
        for (const auto& r : node.routes) {
            if (!r.to.contains(dst) || r.to.len <= best_len) continue;
            std::string dev = r.dev;
            if (dev.empty())
                for (const auto& i : node.interfaces)
                    for (const auto& a : i.addrs)
                        if (r.via && a.contains(*r.via) && link_up(i)) dev = i.name;
            if (dev.empty()) continue;
            best = Choice{dev, r.via};
            best_len = r.to.len;
        }
        return best;
    }

    // Linux prefers an address of the egress interface in the gateway's subnet, then any of
    // that interface, then any of the node.
    net::Prefix source(std::size_t n, const Choice& c, const net::Prefix& dst) const {
        const auto& node = m_.nodes[n];
        const net::Prefix& hop = c.gateway ? *c.gateway : dst;
        const topo::Interface* i = node.find_interface(c.iface);
        std::optional<net::Prefix> any;
        for (const auto& a : i->addrs) {
            if (a.family != dst.family) continue;
            if (a.contains(hop)) return a;
            if (!any) any = a;
        }
        if (any) return *any;
        for (const auto& a : node.loopback)
            if (a.family == dst.family) return a;
        for (const auto& x : node.interfaces)
            for (const auto& a : x.addrs)
                if (a.family == dst.family) return a;
        return dst;
    }

    // Hop by hop until the node owning `dst`; every receiver checks the reverse path.
    std::string travel(std::size_t n, Choice c, const net::Prefix& src, const net::Prefix& dst) const {
        for (int ttl = 0; ttl < 32; ++ttl) {
            const net::Prefix& hop = c.gateway ? *c.gateway : dst;
            std::optional<Port> next;
            auto it = neighbours_.find(Port{n, c.iface});
            if (it != neighbours_.end())
                for (const Port& p : it->second)
                    if (owns(p.node, hop)) next = p;
            if (!next) return name(n) + ":" + c.iface + " has no neighbour answering for " + hop.addr_str();
            n = next->node;
            auto back = route(n, src);
            if (!back || back->iface != next->iface)
                return name(n) + " drops it: the route back to " + src.addr_str() + " is not via " + next->iface;
            if (owns(n, dst)) return "";
            if (m_.nodes[n].kind != NodeKind::Router) return name(n) + " is a host and does not forward to " + dst.addr_str();
            auto onward = route(n, dst);
            if (!onward) return name(n) + " has no route to " + dst.addr_str();
            c = *onward;
        }
        return "loop towards " + dst.addr_str();
    }
};

std::vector<net::Prefix> all_addresses(const topo::Node& n) {
    std::vector<net::Prefix> out = n.loopback;
    for (const auto& i : n.interfaces) out.insert(out.end(), i.addrs.begin(), i.addrs.end());
    for (auto& a : out) a.len = a.max_len();
    return out;
}

bool on_a_shared_subnet(const topo::Node& from, const net::Prefix& dst) {
    for (const auto& i : from.interfaces)
        for (const auto& a : i.addrs)
            if (a.contains(dst)) return true;
    return false;
}

// Every host and router pings every address of every other one; `neighbours_only` limits the
// targets to directly connected subnets (for a topology whose routes come from a daemon).
void expect_pingable(const Model& m, bool neighbours_only = false) {
    Forwarding f(m);
    int pings = 0;
    for (std::size_t a = 0; a < m.nodes.size(); ++a) {
        if (m.nodes[a].kind == NodeKind::Switch) continue;
        for (std::size_t b = 0; b < m.nodes.size(); ++b) {
            if (a == b || m.nodes[b].kind == NodeKind::Switch) continue;
            for (const auto& dst : all_addresses(m.nodes[b])) {
                if (neighbours_only && !on_a_shared_subnet(m.nodes[a], dst)) continue;
                ++pings;
                EXPECT_EQ(f.ping(a, dst), "") << m.name << ": " << m.nodes[a].name << " -> " << m.nodes[b].name << " "
                                              << dst.addr_str();
            }
        }
    }
    EXPECT_GT(pings, 0);
}

// --- the examples -------------------------------------------------------------------------

TEST(TopologyExamples, EveryFileParses) {
    int files = 0;
    for (const auto& entry : std::filesystem::directory_iterator(nslab_testing::source_dir() + "/topologies")) {
        if (entry.path().extension() != ".json" || entry.path().filename() == "schema.json") continue;
        ++files;
        EXPECT_NO_THROW(lab::load_topology(entry.path().string())) << entry.path();
    }
    EXPECT_GE(files, 6);
}

TEST(TopologyExamples, Line) {
    Model m = load("line.json");
    EXPECT_EQ(m.name, "line");
    ASSERT_EQ(m.nodes.size(), 4u);
    EXPECT_EQ(m.nodes[0].name, "h1");  // file order, not sorted
    EXPECT_EQ(m.nodes[1].name, "r1");
    EXPECT_EQ(m.nodes[1].kind, NodeKind::Router);
    EXPECT_EQ(m.nodes[0].kind, NodeKind::Host);
    ASSERT_EQ(m.links.size(), 3u);
    EXPECT_EQ(m.endpoint_name(m.links[1].ends[0]), "r1:eth1");
    EXPECT_EQ(addrs(m, "r2", "eth1"), std::vector<std::string>{"10.0.12.2/30"});
    ASSERT_EQ(m.nodes[0].routes.size(), 1u);
    EXPECT_EQ(m.nodes[0].routes[0].to.str(), "0.0.0.0/0");
    EXPECT_EQ(m.nodes[0].routes[0].via->addr_str(), "10.0.1.1");
    EXPECT_EQ(m.nodes[0].routes[0].pointer, "/nodes/h1/routes/0");
    expect_pingable(m);
}

TEST(TopologyExamples, Star) {
    Model m = load("star.json");
    const topo::Node* s1 = m.find("s1");
    ASSERT_TRUE(s1);
    EXPECT_EQ(s1->kind, NodeKind::Switch);
    ASSERT_EQ(s1->interfaces.size(), 4u);
    for (int k = 0; k < 4; ++k) {
        EXPECT_EQ(s1->interfaces[k].name, "p" + std::to_string(k + 1));
        EXPECT_TRUE(s1->interfaces[k].addrs.empty());
        EXPECT_EQ(m.links[k].ends[1].iface, "p" + std::to_string(k + 1));
    }
    EXPECT_EQ(addrs(m, "h4", "eth0"), std::vector<std::string>{"192.168.0.4/24"});
    ASSERT_TRUE(m.find("h4")->interfaces[0].mac);
    EXPECT_EQ(net::mac_str(*m.find("h4")->interfaces[0].mac), "02:00:00:00:00:04");
    expect_pingable(m);
}

TEST(TopologyExamples, Triangle) {
    Model m = load("triangle.json");
    ASSERT_EQ(m.nodes.size(), 3u);
    for (const auto& n : m.nodes) {
        EXPECT_EQ(n.kind, NodeKind::Router) << n.name;  // from defaults
        EXPECT_EQ(n.loopback.size(), 1u);
        EXPECT_EQ(n.interfaces.size(), 2u);
        EXPECT_EQ(n.routes.size(), 4u);
    }
    EXPECT_EQ(strs(m.find("r3")->loopback), std::vector<std::string>{"10.0.0.3/32"});
    expect_pingable(m);
}

TEST(TopologyExamples, DualStack) {
    Model m = load("dual-stack.json");
    EXPECT_EQ(addrs(m, "r1", "eth0"), (std::vector<std::string>{"10.0.1.1/24", "fd00:1::1/64"}));
    const auto& h1 = *m.find("h1");
    ASSERT_EQ(h1.routes.size(), 2u);
    EXPECT_EQ(h1.routes[0].to.str(), "0.0.0.0/0");
    EXPECT_EQ(h1.routes[1].to.str(), "::/0");
    EXPECT_EQ(strs(m.find("r1")->loopback), (std::vector<std::string>{"10.0.0.1/32", "fd00::1/128"}));
    expect_pingable(m);
}

TEST(TopologyExamples, Addressing) {
    Model m = load("addressing.json");
    ASSERT_TRUE(m.addressing_v4 && m.addressing_v6);
    EXPECT_EQ(m.addressing_v4->str(), "10.200.0.0/16");
    EXPECT_EQ(addrs(m, "r1", "eth1"), (std::vector<std::string>{"10.200.0.1/30", "fd00:200::1/64"}));
    EXPECT_EQ(addrs(m, "r2", "eth1"), (std::vector<std::string>{"10.200.0.2/30", "fd00:200::2/64"}));
    EXPECT_EQ(addrs(m, "r2", "eth2"), (std::vector<std::string>{"10.200.1.1/24", "fd00:200:0:1::1/64"}));
    EXPECT_EQ(addrs(m, "h1", "eth0"), (std::vector<std::string>{"10.200.1.2/24", "fd00:200:0:1::2/64"}));
    EXPECT_EQ(addrs(m, "h2", "eth0"), (std::vector<std::string>{"10.200.1.3/24", "fd00:200:0:1::3/64"}));
    EXPECT_EQ(addrs(m, "r1", "eth2"), (std::vector<std::string>{"10.200.2.1/30", "fd00:200:0:2::1/64"}));
    EXPECT_EQ(addrs(m, "h3", "eth0"), (std::vector<std::string>{"10.200.2.2/30", "fd00:200:0:2::2/64"}));
    EXPECT_EQ(m.find("s1")->interfaces.size(), 3u);
    EXPECT_EQ(m.find("h3")->routes[0].dev, "eth0");
    EXPECT_FALSE(m.find("h3")->routes[0].onlink);
    expect_pingable(m);
}

TEST(TopologyExamples, OspfLine) {
    Model m = load("ospf-line.json");
    ASSERT_EQ(m.nodes.size(), 3u);
    for (const auto& n : m.nodes) {
        EXPECT_EQ(n.kind, NodeKind::Router);
        EXPECT_EQ(topo_dir_paths(n.private_dirs), (std::vector<std::string>{"/etc/frr", "/var/run/frr"}));
        EXPECT_TRUE(n.exec.empty());
        EXPECT_TRUE(n.routes.empty());  // OSPF's job
    }
    EXPECT_EQ(strs(m.find("r2")->loopback), std::vector<std::string>{"10.0.0.2/32"});
    // Without the daemons, neighbours reach each other; the forwarding model proves no more.
    expect_pingable(m, /*neighbours_only=*/true);
}

// The forwarding model itself: a topology missing one route must fail it.
TEST(TopologyExamples, ForwardingModelCatchesAMissingRoute) {
    Model m = load("line.json");
    auto& r2 = m.nodes[2];
    ASSERT_EQ(r2.name, "r2");
    r2.routes.clear();
    Forwarding f(m);
    auto h2_addr = *net::Prefix::parse_addr("10.0.2.10");
    EXPECT_NE(f.ping(0, h2_addr), "");  // h1 -> h2: r2 cannot route the reply
    auto r1_addr = *net::Prefix::parse_addr("10.0.12.1");
    EXPECT_EQ(f.ping(2, r1_addr), "");  // connected neighbours still work
}

// Reaching the far link of a triangle through one neighbour works for the request, but the
// reply arrives on the other link: strict rp_filter drops it, and so must the model.
TEST(TopologyExamples, ForwardingModelEnforcesReversePath) {
    Model m = load("triangle.json");
    auto& r2 = m.nodes[1];
    ASSERT_EQ(r2.name, "r2");
    r2.routes[2].to = *net::Prefix::parse("10.0.13.0/30");  // via r1, replacing 10.0.13.1/32
    r2.routes.erase(r2.routes.begin() + 3);
    Forwarding f(m);
    std::string result = f.ping(1, *net::Prefix::parse_addr("10.0.13.2"));
    EXPECT_NE(result.find("route back"), std::string::npos) << result;
}

}  // namespace
