// The keys of the point-to-point tunnel kinds (gre, gretap, ipip, ip6gre, ip6tnl, sit) and the
// names their modules take in every namespace.
#include "topology/detail/devices.hpp"

namespace nslab::topo::detail {

namespace {

// Each tunnel module puts a fallback device in every new network namespace (unless the
// net.core.fb_tunnels_only_for_init_net sysctl says otherwise), so these names are taken
// wherever the module is loaded.
constexpr std::pair<std::string_view, std::string_view> kFallbackDevices[] = {
    {"gre0", "ip_gre"},   {"gretap0", "ip_gre"},    {"erspan0", "ip_gre"},     {"tunl0", "ipip"},       {"sit0", "sit"},
    {"ip6tnl0", "ip6_tunnel"}, {"ip6gre0", "ip6_gre"}, {"ip_vti0", "ip_vti"}, {"ip6_vti0", "ip6_vti"}};

bool is_gre(DeviceKind k) { return k == DeviceKind::Gre || k == DeviceKind::Gretap || k == DeviceKind::Ip6gre; }

}  // namespace

std::optional<net::Prefix> read_address(const ojson& v, const std::string& pointer, Issues& issues) {
    auto text = get_string(v, pointer, issues);
    if (!text) return std::nullopt;
    auto p = net::Prefix::parse_addr(*text);
    if (!p) issues.add(pointer, quote(*text) + " is not an IP address (without a prefix length)");
    return p;
}

void read_tunnel_keys(const ojson& spec, const std::string& pointer, Device& dev, Issues& issues) {
    const std::string kind = to_string(dev.kind);
    const net::Family family = underlay_family(dev.kind);
    // An address of the family the kind runs over: ip6gre and ip6tnl carry packets in IPv6,
    // the others in IPv4 (sit and ipip too, whatever they carry inside).
    auto address = [&](const char* key) -> std::optional<net::Prefix> {
        const std::string at = child(pointer, key);
        auto a = read_address(spec[key], at, issues);
        if (a && a->family != family) {
            // The kind of the same tunnel over the other family.
            const char* twin = is_gre(dev.kind) ? (family == net::Family::V4 ? "ip6gre" : "gre")
                                                : (family == net::Family::V4 ? "ip6tnl" : "ipip");
            issues.add(at, a->addr_str() + " is an " + family_name(a->family) + " address, but " + kind + " runs over " +
                               family_name(family) + "; use " + twin + " for an " + family_name(a->family) + " underlay");
            return std::nullopt;
        }
        return a;
    };
    // A tunnel without a far end would need the kernel's NBMA neighbours, which a topology
    // cannot give.
    if (!spec.contains("remote"))
        issues.add(pointer, "a tunnel (" + kind + ") needs \"remote\" (the far end's underlay address)");
    else
        dev.remote = address("remote");
    if (spec.contains("local")) dev.local = address("local");
    if (spec.contains("ttl"))
        if (auto t = get_int(spec["ttl"], child(pointer, "ttl"), issues, 0, 255)) dev.ttl = static_cast<std::uint8_t>(*t);
    if (spec.contains("key") && is_gre(dev.kind))
        if (auto k = get_int(spec["key"], child(pointer, "key"), issues, 0, 4294967295LL)) dev.key = static_cast<std::uint32_t>(*k);
}

std::optional<std::string> fallback_device_module(std::string_view ifname) {
    for (const auto& [name, module] : kFallbackDevices)
        if (name == ifname) return std::string(module);
    return std::nullopt;
}

}  // namespace nslab::topo::detail
