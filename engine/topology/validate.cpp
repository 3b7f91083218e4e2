// Checks that need the whole lab, addresses included: they run after auto-addressing.
#include <map>

#include "topology/detail/build.hpp"
#include "topology/detail/disjoint_sets.hpp"
#include "topology/detail/node.hpp"

namespace nslab::topo::detail {

namespace {

constexpr std::uint32_t kIpv6MinMtu = 1280;

// Where an address must be unique in a lab with VRFs: its segment (a link, or every port of
// one switch) and its node's VRF (the default table counts as one). Without VRFs: the lab.
std::vector<std::string> address_scopes(const Model& m, const AddressSite& s, bool vrfs) {
    if (!vrfs) return {"lab"};
    const auto colon = s.where.find(':');
    const Node* n = m.find(s.where.substr(0, colon));
    const std::string iface = s.where.substr(colon + 1);
    if (!n) return {"lab"};
    std::vector<std::string> scopes;
    std::string vrf;
    if (const Interface* i = n->find_interface(iface)) {
        const Link& l = m.links[i->link];
        const Node& other = m.nodes[l.ends[1 - i->end].node];
        scopes.push_back(other.kind == NodeKind::Switch ? "switch " + other.name : "link " + l.pointer);
        vrf = i->vrf;
    } else if (const Device* dv = n->find_device(iface)) {
        vrf = dv->vrf;
    }
    scopes.push_back("vrf " + n->name + ":" + vrf);
    return scopes;
}

// Two interfaces answering for one address make pings and routes ambiguous. A link-local
// address only has to be unique on its own link, and every link may reuse fe80::1.
void check_duplicate_addresses(Draft& d) {
    bool vrfs = false;
    for (const Node& n : d.model.nodes)
        for (const Device& dv : n.devices) vrfs = vrfs || dv.kind == DeviceKind::Vrf;
    std::map<std::pair<std::string, std::string>, const AddressSite*> first;
    for (const AddressSite& s : d.sites) {
        if (is_link_local(s.addr)) continue;
        for (const std::string& scope : address_scopes(d.model, s, vrfs)) {
            auto [it, fresh] = first.emplace(std::make_pair(s.addr.addr_str(), scope), &s);
            if (!fresh) {
                d.issues.add(s.pointer, s.addr.addr_str() + " is already used by " + it->second->where + " (" +
                                            it->second->pointer + ")" + (vrfs ? " in the same " + scope.substr(0, scope.find(' ')) : ""));
                break;
            }
        }
    }
}

// Bridges run no spanning tree here: a loop of switches would circulate broadcasts forever.
void check_switch_loops(Draft& d) {
    const Model& m = d.model;
    DisjointSets sets(m.nodes.size());
    for (const Link& l : m.links) {
        const Node& a = m.nodes[l.ends[0].node];
        const Node& b = m.nodes[l.ends[1].node];
        if (a.kind != NodeKind::Switch || b.kind != NodeKind::Switch) continue;
        if (!sets.join(l.ends[0].node, l.ends[1].node))
            d.issues.add(l.pointer, "this link closes a loop of switches (" + a.name + ", " + b.name +
                                        "): bridges here run no spanning tree, so broadcasts would circle forever");
    }
}

// The kernel turns IPv6 off on an interface whose MTU is below 1280, addresses and all.
void check_ipv6_mtu(Draft& d) {
    for (const Node& n : d.model.nodes) {
        for (const Interface& i : n.interfaces) {
            const Link& l = d.model.links[i.link];
            if (!l.mtu || *l.mtu >= kIpv6MinMtu) continue;
            for (const net::Prefix& a : i.addrs)
                if (a.family == net::Family::V6)
                    d.issues.add(child(l.pointer, "mtu"), "mtu " + std::to_string(*l.mtu) + " is below " +
                                                              std::to_string(kIpv6MinMtu) + ", the minimum for IPv6, but " +
                                                              n.name + ":" + i.name + " has IPv6 address " + a.str());
        }
    }
}

}  // namespace

void validate(Draft& d) {
    check_devices(d);
    check_duplicate_addresses(d);
    check_switch_loops(d);
    check_ipv6_mtu(d);
    check_routes(d);
    check_rules(d);
}

}  // namespace nslab::topo::detail
