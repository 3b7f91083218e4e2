// A bond's keys (TOPOLOGY.md "Nodes: interfaces beyond veth", kind `bond`) and the rules its
// members keep. A member is enslaved: the bond is its master and owns its addresses, so a
// member can have no addresses, no vrf (a second master) and no second bond.
#include <algorithm>
#include <map>

#include "topology/detail/devices.hpp"
#include "topology/detail/suggest.hpp"

namespace nslab::topo::detail {

namespace {

// The kernel's names (bond_mode_tbl), which iproute2 takes too.
constexpr std::string_view kBondModes[] = {"active-backup", "802.3ad", "balance-rr", "balance-xor", "broadcast"};

void check_member(const Model& m, const Node& n, const Device& bond, const std::string& member, const std::string& at,
                  std::map<std::string, const Device*>& bond_of, Issues& issues) {
    if (const Device* dv = n.find_device(member)) {
        issues.add(at, quote(member) + " is a " + std::string(to_string(dv->kind)) +
                           " interface; bond members are link ends of node " + quote(n.name));
        return;
    }
    const Interface* itf = n.find_interface(member);
    if (!itf) {
        std::vector<std::string_view> ends;
        for (const auto& i : n.interfaces) ends.push_back(i.name);
        issues.add(at, "node " + quote(n.name) + " has no interface " + quote(member) + did_you_mean(member, ends, "link ends"));
        return;
    }
    if (auto [it, fresh] = bond_of.emplace(member, &bond); !fresh) {
        if (it->second != &bond)
            issues.add(at, quote(member) + " is already a member of bond " + quote(it->second->name) + " (" + it->second->pointer +
                               "); an interface has one master");
        else
            issues.add(at, quote(member) + " is listed twice");
        return;
    }
    if (!itf->addrs.empty())
        issues.add(at, quote(member) + " is a member of bond " + quote(bond.name) + " but has the address " +
                           itf->addrs.front().str() + " (" + m.links[itf->link].pointer +
                           "); a bond member has no addresses of its own: give them to the bond");
    if (!itf->vrf.empty())
        issues.add(at, quote(member) + " cannot join both bond " + quote(bond.name) + " and vrf " + quote(itf->vrf) + " (" +
                           itf->pointer + "/vrf); an interface has one master: put the bond into the vrf instead");
}

}  // namespace

void read_bond_keys(const ojson& spec, const std::string& pointer, Device& dev, Issues& issues) {
    auto at = [&](const char* key) { return child(pointer, key); };
    if (!spec.contains("members")) {
        issues.add(pointer, "a bond interface needs \"members\" (link ends of the node)");
    } else if (expect(spec["members"], Want::Array, at("members"), issues)) {
        dev.members = get_strings(spec["members"], at("members"), issues);
        if (spec["members"].empty()) issues.add(at("members"), "a bond needs at least one member");
    }
    read_mode(spec, pointer, kBondModes, "balance-rr", dev, issues);  // the kernel's default
    if (spec.contains("miimon"))
        if (auto ms = get_int(spec["miimon"], at("miimon"), issues, 0, 2147483647)) dev.miimon = static_cast<std::uint32_t>(*ms);
}

void check_bonds(const Model& m, const Node& n, Issues& issues) {
    std::map<std::string, const Device*> bond_of;
    for (const Device& dev : n.devices) {
        if (dev.kind != DeviceKind::Bond) continue;
        for (std::size_t i = 0; i < dev.members.size(); ++i)
            check_member(m, n, dev, dev.members[i], child(child(dev.pointer, "members"), i), bond_of, issues);
    }
}

bool is_bond_member(const Node& n, std::string_view ifname) {
    return std::any_of(n.devices.begin(), n.devices.end(), [&](const Device& d) {
        return d.kind == DeviceKind::Bond && std::find(d.members.begin(), d.members.end(), ifname) != d.members.end();
    });
}

}  // namespace nslab::topo::detail
