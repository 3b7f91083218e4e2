// One node's keys (TOPOLOGY.md "Nodes"), each read by its own function. Order matters only
// where one key's rules depend on another's value: kind and namespaces come first.
#include <algorithm>
#include <array>
#include <cmath>

#include "topology/detail/names.hpp"
#include "topology/detail/node.hpp"
#include "topology/detail/suggest.hpp"
#include "topology/detail/values.hpp"

namespace nslab::topo::detail {

namespace {

constexpr std::string_view kKinds[] = {"host", "router", "switch"};
constexpr std::array<std::pair<std::string_view, Namespace>, 6> kNamespaces = {{
    {"uts", NS_UTS}, {"mnt", NS_MNT}, {"pid", NS_PID}, {"ipc", NS_IPC}, {"cgroup", NS_CGROUP}, {"time", NS_TIME}}};
constexpr std::string_view kLimitKeys[] = {"cpus", "memory", "pids"};

bool from_defaults(const Located& at) { return at.pointer.starts_with(kDefaultsPointer); }

void read_kind(const NodeView& view, Node& n, Issues& issues) {
    Located at = view.get("kind");
    if (!at) return;
    auto kind = get_string(*at, at.pointer, issues);
    if (!kind) return;
    if (*kind == "host") {
        n.kind = NodeKind::Host;
    } else if (*kind == "router") {
        n.kind = NodeKind::Router;
    } else if (*kind == "switch") {
        // A default that turned every node into a bridge would leave nothing to attach to it.
        if (from_defaults(at))
            issues.add(at.pointer, "defaults apply to hosts and routers only; give \"kind\": \"switch\" to each switch itself");
        else
            n.kind = NodeKind::Switch;
    } else {
        issues.add(at.pointer, "unknown kind " + quote(*kind) + did_you_mean(*kind, kKinds, "kinds"));
    }
}

void read_namespaces(const NodeView& view, Node& n, Issues& issues) {
    Located at = view.get("namespaces");
    if (!at || !expect(*at, Want::Array, at.pointer, issues)) return;
    n.namespaces = 0;
    std::vector<std::string_view> names;
    for (const auto& [name, flag] : kNamespaces) names.push_back(name);
    for (std::size_t i = 0; i < at.value->size(); ++i) {
        std::string pointer = child(at.pointer, i);
        auto name = get_string((*at)[i], pointer, issues);
        if (!name) continue;
        auto it = std::find_if(kNamespaces.begin(), kNamespaces.end(), [&](const auto& ns) { return ns.first == *name; });
        if (*name == "net")
            issues.add(pointer, "\"net\" is always on (every node has its own network namespace); leave it out");
        else if (it == kNamespaces.end())
            issues.add(pointer, "unknown namespace " + quote(*name) + did_you_mean(*name, names, "namespaces"));
        else if (n.namespaces & it->second)
            issues.add(pointer, quote(*name) + " is listed twice");
        else
            n.namespaces |= it->second;
    }
}

void read_hostname(const NodeView& view, Node& n, Issues& issues) {
    Located at = view.get("hostname");
    if (!at) return;
    auto name = get_string(*at, at.pointer, issues);
    if (!name) return;
    if (auto problem = hostname_problem(*name)) {
        issues.add(at.pointer, *problem);
        return;
    }
    if (!(n.namespaces & NS_UTS)) {
        issues.add(at.pointer, "hostname needs the \"uts\" namespace, which node " + quote(n.name) + " does not have");
        return;
    }
    n.hostname = *name;
    n.hostname_explicit = true;
}

void read_loopback(const NodeView& view, Node& n, Draft& d) {
    Located at = view.get("loopback");
    if (!at || !expect(*at, Want::Array, at.pointer, d.issues)) return;
    if (n.kind == NodeKind::Switch && !at.value->empty()) {
        d.issues.add(at.pointer, "a switch has no addresses (it is a bridge); put them on the hosts and routers attached to it");
        return;
    }
    for (std::size_t i = 0; i < at.value->size(); ++i) {
        std::string pointer = child(at.pointer, i);
        if (auto p = read_cidr((*at)[i], pointer, d.issues, std::nullopt, Cidr::Loopback)) {
            n.loopback.push_back(*p);
            d.sites.push_back(AddressSite{*p, n.name + ":lo", pointer});
        }
    }
}

// `routes` and `rules`, which a switch has none of.
template <class T>
void read_routing(const NodeView& view, const Node& n, const char* key,
                  std::vector<T> (*read)(const ojson&, const std::string&, Issues&), std::vector<T>& out, Issues& issues) {
    Located at = view.get(key);
    if (!at) return;
    out = read(*at, at.pointer, issues);
    if (n.kind == NodeKind::Switch && !out.empty()) {
        issues.add(at.pointer, std::string("a switch has no ") + key + " (it is a bridge, not a router)");
        out.clear();
    }
}

// Only a switch is a bridge that can filter VLANs; a host or router makes VLANs with `vlan`
// interfaces.
void read_vlan_filtering(const NodeView& view, Node& n, Issues& issues) {
    Located at = view.get("vlan_filtering");
    if (!at) return;
    auto on = get_bool(*at, at.pointer, issues);
    if (!on) return;
    if (n.kind != NodeKind::Switch)
        issues.add(at.pointer, "only a switch takes \"vlan_filtering\"; on a host or router make VLANs with interfaces of kind \"vlan\"");
    else
        n.vlan_filtering = *on;
}

// Names the shell can export: no "=", nothing empty.
void read_env(const NodeView& view, Node& n, Issues& issues) {
    for (const auto& [name, at] : view.entries("env", issues)) {
        if (name.empty() || name.find('=') != std::string::npos || name.find('\0') != std::string::npos) {
            issues.add(at.pointer, "invalid environment variable name " + quote(name));
            continue;
        }
        if (auto value = get_string(*at, at.pointer, issues)) n.env.emplace_back(name, *value);
    }
}

void read_exec(const NodeView& view, Node& n, Issues& issues) {
    if (Located at = view.get("exec")) n.exec = get_strings(*at, at.pointer, issues);
}

void read_cpus(const Located& at, Limits& limits, Issues& issues) {
    const ojson& v = *at;
    // The quota is cpus x the period in microseconds, as a 64-bit integer: 1e308 would overflow it.
    constexpr double kMaxCpus = 4096;
    if (v.is_number() && v.get<double>() > 0 && v.get<double>() <= kMaxCpus)
        limits.cpus = v.get<double>();
    else
        issues.add(at.pointer, "expected a positive number of CPUs up to 4096 (0.5 is half a core), got " + shown(v));
}

void read_memory(const Located& at, Limits& limits, Issues& issues) {
    const ojson& v = *at;
    std::optional<std::uint64_t> bytes;
    if (v.is_number_unsigned() || (v.is_number_integer() && v.get<std::int64_t>() > 0))
        bytes = v.get<std::uint64_t>();
    else if (v.is_string())
        bytes = parse_size_bytes(v.get<std::string>());
    if (bytes && *bytes > 0)
        limits.memory = bytes;
    else
        issues.add(at.pointer, "expected a positive size: bytes, or a string such as \"128M\" or \"1G\", got " + shown(v));
}

void read_limits(const NodeView& view, Node& n, Issues& issues) {
    for (const auto& [key, at] : view.entries("limits", issues)) {
        if (key == "cpus")
            read_cpus(at, n.limits, issues);
        else if (key == "memory")
            read_memory(at, n.limits, issues);
        else if (key == "pids") {
            if (auto pids = get_int(*at, at.pointer, issues, 1, INT64_MAX)) n.limits.pids = static_cast<std::uint64_t>(*pids);
        } else
            issues.add(at.pointer, unknown_key(key, kLimitKeys));
    }
}

// "1000s", "-5s", "250ms" → nanoseconds. The kernel takes an offset per clock and refuses one
// that would make the clock negative, which it checks itself.
void read_time_offsets(const NodeView& view, Node& n, Issues& issues) {
    static constexpr std::string_view kClocks[] = {"monotonic", "boottime"};
    auto entries = view.entries("time_offsets", issues);
    if (entries.empty()) return;
    if (!(n.namespaces & NS_TIME)) {
        Located at = view.get("time_offsets");
        issues.add(at.pointer, "time_offsets needs the \"time\" namespace, which node " + quote(n.name) +
                                   " does not have (add \"time\" to its \"namespaces\")");
        return;
    }
    for (const auto& [clock, at] : entries) {
        if (clock != "monotonic" && clock != "boottime") {
            issues.add(at.pointer, unknown_key(clock, kClocks));
            continue;
        }
        const ojson& v = *at;
        std::optional<std::int64_t> ns;
        if (v.is_string()) {
            std::string text = v.get<std::string>();
            bool negative = !text.empty() && text[0] == '-';
            if (auto us = parse_duration_us(negative ? std::string_view(text).substr(1) : std::string_view(text)))
                if (*us < (std::uint64_t{1} << 52)) ns = (negative ? -1 : 1) * static_cast<std::int64_t>(*us) * 1000;
        }
        if (!ns) {
            issues.add(at.pointer, "expected a duration such as \"1000s\", \"-5s\" or \"250ms\", got " + shown(v));
            continue;
        }
        (clock == "monotonic" ? n.time_offsets.monotonic_ns : n.time_offsets.boottime_ns) = *ns;
    }
}

}  // namespace

Node read_node(const std::string& name, const NodeView& view, Draft& d) {
    Node n;
    n.name = name;
    n.hostname = name;
    n.pointer = view.pointer();
    read_kind(view, n, d.issues);
    read_namespaces(view, n, d.issues);
    read_hostname(view, n, d.issues);
    read_loopback(view, n, d);
    read_sysctls(view, n, d.issues);
    read_devices(view, n, d);
    read_routing(view, n, "routes", read_routes, n.routes, d.issues);
    read_routing(view, n, "rules", read_rules, n.rules, d.issues);
    read_vlan_filtering(view, n, d.issues);
    read_env(view, n, d.issues);
    read_paths(view, n, d.base_dir, d.issues);
    read_exec(view, n, d.issues);
    read_limits(view, n, d.issues);
    read_time_offsets(view, n, d.issues);
    return n;
}

}  // namespace nslab::topo::detail
