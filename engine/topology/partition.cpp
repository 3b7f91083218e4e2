#include "topology/partition.hpp"

#include <algorithm>
#include <deque>
#include <map>
#include <set>
#include <stdexcept>

namespace nslab::topo {

namespace {

bool is_switch(const Model& m, std::size_t i) { return m.nodes[i].kind == NodeKind::Switch; }

const Placement& placement_of(const Model& m) {
    if (!m.placement) throw std::logic_error("partition of a lab without placement");
    return *m.placement;
}

std::size_t host_index(const Placement& p, const std::string& host) {
    for (std::size_t i = 0; i < p.hosts.size(); ++i)
        if (p.hosts[i].name == host) return i;
    throw std::logic_error("no host " + host + " in the placement");
}

// FNV-1a: stable across builds and machines, unlike std::hash.
std::uint32_t fnv1a(std::string_view s) {
    std::uint32_t h = 2166136261u;
    for (unsigned char c : s) h = (h ^ c) * 16777619u;
    return h;
}

// Each lab takes a block of 4096 VNIs chosen by its name, so labs of other names on the same
// machines rarely meet (the kernel refuses a second VXLAN of one VNI and port, and says so).
std::uint32_t vni_base(const Model& m) {
    const Placement& p = placement_of(m);
    if (p.vni_base) return p.vni_base;
    return 4096u * (1 + fnv1a(m.name) % 4000u);
}

std::uint32_t vni_at(const Model& m, std::size_t k) {
    return 1 + (vni_base(m) - 1 + static_cast<std::uint32_t>(k)) % 16777215u;
}

// What VXLAN takes of each frame: outer Ethernet is not counted, outer IP, UDP and VXLAN are.
std::uint32_t overhead(const PlacementHost& h) { return h.address.family == net::Family::V4 ? 50 : 70; }

std::uint32_t vxlan_mtu(const Placement& p, const std::vector<std::string>& hosts, std::optional<std::uint32_t> want) {
    std::uint32_t mtu = want.value_or(1500);
    for (const auto& a : hosts) {
        const auto& h = p.hosts[host_index(p, a)];
        mtu = std::min(mtu, h.mtu - overhead(h));
    }
    return mtu;
}

// The machine an end of a link is on: its node's, or for a switch's port, the machine of the
// node at the other end (the switch has a bridge there); a link between two switches goes
// between the switches' own machines.
std::string end_host(const Model& m, const Link& l, int e) {
    const Placement& p = placement_of(m);
    const std::size_t n = l.ends[e].node, other = l.ends[1 - e].node;
    if (is_switch(m, n) && !is_switch(m, other)) return p.node_host[other];
    return p.node_host[n];
}

}  // namespace

void balance(Placement& p, const Model& m) {
    const std::size_t hosts = p.hosts.size();
    if (!hosts) return;
    p.node_host.resize(m.nodes.size());
    std::vector<double> load(hosts, 0);
    double total = 0;
    auto weight = [&](std::size_t i) { return 1.0 + m.nodes[i].limits.cpus.value_or(0); };
    for (std::size_t i = 0; i < m.nodes.size(); ++i) {
        if (is_switch(m, i)) continue;
        total += weight(i);
        if (!p.node_host[i].empty()) load[host_index(p, p.node_host[i])] += weight(i);
    }
    std::vector<std::vector<std::size_t>> adj(m.nodes.size());
    for (const auto& l : m.links) {
        adj[l.ends[0].node].push_back(l.ends[1].node);
        adj[l.ends[1].node].push_back(l.ends[0].node);
    }
    // Breadth-first from each unvisited node in file order, switches passed through.
    std::vector<std::size_t> order;
    std::vector<bool> seen(m.nodes.size(), false);
    for (std::size_t s = 0; s < m.nodes.size(); ++s) {
        if (seen[s]) continue;
        std::deque<std::size_t> q{s};
        seen[s] = true;
        while (!q.empty()) {
            std::size_t i = q.front();
            q.pop_front();
            order.push_back(i);
            for (std::size_t j : adj[i])
                if (!seen[j]) seen[j] = true, q.push_back(j);
        }
    }
    const double share = total / static_cast<double>(hosts);
    std::size_t h = 0;
    for (std::size_t i : order) {
        if (is_switch(m, i) || !p.node_host[i].empty()) continue;
        while (h + 1 < hosts && load[h] + weight(i) / 2 > share) ++h;
        p.node_host[i] = p.hosts[h].name;
        load[h] += weight(i);
    }
    // Switches: where most of their ports' nodes are; a switch among switches only, with its
    // first placed neighbour; alone, on the first machine.
    for (int pass = 0; pass < 2; ++pass)
        for (std::size_t i = 0; i < m.nodes.size(); ++i) {
            if (!is_switch(m, i) || !p.node_host[i].empty()) continue;
            std::vector<std::size_t> count(hosts, 0);
            std::size_t best = hosts;
            for (std::size_t j : adj[i])
                if (!p.node_host[j].empty() && (pass == 1 || !is_switch(m, j))) {
                    std::size_t k = host_index(p, p.node_host[j]);
                    ++count[k];
                    if (best == hosts || count[k] > count[best] || (count[k] == count[best] && k < best)) best = k;
                }
            if (best < hosts) p.node_host[i] = p.hosts[best].name;
            else if (pass == 1) p.node_host[i] = p.hosts[0].name;
        }
}

std::vector<std::string> hosts_of(const Model& m, std::size_t node) {
    const Placement& p = placement_of(m);
    std::set<std::string> on{p.node_host[node]};
    if (is_switch(m, node))
        for (const auto& l : m.links)
            for (int e = 0; e < 2; ++e)
                if (l.ends[e].node == node && !is_switch(m, l.ends[1 - e].node)) on.insert(p.node_host[l.ends[1 - e].node]);
    std::vector<std::string> out;
    for (const auto& h : p.hosts)  // in the placement's order
        if (on.count(h.name)) out.push_back(h.name);
    return out;
}

std::uint32_t switch_vni(const Model& m, std::size_t node) { return vni_at(m, m.links.size() + node); }

std::vector<Crossing> crossings(const Model& m) {
    const Placement& p = placement_of(m);
    std::vector<Crossing> out;
    for (std::size_t li = 0; li < m.links.size(); ++li) {
        const Link& l = m.links[li];
        Crossing c{li, {end_host(m, l, 0), end_host(m, l, 1)}, vni_at(m, li), 0};
        if (c.host[0] == c.host[1]) continue;
        c.mtu = vxlan_mtu(p, {c.host[0], c.host[1]}, l.mtu);
        out.push_back(std::move(c));
    }
    return out;
}

Model partition(const Model& full, const std::string& host) {
    const Placement& p = placement_of(full);
    const PlacementHost& me = p.hosts[host_index(p, host)];
    Model m = full;
    // A switch on several machines: every link at it gets the VXLAN's MTU, so its nodes never
    // send a frame its VXLAN port would drop.
    std::vector<std::vector<std::string>> spread(full.nodes.size());
    for (std::size_t i = 0; i < full.nodes.size(); ++i) {
        if (!is_switch(full, i)) continue;
        spread[i] = hosts_of(full, i);
        if (spread[i].size() < 2) continue;
        const std::uint32_t mtu = vxlan_mtu(p, spread[i], std::nullopt);
        for (auto& l : m.links)
            if (l.ends[0].node == i || l.ends[1].node == i) l.mtu = std::min(l.mtu.value_or(1500), mtu);
    }
    // The links that cross: each end on this machine becomes a VXLAN, first among the node's
    // own interfaces (a vlan or bond may sit on it).
    std::map<std::size_t, Crossing> crossing;
    for (auto& c : crossings(full)) crossing.emplace(c.link, std::move(c));
    std::vector<std::vector<Device>> vxlans(full.nodes.size());
    for (const auto& [li, c] : crossing)
        for (int e = 0; e < 2; ++e) {
            if (c.host[e] != host) continue;
            const Link& l = full.links[li];
            const Node& n = full.nodes[l.ends[e].node];
            Device d;
            d.name = l.ends[e].iface;
            d.kind = DeviceKind::Vxlan;
            if (const Interface* itf = n.find_interface(d.name)) {
                d.addrs = itf->addrs;
                d.mac = itf->mac;
                d.vrf = itf->vrf;
            }
            d.mtu = c.mtu;
            d.up = l.end_up(e);
            d.vni = c.vni;
            d.local = me.address;
            d.remote = p.find(c.host[1 - e])->address;
            d.learning = false;  // one peer: nothing to learn
            d.from_host = true;
            d.pointer = l.pointer;
            vxlans[l.ends[e].node].push_back(std::move(d));
        }
    // Which nodes and links this machine keeps, and their new indexes.
    std::vector<std::optional<std::size_t>> node_at(full.nodes.size());
    std::vector<Node> nodes;
    for (std::size_t i = 0; i < full.nodes.size(); ++i) {
        const bool here = is_switch(full, i) ? std::count(spread[i].begin(), spread[i].end(), host) > 0 : p.node_host[i] == host;
        if (!here) continue;
        node_at[i] = nodes.size();
        nodes.push_back(std::move(m.nodes[i]));
    }
    std::vector<std::optional<std::size_t>> link_at(full.links.size());
    std::vector<Link> links;
    for (std::size_t li = 0; li < full.links.size(); ++li) {
        const Link& l = full.links[li];
        if (crossing.count(li) || end_host(full, l, 0) != host) continue;
        link_at[li] = links.size();
        Link kept = std::move(m.links[li]);
        for (auto& e : kept.ends) e.node = *node_at[e.node];
        links.push_back(std::move(kept));
    }
    for (std::size_t i = 0; i < full.nodes.size(); ++i) {
        if (!node_at[i]) continue;
        Node& n = nodes[*node_at[i]];
        std::vector<Interface> itfs;
        for (auto& itf : n.interfaces)
            if (link_at[itf.link]) {
                itf.link = *link_at[itf.link];
                itfs.push_back(std::move(itf));
            }
        n.interfaces = std::move(itfs);
        if (!vxlans[i].empty()) n.devices.insert(n.devices.begin(), vxlans[i].begin(), vxlans[i].end());
        if (spread[i].size() > 1) {
            Device d;
            d.name = kSwitchVxlan;
            d.kind = DeviceKind::Vxlan;
            d.mtu = vxlan_mtu(p, spread[i], std::nullopt);
            d.vni = switch_vni(full, i);
            d.local = me.address;
            d.from_host = true;
            for (const auto& h : spread[i])
                if (h != host) d.flood.push_back(p.find(h)->address);
            d.pointer = n.pointer;
            n.devices.insert(n.devices.begin(), std::move(d));
        }
    }
    m.nodes = std::move(nodes);
    m.links = std::move(links);
    m.placement->node_host.clear();
    for (std::size_t i = 0; i < full.nodes.size(); ++i)
        if (node_at[i]) m.placement->node_host.push_back(p.node_host[i]);
    return m;
}

}  // namespace nslab::topo
