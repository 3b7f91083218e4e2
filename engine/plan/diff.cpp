#include "plan/diff.hpp"

#include <algorithm>
#include <map>
#include <set>

namespace nslab::plan {

namespace {

using topo::Issue;

std::string route_key(const topo::Route& r) {
    return r.to.str() + (r.metric ? " metric " + std::to_string(*r.metric) : "") + (r.table ? " table " + std::to_string(r.table) : "");
}

bool same_route(const topo::Route& a, const topo::Route& b) {
    return a.to == b.to && a.via == b.via && a.dev == b.dev && a.metric == b.metric && a.onlink == b.onlink && a.table == b.table;
}

std::string route_text(const std::string& node, const topo::Route& r) {
    std::string s = "route " + node + " " + route_key(r);
    if (r.via) s += " via " + r.via->addr_str();
    if (!r.dev.empty()) s += " dev " + r.dev;
    return s;
}

// What a running node cannot take: everything that was set up when its init started.
void check_static(const topo::Node& a, const topo::Node& b, std::vector<Issue>& issues) {
    auto refuse = [&](const char* key) {
        issues.push_back({b.pointer + "/" + key, std::string("node ") + b.name + ": its " + key +
                                                     " cannot change while the lab runs; remove the node and add it again"});
    };
    if (a.kind != b.kind) refuse("kind");
    if (a.hostname != b.hostname) refuse("hostname");
    if (a.sysctls != b.sysctls) refuse("sysctls");
    if (a.private_dirs != b.private_dirs) refuse("private_dirs");
    if (a.mounts != b.mounts) refuse("mounts");
    if (a.shared_tmp != b.shared_tmp) refuse("shared_tmp");
    // The daemons' keys; their config files are among `files` (then not named twice).
    auto same_frr = [](const topo::Node& x, const topo::Node& y) {
        if (!x.frr || !y.frr) return !x.frr && !y.frr;
        return x.frr->daemons == y.frr->daemons && x.frr->config == y.frr->config && x.frr->config_path == y.frr->config_path;
    };
    auto same_bird = [](const topo::Node& x, const topo::Node& y) {
        if (!x.bird || !y.bird) return !x.bird && !y.bird;
        return x.bird->config == y.bird->config && x.bird->config_path == y.bird->config_path;
    };
    const bool daemons_same = same_frr(a, b) && same_bird(a, b);
    if (!same_frr(a, b)) refuse("frr");
    if (!same_bird(a, b)) refuse("bird");
    if (daemons_same && a.files != b.files) refuse("files");
    if (a.exec != b.exec) refuse("exec");
    if (a.limits != b.limits) refuse("limits");
    if (a.namespaces != b.namespaces) refuse("namespaces");
    if (a.time_offsets != b.time_offsets) refuse("time_offsets");
    if (a.rootfs != b.rootfs) refuse("rootfs");
    if (a.vlan_filtering != b.vlan_filtering) refuse("vlan_filtering");
    if (a.rules != b.rules)
        issues.push_back({b.pointer + "/rules", "node " + b.name + ": rules cannot change while the lab runs (not in this build)"});
    // A new link end may join a vrf (it is made in it); a kept one cannot move.
    for (const auto& i : b.interfaces) {
        const topo::Interface* old = a.find_interface(i.name);
        if (old && old->vrf != i.vrf)
            issues.push_back({i.pointer + "/vrf", "node " + b.name + ": " + i.name + " cannot join or leave a vrf while the lab runs (not in this build)"});
        if (old && (old->pvid != i.pvid || old->vlans != i.vlans))
            issues.push_back({i.pointer, "node " + b.name + ": the VLANs of port " + i.name +
                                             " cannot change while the lab runs (not in this build); remove the link and add it again"});
    }
}

// Addresses of one interface in `a` and not in `b` go to `out`.
void missing(const std::vector<net::Prefix>& a, const std::vector<net::Prefix>& b, const std::string& node,
             const std::string& iface, const std::string& pointer, std::vector<Diff::AddressChange>& out) {
    for (const auto& p : a)
        if (std::find(b.begin(), b.end(), p) == b.end()) out.push_back({node, iface, p, pointer});
}

}  // namespace

std::string link_key(const topo::Model& m, const topo::Link& link) {
    std::string a = m.endpoint_name(link.ends[0]), b = m.endpoint_name(link.ends[1]);
    if (b < a) std::swap(a, b);
    return a + " <-> " + b;
}

namespace {

// The node's interfaces `d` sits on or in: remaking one of them remakes `d` too (the kernel
// deletes a vlan with its lower device, and a vrf's members leave it when it goes).
std::vector<std::string> lower_names(const topo::Device& d) {
    std::vector<std::string> out;
    for (const std::string* s : {&d.vrf, &d.link, &d.dev})
        if (!s->empty()) out.push_back(*s);
    return out;
}

// Two specs of one interface that differ in no more than their addresses.
bool same_but_addresses(topo::Device a, topo::Device b) {
    a.addrs.clear();
    b.addrs.clear();
    a.pointer.clear();
    b.pointer.clear();
    return a == b;
}

void diff_devices(const topo::Node& a, const topo::Node& b, Diff& d, std::vector<Issue>& issues) {
    std::set<std::string> remade;  // removed or replaced: gone from the kernel for a moment
    for (const auto& old : a.devices) {
        const topo::Device* now = b.find_device(old.name);
        if (!now || !same_but_addresses(old, *now)) remade.insert(old.name);
    }
    // What sits on a remade interface is remade too, until nothing more follows.
    for (bool more = true; more;) {
        more = false;
        for (const auto& dev : b.devices) {
            if (remade.count(dev.name) || !a.find_device(dev.name)) continue;
            for (const auto& lower : lower_names(dev))
                if (remade.count(lower)) {
                    remade.insert(dev.name);
                    more = true;
                    break;
                }
        }
    }
    for (const auto& itf : b.interfaces)
        if (!itf.vrf.empty() && remade.count(itf.vrf) && a.find_device(itf.vrf) && b.find_device(itf.vrf))
            issues.push_back({b.find_device(itf.vrf)->pointer, "node " + b.name + ": vrf " + itf.vrf + " cannot change while the lab runs: link end " +
                                                                   itf.name + " is in it (not in this build); remove the link and add it again"});
    for (auto it = a.devices.rbegin(); it != a.devices.rend(); ++it)
        if (remade.count(it->name)) d.devices_removed.push_back({a.name, it->name, topo::to_string(it->kind), it->pointer});
    for (const auto& dev : b.devices) {
        const topo::Device* old = a.find_device(dev.name);
        if (!old || remade.count(dev.name)) {
            d.devices_added.push_back({b.name, dev.name, topo::to_string(dev.kind), dev.pointer});
            continue;
        }
        missing(dev.addrs, old->addrs, b.name, dev.name, dev.pointer, d.addresses_added);
        missing(old->addrs, dev.addrs, b.name, dev.name, old->pointer, d.addresses_removed);
    }
}

}  // namespace


int matching_end(const topo::Model& before, const topo::Link& old_link, const topo::Model& after, const topo::Endpoint& end) {
    return before.endpoint_name(old_link.ends[0]) == after.endpoint_name(end) ? 0 : 1;
}

Diff diff(const topo::Model& before, const topo::Model& after) {
    Diff d;
    std::vector<Issue> issues;
    std::set<std::string> kept_nodes;
    for (const auto& n : before.nodes)
        if (!after.find(n.name)) d.nodes_removed.push_back(n.name);
    for (const auto& n : after.nodes) {
        const topo::Node* old = before.find(n.name);
        if (!old) {
            d.nodes_added.push_back(n.name);
            continue;
        }
        kept_nodes.insert(n.name);
        check_static(*old, n, issues);
        diff_devices(*old, n, d, issues);
        if (old->env != n.env) d.env_changed.push_back(n.name);
        missing(n.loopback, old->loopback, n.name, "lo", n.pointer + "/loopback", d.addresses_added);
        missing(old->loopback, n.loopback, n.name, "lo", old->pointer + "/loopback", d.addresses_removed);
        std::map<std::string, const topo::Route*> old_routes;
        for (const auto& r : old->routes) old_routes[route_key(r)] = &r;
        for (const auto& r : n.routes) {
            auto it = old_routes.find(route_key(r));
            if (it == old_routes.end()) d.routes.push_back({n.name, std::nullopt, r});
            else {
                if (!same_route(*it->second, r)) d.routes.push_back({n.name, *it->second, r});
                old_routes.erase(it);
            }
        }
        for (const auto& r : old->routes)
            if (old_routes.count(route_key(r))) d.routes.push_back({n.name, r, std::nullopt});
    }

    std::map<std::string, std::size_t> old_links;
    for (std::size_t i = 0; i < before.links.size(); ++i) old_links[link_key(before, before.links[i])] = i;
    auto kept_ends = [&](const topo::Model& m, const topo::Link& l) {
        return kept_nodes.count(m.nodes[l.ends[0].node].name) && kept_nodes.count(m.nodes[l.ends[1].node].name);
    };
    std::set<std::size_t> matched;
    for (std::size_t i = 0; i < after.links.size(); ++i) {
        const auto& l = after.links[i];
        auto it = old_links.find(link_key(after, l));
        if (it == old_links.end() || !kept_ends(after, l)) {
            d.links_added.push_back(i);
            continue;
        }
        matched.insert(it->second);
        const auto& o = before.links[it->second];
        if (o.mtu != l.mtu)
            issues.push_back({l.pointer + "/mtu", "link " + it->first + ": its mtu cannot change while the lab runs; remove the link and add it again"});
        Diff::KeptLink k{it->second, i, o.netem != l.netem, false};
        for (int e = 0; e < 2; ++e) {
            // The same end in the old version may be written second there.
            const int oe = matching_end(before, o, after, l.ends[e]);
            k.up = k.up || o.end_up(oe) != l.end_up(e);
        }
        for (const auto& end : l.ends) {
            const auto& node = after.nodes[end.node];
            const auto* now = node.find_interface(end.iface);
            const auto* was = before.find(node.name)->find_interface(end.iface);
            if (!now || !was) continue;
            if (now->mac != was->mac)
                issues.push_back({l.pointer, "link " + it->first + ": the mac of " + node.name + ":" + end.iface +
                                                 " cannot change while the lab runs; remove the link and add it again"});
            missing(now->addrs, was->addrs, node.name, end.iface, l.pointer, d.addresses_added);
            missing(was->addrs, now->addrs, node.name, end.iface, o.pointer, d.addresses_removed);
        }
        d.links_kept.push_back(k);
    }
    for (std::size_t i = 0; i < before.links.size(); ++i)
        if (!matched.count(i)) d.links_removed.push_back(i);
    if (!issues.empty()) throw topo::TopologyError("apply", std::move(issues));
    return d;
}

std::vector<std::string> diff_lines(const Diff& d, const topo::Model& before, const topo::Model& after,
                                    std::string (*netem_text)(const topo::Netem&)) {
    std::vector<std::string> out;
    for (const auto& r : d.routes)
        if (!r.after) out.push_back("- " + route_text(r.node, *r.before));
    for (const auto& a : d.addresses_removed) out.push_back("- address " + a.node + ":" + a.iface + " " + a.prefix.str());
    for (std::size_t i : d.links_removed) out.push_back("- link " + link_key(before, before.links[i]));
    for (const auto& c : d.devices_removed) out.push_back("- interface " + c.node + ":" + c.name + " (" + c.kind + ")");
    for (const auto& n : d.nodes_removed) out.push_back("- node " + n);
    for (const auto& n : d.nodes_added) {
        const auto* node = after.find(n);
        out.push_back("+ node " + n + " (" + topo::to_string(node->kind) + ")");
    }
    for (std::size_t i : d.links_added) out.push_back("+ link " + link_key(after, after.links[i]));
    for (const auto& c : d.devices_added) out.push_back("+ interface " + c.node + ":" + c.name + " (" + c.kind + ")");
    for (const auto& a : d.addresses_added) out.push_back("+ address " + a.node + ":" + a.iface + " " + a.prefix.str());
    for (const auto& r : d.routes) {
        if (!r.before) out.push_back("+ " + route_text(r.node, *r.after));
        else if (r.after) out.push_back("~ " + route_text(r.node, *r.after) + " (was " + route_text(r.node, *r.before) + ")");
    }
    for (const auto& k : d.links_kept) {
        const auto& l = after.links[k.after];
        const std::string key = link_key(after, l);
        if (k.netem)
            out.push_back("~ netem " + key + ": " + netem_text(before.links[k.before].netem) + " -> " + netem_text(l.netem));
        if (!k.up) continue;
        const auto& o = before.links[k.before];
        if (o.up != l.up) {
            out.push_back("~ link " + key + (l.up ? " up" : " down"));
            continue;
        }
        for (int e = 0; e < 2; ++e)
            if (l.ends[e].up != o.ends[matching_end(before, o, after, l.ends[e])].up)
                out.push_back("~ link " + key + ": " + after.endpoint_name(l.ends[e]) + (l.ends[e].up ? " up" : " down"));
    }
    for (const auto& n : d.env_changed) out.push_back("~ env " + n);
    return out;
}

}  // namespace nslab::plan
