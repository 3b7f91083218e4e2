#include <algorithm>

#include "plan/diff.hpp"
#include "plan/plan.hpp"

namespace nslab::plan {

using topo::NodeKind;

namespace {

// The end whose namespace sends the create request: a switch's port, so it joins the bridge
// in the same request; otherwise the first end.
int main_end(const topo::Model& m, const topo::Link& link) {
    auto is_switch = [&](int e) { return m.nodes[link.ends[e].node].kind == NodeKind::Switch; };
    return !is_switch(0) && is_switch(1) ? 1 : 0;
}

bool is_switch(const topo::Model& m, std::size_t node) { return m.nodes[node].kind == NodeKind::Switch; }

// lo is 1; then a switch's bridge and every node's interfaces, in order, numbered across the
// whole lab rather than per node: the two ends of a veth must not share an index, or the
// kernel takes the link for one that is not stacked on another (ifindex == iflink) and handles
// its carrier change as not urgent: up to a second later, with the port not yet forwarding
// and the qdisc not yet attached (switch-to-switch links lost their first pings).
std::vector<std::map<std::string, int>> choose_ifindexes(const topo::Model& m, int& next) {
    std::vector<std::map<std::string, int>> out(m.nodes.size());
    for (std::size_t i = 0; i < m.nodes.size(); ++i) {
        const auto& nd = m.nodes[i];
        out[i]["lo"] = 1;
        if (nd.kind == NodeKind::Switch) out[i][nd.name] = next++;
        for (const auto& itf : nd.interfaces) out[i][itf.name] = next++;
        for (const auto& dev : nd.devices) out[i][dev.name] = next++;
    }
    return out;
}

VethEnd end_of(const topo::Model& m, const topo::Link& link, const topo::Endpoint& e, int ifindex) {
    VethEnd v;
    v.name = e.iface;
    v.ifindex = ifindex;
    v.mtu = link.mtu;
    if (auto* itf = m.nodes[e.node].find_interface(e.iface)) v.mac = itf->mac;
    return v;
}

// Batches of one phase, one per node that has steps, in node order.
class PhaseBuilder {
public:
    PhaseBuilder(Stage stage, std::size_t nodes) : stage_(stage), per_node_(nodes) {}
    Batch& node(std::size_t i, std::string context = {}) {
        Batch& b = per_node_[i];
        b.target = {Target::Node, i};
        if (!context.empty()) b.context = std::move(context);
        return b;
    }
    Batch& forwarder(std::string context) {
        forwarder_.target = {Target::Forwarder, 0};
        forwarder_.context = std::move(context);
        return forwarder_;
    }
    // Sent before the nodes' batches: they may name what it makes.
    Batch& host(std::string context) {
        host_.target = {Target::Host, 0};
        host_.context = std::move(context);
        return host_;
    }
    Phase finish() {
        Phase p{stage_, {}};
        if (!host_.steps.empty()) p.batches.push_back(std::move(host_));
        for (auto& b : per_node_)
            if (!b.steps.empty()) p.batches.push_back(std::move(b));
        if (!forwarder_.steps.empty()) p.batches.push_back(std::move(forwarder_));
        return p;
    }

private:
    Stage stage_;
    std::vector<Batch> per_node_;
    Batch forwarder_;
    Batch host_;
};

std::uint32_t macvlan_mode(const std::string& mode) {
    if (mode == "private") return 1;   // MACVLAN_MODE_PRIVATE
    if (mode == "vepa") return 2;      // MACVLAN_MODE_VEPA
    if (mode == "passthru") return 8;  // MACVLAN_MODE_PASSTHRU
    return 4;                          // MACVLAN_MODE_BRIDGE
}

// BOND_MODE_* of if_bonding.h, by the kernel's names for them.
std::uint8_t bond_mode(const std::string& mode) {
    if (mode == "active-backup") return 1;
    if (mode == "balance-xor") return 2;
    if (mode == "broadcast") return 3;
    if (mode == "802.3ad") return 4;
    return 0;  // balance-rr
}

nl::WgDevice wg_device(const topo::Device& d, int ifindex) {
    nl::WgDevice w;
    w.ifindex = ifindex;
    w.private_key = d.private_key;
    w.listen_port = d.listen_port;
    for (const auto& p : d.peers) w.peers.push_back({p.public_key, p.endpoint, p.endpoint_port, p.keepalive, p.allowed_ips});
    return w;
}

nl::LinkSpec link_spec(const topo::Device& d, const std::map<std::string, int>& idx) {
    nl::LinkSpec s;
    s.kind = topo::to_string(d.kind);
    s.name = d.name;
    s.ifindex = idx.at(d.name);
    // Up in Config, once the veth peers it may sit on are up: a vlan refuses to open over a
    // lower device that is down (ENETDOWN).
    s.up = false;
    s.mtu = d.mtu;
    s.mac = d.mac;
    s.master = d.vrf.empty() ? 0 : idx.at(d.vrf);
    s.link = d.link.empty() ? 0 : idx.at(d.link);
    s.vrf_table = d.table;
    s.vlan_id = d.vlan_id;
    s.qinq = d.qinq;
    s.macvlan_mode = macvlan_mode(d.mode);
    s.vni = d.vni;
    if (topo::is_tunnel(d.kind)) {
        s.tunnel_local = d.local;
        s.tunnel_remote = d.remote;
        s.tunnel_ttl = d.ttl;
        s.gre_key = d.key;
    } else {
        s.vxlan_remote = d.remote ? d.remote : d.group;
        s.vxlan_local = d.local;
    }
    s.vxlan_dev = d.dev.empty() ? 0 : idx.at(d.dev);
    s.vxlan_port = d.port;
    s.vxlan_learning = d.learning;
    s.bond_mode = bond_mode(d.mode);
    s.bond_miimon = d.miimon;
    return s;
}

// A node's own interfaces: taps (made by ioctls, before the batch's requests), vrfs (before
// their members), then the rest in file order (a lower device is written before what sits on it).
void device_steps(const topo::Node& nd, std::size_t node, const std::map<std::string, int>& idx, std::vector<Step>& steps,
                  std::vector<Step>& host_steps) {
    auto what = [&](const topo::Device& d) { return std::string("create ") + topo::to_string(d.kind) + " " + d.name + " (" + d.pointer + ")"; };
    auto id = [&](const topo::Device& d) { return "interface " + nd.name + ":" + d.name; };
    // The VXLAN between machines: made from the machine's namespace, so its UDP socket is on the
    // machine's underlay; then, in the node's, into its vrf or the switch's bridge, and given
    // the other machines to flood to.
    for (const auto& d : nd.devices) {
        if (!d.from_host) continue;
        nl::LinkSpec spec = link_spec(d, idx);
        spec.master = 0;
        host_steps.push_back({id(d), d.pointer, what(d) + " in node " + nd.name, Device{spec, Target{Target::Node, node}}});
    }
    for (const auto& d : nd.devices) {
        if (!d.from_host) continue;
        const bool port = nd.kind == NodeKind::Switch;
        if (port || !d.vrf.empty())
            steps.push_back({"master " + nd.name + ":" + d.name, d.pointer, "add " + d.name + " to " + (port ? "bridge " + nd.name : "vrf " + d.vrf),
                             SetLink{idx.at(d.name), d.name, port ? std::optional<bool>(d.up) : std::nullopt, idx.at(port ? nd.name : d.vrf)}});
        for (const auto& dst : d.flood)
            steps.push_back({"flood " + nd.name + ":" + d.name + " " + dst.addr_str(), d.pointer,
                             "flood " + d.name + " to " + dst.addr_str(), Fdb{idx.at(d.name), d.name, dst}});
    }
    for (const auto& d : nd.devices)
        if (d.kind == topo::DeviceKind::Tap) steps.push_back({id(d), d.pointer, what(d), Tap{d.name, idx.at(d.name)}});
    for (const auto& d : nd.devices)
        if (d.kind == topo::DeviceKind::Vrf) steps.push_back({id(d), d.pointer, what(d), Device{link_spec(d, idx)}});
    // Link ends with a `vrf` join it before their addresses come (in Config).
    for (const auto& itf : nd.interfaces)
        if (!itf.vrf.empty())
            steps.push_back({"vrf " + nd.name + ":" + itf.name, itf.pointer, "put " + itf.name + " into vrf " + itf.vrf + " (" + itf.pointer + ")",
                             SetLink{idx.at(itf.name), itf.name, std::nullopt, idx.at(itf.vrf), std::nullopt, std::nullopt}});
    for (const auto& d : nd.devices) {
        if (d.kind == topo::DeviceKind::Vrf || d.kind == topo::DeviceKind::Tap || d.from_host) continue;
        steps.push_back({id(d), d.pointer, what(d), Device{link_spec(d, idx)}});
        // The kernel enslaves only a member that is down (the bond opens it itself), so each
        // member goes down in one request and joins in the next.
        for (std::size_t k = 0; k < d.members.size(); ++k) {
            const std::string& m = d.members[k];
            const std::string at = d.pointer + "/members/" + std::to_string(k);
            steps.push_back({"down " + nd.name + ":" + m, at, "set " + m + " down to enslave it to bond " + d.name + " (" + at + ")",
                             SetLink{idx.at(m), m, false, std::nullopt, std::nullopt, std::nullopt}});
            steps.push_back({"bond " + nd.name + ":" + m, at, "enslave " + m + " to bond " + d.name + " (" + at + ")",
                             SetLink{idx.at(m), m, std::nullopt, idx.at(d.name), std::nullopt, std::nullopt}});
        }
        if (d.kind == topo::DeviceKind::Wireguard)
            steps.push_back({"wireguard " + nd.name + ":" + d.name, d.pointer, "configure wireguard " + d.name + " (" + d.pointer + ")",
                             WireGuard{d.name, wg_device(d, idx.at(d.name))}});
    }
    // A tap comes from its ioctls bare: the rest of its keys in one request (up comes in Config).
    for (const auto& d : nd.devices) {
        if (d.kind != topo::DeviceKind::Tap || (d.vrf.empty() && !d.mtu && !d.mac)) continue;
        SetLink s{idx.at(d.name), d.name, std::nullopt, d.vrf.empty() ? std::nullopt : std::optional<int>(idx.at(d.vrf)), d.mtu, d.mac};
        steps.push_back({"set interface " + nd.name + ":" + d.name, d.pointer, "set up tap " + d.name + " (" + d.pointer + ")", s});
    }
}

std::string route_what(const topo::Route& r) {
    return "add route " + r.to.str() + (r.via ? " via " + r.via->addr_str() : "") + (r.dev.empty() ? "" : " dev " + r.dev) +
           (r.table ? " table " + std::to_string(r.table) : "") + " (" + r.pointer + ")";
}

// A rule without prefixes is made for both families: the kernel keeps one rule list per family.
void rule_steps(const topo::Node& nd, std::vector<Step>& steps) {
    for (const auto& r : nd.rules) {
        std::vector<net::Family> families;
        if (r.family) families = {*r.family};
        else families = {net::Family::V4, net::Family::V6};
        for (net::Family f : families) {
            Rule rule;
            rule.spec.family = f;
            rule.spec.from = r.from;
            rule.spec.to = r.to;
            rule.spec.iif = r.iif;
            rule.spec.oif = r.oif;
            rule.spec.fwmark = r.fwmark;
            rule.spec.table = r.table;
            rule.spec.priority = r.priority;
            // The message's own description names the rule by what it matches, whatever its place.
            std::string desc = nl::new_rule(rule.spec).what;
            steps.push_back({"rule " + nd.name + ": " + desc, r.pointer, desc + " (" + r.pointer + ")", std::move(rule)});
        }
    }
}

// A port with `pvid` or `vlans` leaves the bridge's default VLAN 1 first, then joins its own.
void port_vlan_steps(const topo::Model& m, const topo::Node& sw, const std::map<std::string, int>& idx, std::vector<Step>& steps) {
    for (const auto& port : sw.interfaces) {
        if (!port.pvid && port.vlans.empty()) continue;
        const std::string& pointer = m.links[port.link].pointer;
        const std::string name = sw.name + ":" + port.name;
        steps.push_back({"vlan default " + name, pointer, "remove the default vlan 1 from port " + port.name + " of " + sw.name,
                         PortVlans{idx.at(port.name), port.name, false, {{1, false, false}}}});
        PortVlans add{idx.at(port.name), port.name, true, {}};
        if (port.pvid) add.vlans.push_back({*port.pvid, true, true});
        for (auto vid : port.vlans) add.vlans.push_back({vid, false, false});
        steps.push_back({"vlans " + name, pointer, "add vlans to port " + port.name + " of " + sw.name + " (" + port.pointer + ")", std::move(add)});
    }
}

}  // namespace

const char* to_string(Stage s) {
    switch (s) {
        case Stage::Bridges: return "bridges";
        case Stage::Links: return "links";
        case Stage::Ports: return "ports";
        case Stage::Interfaces: return "interfaces";
        case Stage::Config: return "config";
        case Stage::Impairments: return "impairments";
        case Stage::Sysctls: return "sysctls";
        case Stage::Exec: return "exec";
    }
    return "?";
}

const Phase* Plan::phase(Stage s) const {
    for (const auto& p : phases)
        if (p.stage == s) return &p;
    return nullptr;
}

std::size_t Plan::steps() const {
    std::size_t n = 0;
    for (const auto& p : phases)
        for (const auto& b : p.batches) n += b.steps.size();
    return n;
}

std::string forwarder_end(std::size_t link, int end) { return "l" + std::to_string(link) + (end ? "b" : "a"); }

nl::RouteSpec route_spec(const topo::Route& r, const std::map<std::string, int>& index) {
    nl::RouteSpec spec;
    spec.to = r.to.network();
    spec.via = r.via;
    spec.metric = r.metric;
    spec.onlink = r.onlink;
    spec.table = r.table;
    if (!r.dev.empty()) {
        auto it = index.find(r.dev);
        spec.oif = it == index.end() ? 0 : it->second;
    }
    return spec;
}

std::vector<Step> route_steps(const topo::Node& node, const std::map<std::string, int>& index) {
    std::vector<Step> out;
    for (const auto& r : node.routes) {
        Route route{route_spec(r, index)};
        // A node may have one route to a prefix per metric and table.
        std::string id = "route " + node.name + " " + route.spec.to.str() + (r.metric ? " metric " + std::to_string(*r.metric) : "") +
                         (r.table ? " table " + std::to_string(r.table) : "");
        out.push_back({std::move(id), r.pointer, route_what(r), std::move(route)});
    }
    return out;
}

Plan make_plan(const topo::Model& m, const Facts& facts) {
    Plan plan;
    const std::size_t n = m.nodes.size();
    int next_ifindex = facts.first_ifindex;
    plan.ifindex = choose_ifindexes(m, next_ifindex);
    auto index = [&](const topo::Endpoint& e) { return plan.ifindex[e.node].at(e.iface); };

    // Links with a `netem` key: through the kernel where it has sch_netem, else through the
    // forwarder, whose namespace takes both veths' far ends.
    std::map<std::size_t, Impairment*> forwarded;
    for (std::size_t li = 0; li < m.links.size(); ++li) {
        if (m.links[li].netem.empty()) continue;
        Impairment im{li, facts.netem ? "netem" : "userspace", m.links[li].netem, {}};
        if (!facts.netem)
            for (int e = 0; e < 2; ++e) {
                im.inner[e] = forwarder_end(li, e);
                plan.forwarder_ifindex[im.inner[e]] = next_ifindex++;
            }
        plan.impairments.push_back(std::move(im));
    }
    for (auto& im : plan.impairments)
        if (im.path == "userspace") forwarded[im.link] = &im;

    PhaseBuilder bridges(Stage::Bridges, n);
    for (std::size_t i = 0; i < n; ++i) {
        const auto& nd = m.nodes[i];
        if (nd.kind != NodeKind::Switch) continue;
        bridges.node(i, "switch " + nd.name)
            .steps.push_back({"bridge " + nd.name, nd.pointer, "create bridge " + nd.name, Bridge{nd.name, plan.ifindex[i].at(nd.name), nd.vlan_filtering}});
    }
    plan.phases.push_back(bridges.finish());

    // Each veth is created in one request on the socket of one end's namespace (so names are
    // looked up there, never in the host's), with the peer placed directly in the other end's
    // namespace: nothing is created in the root namespace or moved (a move costs ~16 ms).
    PhaseBuilder links(Stage::Links, n), ports(Stage::Ports, n);
    for (std::size_t li = 0; li < m.links.size(); ++li) {
        const auto& link = m.links[li];
        const std::string id = "link " + link_key(m, link);
        if (auto f = forwarded.find(li); f != forwarded.end()) {
            for (int e = 0; e < 2; ++e) {
                const auto& ep = link.ends[e];
                Veth v;
                v.self = end_of(m, link, ep, index(ep));
                v.peer.name = f->second->inner[e];
                v.peer.ifindex = plan.forwarder_ifindex.at(v.peer.name);
                v.peer.mtu = link.mtu;
                v.peer_in = {Target::Forwarder, 0};
                v.up = link.end_up(e);
                v.master = is_switch(m, ep.node) ? plan.ifindex[ep.node].at(m.nodes[ep.node].name) : 0;
                links.node(ep.node).steps.push_back(
                    {id + " end " + m.endpoint_name(ep), link.pointer,
                     "create link " + m.endpoint_name(ep) + " <-> impairment forwarder (" + link.pointer + ")", std::move(v)});
            }
            continue;
        }
        const int main = main_end(m, link);
        const auto& me = link.ends[main];
        const auto& pe = link.ends[1 - main];
        Veth v;
        v.self = end_of(m, link, me, index(me));
        v.peer = end_of(m, link, pe, index(pe));
        v.peer_in = {Target::Node, pe.node};
        // A node's end comes up in Config, beside its peer: an end that is up while its peer is
        // not has no carrier, and when the kernel's linkwatch finds it so it deactivates it,
        // waiting for an RCU grace period with rtnl held (dev_deactivate_many; ~0.8 ms of a
        // line:10000's config stage per link). A switch's end comes up here, as its port.
        v.up = is_switch(m, me.node) && link.end_up(main);
        v.master = is_switch(m, me.node) ? plan.ifindex[me.node].at(m.nodes[me.node].name) : 0;
        links.node(me.node).steps.push_back({id, link.pointer,
                                             "create link " + m.endpoint_name(link.ends[0]) + " <-> " +
                                                 m.endpoint_name(link.ends[1]) + " (" + link.pointer + ")",
                                             std::move(v)});
        // A link between two switches: the second port joins its bridge once it exists.
        if (is_switch(m, pe.node)) {
            const std::string& sw = m.nodes[pe.node].name;
            SetLink join{index(pe), pe.iface, link.end_up(1 - main), plan.ifindex[pe.node].at(sw)};
            ports.node(pe.node).steps.push_back(
                {"port " + m.endpoint_name(pe), link.pointer, "add port " + pe.iface + " to bridge " + sw, std::move(join)});
        }
    }
    for (std::size_t i = 0; i < n; ++i)
        if (m.nodes[i].vlan_filtering) port_vlan_steps(m, m.nodes[i], plan.ifindex[i], ports.node(i, "switch " + m.nodes[i].name).steps);
    plan.phases.push_back(links.finish());
    plan.phases.push_back(ports.finish());

    PhaseBuilder devices(Stage::Interfaces, n);
    for (std::size_t i = 0; i < n; ++i)
        if (!m.nodes[i].devices.empty())
            device_steps(m.nodes[i], i, plan.ifindex[i], devices.node(i, "node " + m.nodes[i].name).steps, devices.host("this machine").steps);
    plan.phases.push_back(devices.finish());

    PhaseBuilder config(Stage::Config, n);
    for (std::size_t i = 0; i < n; ++i) {
        const auto& nd = m.nodes[i];
        auto& steps = config.node(i, "node " + nd.name).steps;
        steps.push_back({"up " + nd.name + ":lo", nd.pointer, "set lo up", SetLink{1, "lo", true, {}}});
        if (nd.kind == NodeKind::Switch) continue;
        const auto& idx = plan.ifindex[i];
        // Both ends of a veth come up here, each from its own namespace (the kernel cannot open
        // a peer before both ends exist): see the links stage.
        for (const auto& itf : nd.interfaces) {
            const auto& link = m.links[itf.link];
            if (!link.end_up(itf.end)) continue;
            if (forwarded.count(itf.link)) continue;  // both ends were made from their own node, up
            steps.push_back({"up " + nd.name + ":" + itf.name, link.pointer, "set " + itf.name + " up",
                             SetLink{idx.at(itf.name), itf.name, true, {}}});
        }
        auto device_up = [&](const topo::Device& d) {
            steps.push_back({"up " + nd.name + ":" + d.name, d.pointer, "set " + d.name + " up", SetLink{idx.at(d.name), d.name, true, {}}});
        };
        for (const auto& d : nd.devices)
            if (d.up && d.kind != topo::DeviceKind::Wireguard) device_up(d);
        for (const auto& a : nd.loopback)
            steps.push_back({"address " + nd.name + ":lo " + a.str(), nd.pointer + "/loopback", "add address " + a.str() + " to lo",
                             Address{1, a}});
        for (const auto& itf : nd.interfaces)
            for (const auto& a : itf.addrs)
                steps.push_back({"address " + nd.name + ":" + itf.name + " " + a.str(), m.links[itf.link].pointer,
                                 "add address " + a.str() + " to " + itf.name, Address{idx.at(itf.name), a}});
        for (const auto& d : nd.devices)
            for (const auto& a : d.addrs)
                steps.push_back({"address " + nd.name + ":" + d.name + " " + a.str(), d.pointer,
                                 "add address " + a.str() + " to " + d.name, Address{idx.at(d.name), a}});
        // A wireguard interface sends its first handshake (with a keepalive) as it comes up: only
        // once the underlay's addresses are there can it leave, else it waits out a 5 s rekey.
        // Its routes need it up, so before the routes.
        for (const auto& d : nd.devices)
            if (d.up && d.kind == topo::DeviceKind::Wireguard) device_up(d);
        for (auto& s : route_steps(nd, idx)) steps.push_back(std::move(s));
        rule_steps(nd, steps);
    }
    plan.phases.push_back(config.finish());

    PhaseBuilder impair(Stage::Impairments, n);
    for (const auto& im : plan.impairments) {
        const auto& link = m.links[im.link];
        if (im.path == "netem") {
            for (const auto& ep : link.ends) {
                std::string where = "node " + m.nodes[ep.node].name + ": " + ep.iface + " (" + link.pointer + "/netem)";
                impair.node(ep.node).steps.push_back(
                    {"netem " + m.endpoint_name(ep), link.pointer + "/netem", "add netem to " + where, Qdisc{index(ep), im.netem}});
            }
            continue;
        }
        // The inner ends were created as peers, which cannot come up in the same request.
        for (const auto& name : im.inner)
            impair.forwarder("impairment namespace")
                .steps.push_back({"up forwarder:" + name, link.pointer, "set " + name + " up in the impairment namespace",
                                  SetLink{plan.forwarder_ifindex.at(name), name, true, {}}});
    }
    plan.phases.push_back(impair.finish());

    PhaseBuilder sysctls(Stage::Sysctls, n);
    for (std::size_t i = 0; i < n; ++i)
        for (const auto& [key, value] : m.nodes[i].sysctls)
            if (!topo::sysctl_interface(key).empty())
                sysctls.node(i, "node " + m.nodes[i].name)
                    .steps.push_back({"sysctl " + m.nodes[i].name + " " + key, m.nodes[i].pointer + "/sysctls/" + key,
                                      "write " + key, Sysctl{key, value}});
    plan.phases.push_back(sysctls.finish());

    PhaseBuilder exec(Stage::Exec, n);
    for (std::size_t i = 0; i < n; ++i)
        for (std::size_t k = 0; k < m.nodes[i].exec.size(); ++k)
            exec.node(i, "node " + m.nodes[i].name)
                .steps.push_back({"exec " + m.nodes[i].name + " " + std::to_string(k), m.nodes[i].pointer + "/exec/" + std::to_string(k),
                                  "run " + m.nodes[i].exec[k], Exec{m.nodes[i].exec[k]}});
    plan.phases.push_back(exec.finish());
    return plan;
}

}  // namespace nslab::plan
