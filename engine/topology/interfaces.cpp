// A node's `interfaces` (TOPOLOGY.md "Nodes: interfaces beyond veth"): read with the node
// (read_devices), then checked against its link ends once the links are read (check_devices).
#include <algorithm>
#include <array>
#include <map>

#include "topology/detail/build.hpp"
#include "topology/detail/devices.hpp"
#include "topology/detail/names.hpp"
#include "topology/detail/node.hpp"
#include "topology/detail/suggest.hpp"

namespace nslab::topo::detail {

namespace {

constexpr std::string_view kMacvlanModes[] = {"bridge", "private", "vepa", "passthru"};

// The keys every spec takes, then those of each kind.
constexpr std::string_view kCommonKeys[] = {"kind", "ipv4", "ipv6", "mtu", "mac", "up", "vrf"};
std::vector<std::string_view> keys_of(DeviceKind k) {
    std::vector<std::string_view> keys(std::begin(kCommonKeys), std::end(kCommonKeys));
    auto add = [&](std::initializer_list<std::string_view> more) { keys.insert(keys.end(), more); };
    switch (k) {
        case DeviceKind::Vrf: add({"table"}); break;
        case DeviceKind::Vlan: add({"link", "id", "protocol"}); break;
        case DeviceKind::Macvlan: add({"link", "mode"}); break;
        case DeviceKind::Vxlan: add({"vni", "remote", "group", "local", "dev", "port", "learning"}); break;
        case DeviceKind::Bond: add({"members", "mode", "miimon"}); break;
        case DeviceKind::Gre:
        case DeviceKind::Gretap:
        case DeviceKind::Ip6gre: add({"local", "remote", "ttl", "key"}); break;
        case DeviceKind::Ipip:
        case DeviceKind::Ip6tnl:
        case DeviceKind::Sit: add({"local", "remote", "ttl"}); break;
        case DeviceKind::Wireguard: add({"private_key", "listen_port", "peers"}); break;
        case DeviceKind::Dummy:
        case DeviceKind::Tap: break;
    }
    return keys;
}

std::string kind_list() {
    std::string out;
    for (auto name : device_kind_names()) out += (out.empty() ? "" : ", ") + std::string(name);
    return out;
}

std::optional<DeviceKind> read_device_kind(const ojson& spec, const std::string& pointer, Issues& issues) {
    if (!spec.contains("kind")) {
        issues.add(pointer, "missing \"kind\" (one of: " + kind_list() + ")");
        return std::nullopt;
    }
    std::string at = child(pointer, "kind");
    auto kind = get_string(spec["kind"], at, issues);
    if (!kind) return std::nullopt;
    if (auto k = device_kind(*kind)) return k;
    issues.add(at, "unknown interface kind " + quote(*kind) + did_you_mean(*kind, device_kind_names(), "kinds"));
    return std::nullopt;
}

std::optional<net::Mac> read_device_mac(const ojson& v, const std::string& pointer, Issues& issues) {
    auto text = get_string(v, pointer, issues);
    if (!text) return std::nullopt;
    auto mac = net::parse_mac(*text);
    if (!mac || ((*mac)[0] & 1) || std::all_of(mac->begin(), mac->end(), [](auto b) { return b == 0; })) {
        issues.add(pointer, quote(*text) + " is not a unicast MAC address like \"02:00:00:00:00:01\"");
        return std::nullopt;
    }
    return mac;
}

void read_kind_keys(const ojson& spec, const std::string& pointer, Device& dev, Issues& issues) {
    auto at = [&](const char* key) { return child(pointer, key); };
    auto required = [&](const char* key) {
        if (spec.contains(key)) return true;
        issues.add(pointer, std::string("a ") + to_string(dev.kind) + " interface needs \"" + key + "\"");
        return false;
    };
    switch (dev.kind) {
        case DeviceKind::Vrf:
            if (required("table"))
                if (auto t = get_int(spec["table"], at("table"), issues, 1, 4294967294LL)) dev.table = static_cast<std::uint32_t>(*t);
            break;
        case DeviceKind::Vlan:
            if (required("id")) {
                const ojson& id = spec["id"];
                if (id.is_number_integer() && (id.get<std::int64_t>() == 0 || id.get<std::int64_t>() == 4095))
                    issues.add(at("id"), "VLAN id " + shown(id) + " is reserved; use 1 to 4094");
                else if (auto v = get_int(id, at("id"), issues, 1, 4094))
                    dev.vlan_id = static_cast<std::uint16_t>(*v);
            }
            if (spec.contains("protocol"))
                if (auto p = get_string(spec["protocol"], at("protocol"), issues)) {
                    if (*p == "802.1ad") dev.qinq = true;
                    else if (*p != "802.1q") issues.add(at("protocol"), "unknown VLAN protocol " + quote(*p) + "; use \"802.1q\" or \"802.1ad\"");
                }
            [[fallthrough]];
        case DeviceKind::Macvlan:
            if (required("link"))
                if (auto l = get_string(spec["link"], at("link"), issues)) dev.link = *l;
            if (dev.kind == DeviceKind::Macvlan) read_mode(spec, pointer, kMacvlanModes, "bridge", dev, issues);
            break;
        case DeviceKind::Vxlan:
            if (required("vni"))
                if (auto v = get_int(spec["vni"], at("vni"), issues, 0, (1 << 24) - 1)) dev.vni = static_cast<std::uint32_t>(*v);
            if (spec.contains("remote")) dev.remote = read_address(spec["remote"], at("remote"), issues);
            if (spec.contains("group")) {
                dev.group = read_address(spec["group"], at("group"), issues);
                if (dev.group && !is_multicast(*dev.group))
                    issues.add(at("group"), dev.group->addr_str() + " is not a multicast address; a unicast peer goes in \"remote\"");
            }
            if (spec.contains("remote") && spec.contains("group"))
                issues.add(pointer, "give \"remote\" (one peer) or \"group\" (multicast), not both");
            if (spec.contains("local")) dev.local = read_address(spec["local"], at("local"), issues);
            if (spec.contains("dev"))
                if (auto d = get_string(spec["dev"], at("dev"), issues)) dev.dev = *d;
            if (spec.contains("port"))
                if (auto p = get_int(spec["port"], at("port"), issues, 1, 65535)) dev.port = static_cast<std::uint16_t>(*p);
            if (spec.contains("learning")) dev.learning = get_bool(spec["learning"], at("learning"), issues).value_or(true);
            if (dev.group && dev.dev.empty()) issues.add(pointer, "a vxlan with a multicast \"group\" needs \"dev\" (the underlay interface)");
            {
                const auto& peer = dev.remote ? dev.remote : dev.group;
                if (peer && dev.local && peer->family != dev.local->family)
                    issues.add(at("local"), "local " + dev.local->addr_str() + " and " + (dev.remote ? "remote " : "group ") +
                                                peer->addr_str() + " are of different families");
            }
            break;
        case DeviceKind::Bond: read_bond_keys(spec, pointer, dev, issues); break;
        case DeviceKind::Gre:
        case DeviceKind::Gretap:
        case DeviceKind::Ipip:
        case DeviceKind::Ip6gre:
        case DeviceKind::Ip6tnl:
        case DeviceKind::Sit: read_tunnel_keys(spec, pointer, dev, issues); break;
        case DeviceKind::Wireguard: read_wireguard_keys(spec, pointer, dev, issues); break;
        case DeviceKind::Dummy:
        case DeviceKind::Tap: break;
    }
}

std::optional<Device> read_device(const std::string& name, const ojson& spec, const std::string& pointer, Node& n, Draft& d) {
    if (auto problem = ifname_problem(name)) {
        d.issues.add(pointer, *problem);
        return std::nullopt;
    }
    if (!expect(spec, Want::Object, pointer, d.issues)) return std::nullopt;
    auto kind = read_device_kind(spec, pointer, d.issues);
    if (!kind) return std::nullopt;
    Device dev;
    dev.name = name;
    dev.kind = *kind;
    dev.pointer = pointer;
    auto keys = keys_of(*kind);
    check_keys(spec, pointer, keys, d.issues);
    for (auto [key, family] : {std::pair{"ipv4", net::Family::V4}, std::pair{"ipv6", net::Family::V6}}) {
        if (!spec.contains(key)) continue;
        std::string at = child(pointer, key);
        if (!expect(spec[key], Want::Array, at, d.issues)) continue;
        for (std::size_t i = 0; i < spec[key].size(); ++i) {
            std::string ai = child(at, i);
            if (auto p = read_cidr(spec[key][i], ai, d.issues, family, Cidr::Interface)) {
                dev.addrs.push_back(*p);
                d.sites.push_back(AddressSite{*p, n.name + ":" + name, ai});
            }
        }
    }
    if (spec.contains("mtu"))
        if (auto m = get_int(spec["mtu"], child(pointer, "mtu"), d.issues, 68, 65535)) dev.mtu = static_cast<std::uint32_t>(*m);
    if (spec.contains("mac")) dev.mac = read_device_mac(spec["mac"], child(pointer, "mac"), d.issues);
    if (spec.contains("up")) dev.up = get_bool(spec["up"], child(pointer, "up"), d.issues).value_or(true);
    if (spec.contains("vrf"))
        if (auto v = get_string(spec["vrf"], child(pointer, "vrf"), d.issues)) dev.vrf = *v;
    read_kind_keys(spec, pointer, dev, d.issues);
    return dev;
}

void check_names(const Node& n, const Device& dev, Issues& issues) {
    auto names = interface_names(n, false);
    auto has = [&](const std::string& name) { return n.find_interface(name) || n.find_device(name); };
    auto must_name = [&](const std::string& key, const std::string& name) {
        if (name.empty() || has(name)) return;
        issues.add(child(dev.pointer, key), "node " + quote(n.name) + " has no interface " + quote(name) +
                                                did_you_mean(name, names, "interfaces"));
    };
    must_name("link", dev.link);
    must_name("dev", dev.dev);
    if (!dev.link.empty() && dev.link == dev.name) issues.add(child(dev.pointer, "link"), "an interface cannot sit on itself");
    if (!dev.vrf.empty()) {
        const Device* v = n.find_device(dev.vrf);
        if (dev.kind == DeviceKind::Vrf)
            issues.add(child(dev.pointer, "vrf"), "a vrf cannot join another vrf");
        else if (!v || v->kind != DeviceKind::Vrf)
            issues.add(child(dev.pointer, "vrf"), "node " + quote(n.name) + " has no vrf interface " + quote(dev.vrf));
    }
    // A vlan or macvlan on another of the node's own interfaces is made after it: only link
    // ends and interfaces written before it may be its lower device.
    if (const Device* lower = n.find_device(dev.link); lower && lower >= &dev)
        issues.add(child(dev.pointer, "link"), quote(dev.link) + " is written after " + quote(dev.name) +
                                                   "; write the interface it sits on first");
    if (const Device* lower = n.find_device(dev.dev); lower && lower >= &dev)
        issues.add(child(dev.pointer, "dev"), quote(dev.dev) + " is written after " + quote(dev.name) + "; write it first");
}

}  // namespace

std::vector<std::string_view> interface_names(const Node& n, bool with_lo) {
    std::vector<std::string_view> names;
    if (with_lo) names.push_back("lo");
    for (const auto& i : n.interfaces) names.push_back(i.name);
    for (const auto& dv : n.devices) names.push_back(dv.name);
    return names;
}

void read_mode(const ojson& spec, const std::string& pointer, std::span<const std::string_view> modes, const char* fallback,
               Device& dev, Issues& issues) {
    dev.mode = fallback;
    if (!spec.contains("mode")) return;
    const std::string at = child(pointer, "mode");
    auto mode = get_string(spec["mode"], at, issues);
    if (!mode) return;
    if (std::find(modes.begin(), modes.end(), *mode) == modes.end())
        issues.add(at, "unknown " + std::string(to_string(dev.kind)) + " mode " + quote(*mode) + did_you_mean(*mode, modes, "modes"));
    else
        dev.mode = *mode;
}

void read_devices(const NodeView& view, Node& n, Draft& d) {
    Located at = view.get("interfaces");
    if (!at || !expect(*at, Want::Object, at.pointer, d.issues)) return;
    if (n.kind == NodeKind::Switch && !at.value->empty()) {
        d.issues.add(at.pointer, "a switch has no interfaces of its own (it is a bridge); put them on hosts and routers");
        return;
    }
    for (const auto& [name, spec] : at.value->items())
        if (auto dev = read_device(name, spec, child(at.pointer, name), n, d)) n.devices.push_back(std::move(*dev));
}

void check_devices(Draft& d) {
    for (const Node& n : d.model.nodes) {
        for (const Interface& i : n.interfaces) {
            if (i.vrf.empty()) continue;
            const Device* v = n.find_device(i.vrf);
            if (n.kind == NodeKind::Switch)
                d.issues.add(child(i.pointer, "vrf"), "a switch port cannot join a vrf (a switch is a bridge)");
            else if (!v || v->kind != DeviceKind::Vrf)
                d.issues.add(child(i.pointer, "vrf"), "node " + quote(n.name) + " has no vrf interface " + quote(i.vrf));
        }
        check_bonds(d.model, n, d.issues);
        std::map<std::uint32_t, const Device*> tables;
        for (const Device& dev : n.devices) {
            if (const Interface* end = n.find_interface(dev.name))
                d.issues.add(dev.pointer, quote(dev.name) + " is already a link end of node " + quote(n.name) + " (" +
                                              d.model.links[end->link].pointer + ")");
            check_names(n, dev, d.issues);
            if (auto module = fallback_device_module(dev.name))
                d.issues.add(dev.pointer, quote(dev.name) + " is the name the kernel gives the fallback device of module " +
                                              *module + " in every namespace; choose another");
            if (dev.kind == DeviceKind::Vrf) {
                if (auto [it, fresh] = tables.emplace(dev.table, &dev); !fresh)
                    d.issues.add(child(dev.pointer, "table"), "table " + std::to_string(dev.table) + " already belongs to vrf " +
                                                                  quote(it->second->name));
                if (dev.table == 254 || dev.table == 255)
                    d.issues.add(child(dev.pointer, "table"), "table " + std::to_string(dev.table) + " is the kernel's " +
                                                                  (dev.table == 254 ? "main" : "local") + " table; choose another");
            }
        }
    }
}

}  // namespace nslab::topo::detail
