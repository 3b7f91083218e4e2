// Static routes: read with the node (read_routes), checked once every interface has its
// addresses (check_routes), automatic ones included.
#include <algorithm>
#include <map>
#include <tuple>

#include "topology/detail/build.hpp"
#include "topology/detail/names.hpp"
#include "topology/detail/suggest.hpp"

namespace nslab::topo::detail {

namespace {

constexpr std::string_view kRouteKeys[] = {"to", "via", "dev", "metric", "table"};

net::Prefix any_address(net::Family f) { return net::Prefix{.family = f, .len = 0}; }

// `to` is a network or "default".
std::optional<net::Prefix> read_to(const ojson& v, const std::string& pointer, Issues& issues, bool& is_default) {
    if (v.is_string() && v.get<std::string>() == "default") {
        is_default = true;
        return std::nullopt;
    }
    return read_network(v, pointer, issues, "destination", "\"10.1.0.0/24\" or \"default\"");
}

std::optional<net::Prefix> read_via(const ojson& v, const std::string& pointer, Issues& issues) {
    auto text = get_string(v, pointer, issues);
    if (!text) return std::nullopt;
    if (auto slash = text->find('/'); slash != std::string::npos) {
        issues.add(pointer, "via is a single address, without a prefix length: " + quote(text->substr(0, slash)));
        return std::nullopt;
    }
    auto p = net::Prefix::parse_addr(*text);
    if (!p) issues.add(pointer, quote(*text) + " is not an IP address");
    return p;
}

std::optional<Route> read_route(const ojson& v, const std::string& pointer, Issues& issues) {
    if (!expect(v, Want::Object, pointer, issues)) return std::nullopt;
    check_keys(v, pointer, kRouteKeys, issues);
    const std::size_t before = issues.size();
    Route r;
    r.pointer = pointer;
    bool is_default = false;
    std::optional<net::Prefix> to;
    if (v.contains("to"))
        to = read_to(v["to"], child(pointer, "to"), issues, is_default);
    else
        issues.add(pointer, "missing \"to\" (a CIDR or \"default\")");
    if (v.contains("via")) r.via = read_via(v["via"], child(pointer, "via"), issues);
    if (v.contains("dev")) {
        auto dev = get_string(v["dev"], child(pointer, "dev"), issues);
        if (dev && *dev != "lo") {
            if (auto problem = ifname_problem(*dev)) issues.add(child(pointer, "dev"), *problem);
        }
        r.dev = dev.value_or("");
    }
    if (v.contains("metric"))
        if (auto m = get_int(v["metric"], child(pointer, "metric"), issues, 0, UINT32_MAX))
            r.metric = static_cast<std::uint32_t>(*m);
    if (v.contains("table")) read_table(v["table"], child(pointer, "table"), issues, r.table, r.table_vrf);
    if (!v.contains("via") && !v.contains("dev")) issues.add(pointer, "a route needs \"via\", \"dev\" or both");
    // "default" takes its family from the gateway; with only a device it is IPv4's.
    if (is_default) to = any_address(r.via ? r.via->family : net::Family::V4);
    if (to && r.via && to->family != r.via->family)
        issues.add(child(pointer, "via"), "via " + r.via->addr_str() + " is " + family_name(r.via->family) + " but \"to\" (" +
                                              to->str() + ") is " + family_name(to->family));
    if (issues.size() != before || !to) return std::nullopt;
    r.to = *to;
    return r;
}

// --- checks against the node's interfaces -------------------------------------------------

struct NodeRoutes {
    const Model& model;
    const Node& node;
    Issues& issues;

    bool link_up(const Interface& i) const { return model.links.at(i.link).end_up(i.end); }

    std::string down_message(const Interface& i) const {
        return i.name + " is down (\"up\": false in " + model.links.at(i.link).pointer +
               "), so a route through it cannot be added";
    }

    // A `dev` the node lacks, or whose link is down, is refused by the kernel.
    void check_dev(const Route& r) const {
        if (r.dev.empty() || r.dev == "lo") return;
        if (const Device* dv = node.find_device(r.dev)) {
            if (!dv->up)
                issues.add(child(r.pointer, "dev"), r.dev + " is down (\"up\": false in " + dv->pointer +
                                                        "), so a route through it cannot be added");
            return;
        }
        const Interface* i = node.find_interface(r.dev);
        if (!i) {
            issues.add(child(r.pointer, "dev"), "node " + quote(node.name) + " has no interface " + quote(r.dev) +
                                                    did_you_mean(r.dev, interface_names(node, true), "interfaces"));
        } else if (!link_up(*i)) {
            issues.add(child(r.pointer, "dev"), down_message(*i));
        }
    }

    bool own_address(const net::Prefix& a) const {
        auto same = [&](const net::Prefix& p) { return p.family == a.family && p.bytes == a.bytes; };
        if (std::any_of(node.loopback.begin(), node.loopback.end(), same)) return true;
        for (const auto& i : node.interfaces)
            if (std::any_of(i.addrs.begin(), i.addrs.end(), same)) return true;
        for (const auto& dv : node.devices)
            if (std::any_of(dv.addrs.begin(), dv.addrs.end(), same)) return true;
        return false;
    }

    template <class I>
    static bool on_subnet(const I& i, const net::Prefix& a) {
        return std::any_of(i.addrs.begin(), i.addrs.end(), [&](const net::Prefix& p) { return p.contains(a); });
    }

    std::string subnets() const {
        std::string s;
        for (const auto& i : node.interfaces)
            for (const auto& p : i.addrs) s += (s.empty() ? "" : ", ") + p.str() + " on " + i.name;
        return s.empty() ? "it has no interface addresses" : "it has " + s;
    }

    // Sets r.onlink where the gateway is reachable only because `dev` says where it is.
    void check_via(Route& r) const {
        if (!r.via) return;
        const net::Prefix& via = *r.via;
        std::string at = child(r.pointer, "via");
        if (own_address(via)) {
            issues.add(at, "via " + via.addr_str() + " is an address of node " + quote(node.name) + " itself");
            return;
        }
        // A link-local gateway is on whatever link `dev` names; the kernel needs no more.
        bool link_local = is_link_local(via);
        if (!r.dev.empty()) {
            const Interface* i = node.find_interface(r.dev);
            const Device* dv = node.find_device(r.dev);
            r.onlink = !link_local && !(i && on_subnet(*i, via)) && !(dv && on_subnet(*dv, via));
            return;
        }
        if (link_local) {
            issues.add(at, "via " + via.addr_str() + " is link-local: say which interface with \"dev\"");
            return;
        }
        for (const auto& dv : node.devices)
            if (dv.up && on_subnet(dv, via)) return;
        const Interface* down = nullptr;
        for (const auto& i : node.interfaces) {
            if (!on_subnet(i, via)) continue;
            if (link_up(i)) return;
            down = &i;
        }
        if (down)
            issues.add(at, "via " + via.addr_str() + ": " + down_message(*down));
        else
            issues.add(at, "via " + via.addr_str() + " is not in a subnet of any interface of node " + quote(node.name) +
                               " (" + subnets() + "); give \"dev\" to use it on-link");
    }
};

}  // namespace

std::optional<net::Prefix> read_network(const ojson& v, const std::string& pointer, Issues& issues, std::string_view noun,
                                        std::string_view example) {
    auto text = get_string(v, pointer, issues);
    if (!text) return std::nullopt;
    // A bare address means that one host, as with `ip route` and `ip rule`.
    auto p = net::Prefix::parse(*text, true);
    if (!p) {
        issues.add(pointer, quote(*text) + " is not a " + std::string(noun) + ": use a CIDR such as " + std::string(example));
        return std::nullopt;
    }
    if (auto problem = host_bits_problem(*p)) {
        issues.add(pointer, *problem);
        return std::nullopt;
    }
    return p;
}

void read_table(const ojson& v, const std::string& pointer, Issues& issues, std::uint32_t& table, std::string& vrf) {
    if (v.is_string()) {
        vrf = v.get<std::string>();
        if (vrf.empty()) issues.add(pointer, "expected a table number or the name of a vrf interface of the node, got \"\"");
        return;
    }
    if (!v.is_number_integer()) {
        issues.add(pointer, "expected a table number or the name of a vrf interface of the node, got " + shown(v));
        return;
    }
    // 0 is "no table" to the kernel; numbers above 255 travel in RTA_TABLE / FRA_TABLE.
    if (auto t = get_int(v, pointer, issues, 1, UINT32_MAX)) table = static_cast<std::uint32_t>(*t);
}

bool resolve_table(const Node& node, const std::string& pointer, const std::string& vrf, std::uint32_t& table, Issues& issues) {
    if (vrf.empty()) return true;
    if (const Device* d = node.find_device(vrf); d && d->kind == DeviceKind::Vrf) {
        table = d->table;
        return true;
    }
    std::vector<std::string_view> vrfs;
    for (const auto& d : node.devices)
        if (d.kind == DeviceKind::Vrf) vrfs.push_back(d.name);
    issues.add(pointer, "table " + quote(vrf) + " names no vrf interface of node " + quote(node.name) +
                            (vrfs.empty() ? "; it has none (give a table number, or add a vrf in \"interfaces\")"
                                          : did_you_mean(vrf, vrfs, "vrfs")));
    return false;
}

std::vector<Route> read_routes(const ojson& v, const std::string& pointer, Issues& issues) {
    return read_list(v, pointer, issues, read_route);
}

void check_routes(Draft& d) {
    for (Node& node : d.model.nodes) {
        NodeRoutes check{d.model, node, d.issues};
        // The kernel refuses a second route to the same destination with the same metric in one table.
        std::map<std::tuple<std::string, std::int64_t, std::uint32_t>, std::string> seen;
        for (Route& r : node.routes) {
            resolve_table(node, child(r.pointer, "table"), r.table_vrf, r.table, d.issues);
            check.check_dev(r);
            check.check_via(r);
            auto key = std::make_tuple(r.to.str(), r.metric ? std::int64_t{*r.metric} : -1, r.table ? r.table : 254u);
            if (auto [it, fresh] = seen.emplace(key, r.pointer); !fresh)
                d.issues.add(r.pointer, "a route to " + r.to.str() + " with the same metric" +
                                            (r.table ? " in table " + std::to_string(r.table) : std::string()) + " is already at " + it->second);
        }
    }
}

}  // namespace nslab::topo::detail
