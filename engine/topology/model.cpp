#include "topology/model.hpp"

namespace nslab::topo {

const char* to_string(NodeKind k) {
    switch (k) {
        case NodeKind::Host: return "host";
        case NodeKind::Router: return "router";
        case NodeKind::Switch: return "switch";
    }
    return "?";
}

namespace {
struct DeviceKindInfo {
    DeviceKind kind;
    const char* name;
    const char* module;
};
constexpr DeviceKindInfo kDeviceKinds[] = {{DeviceKind::Dummy, "dummy", "dummy"},       {DeviceKind::Vrf, "vrf", "vrf"},
                                           {DeviceKind::Vlan, "vlan", "8021q"},         {DeviceKind::Macvlan, "macvlan", "macvlan"},
                                           {DeviceKind::Vxlan, "vxlan", "vxlan"},       {DeviceKind::Tap, "tap", "tun"},
                                           {DeviceKind::Bond, "bond", "bonding"},       {DeviceKind::Gre, "gre", "ip_gre"},
                                           {DeviceKind::Gretap, "gretap", "ip_gre"},    {DeviceKind::Ipip, "ipip", "ipip"},
                                           {DeviceKind::Ip6gre, "ip6gre", "ip6_gre"},   {DeviceKind::Ip6tnl, "ip6tnl", "ip6_tunnel"},
                                           {DeviceKind::Sit, "sit", "sit"},             {DeviceKind::Wireguard, "wireguard", "wireguard"}};
const DeviceKindInfo* info(DeviceKind k) {
    for (const auto& i : kDeviceKinds)
        if (i.kind == k) return &i;
    return nullptr;
}
}  // namespace

const char* to_string(DeviceKind k) { return info(k) ? info(k)->name : "?"; }
const char* module_of(DeviceKind k) { return info(k) ? info(k)->module : "?"; }

std::optional<DeviceKind> device_kind(std::string_view name) {
    for (const auto& i : kDeviceKinds)
        if (name == i.name) return i.kind;
    return std::nullopt;
}

std::vector<std::string_view> device_kind_names() {
    std::vector<std::string_view> names;
    for (const auto& i : kDeviceKinds) names.push_back(i.name);
    return names;
}

bool is_tunnel(DeviceKind k) {
    switch (k) {
        case DeviceKind::Gre:
        case DeviceKind::Gretap:
        case DeviceKind::Ipip:
        case DeviceKind::Ip6gre:
        case DeviceKind::Ip6tnl:
        case DeviceKind::Sit: return true;
        default: return false;
    }
}

net::Family underlay_family(DeviceKind k) {
    return k == DeviceKind::Ip6gre || k == DeviceKind::Ip6tnl ? net::Family::V6 : net::Family::V4;
}

const Device* Node::find_device(std::string_view ifname) const {
    for (const Device& d : devices)
        if (d.name == ifname) return &d;
    return nullptr;
}

const Interface* Node::find_interface(std::string_view ifname) const {
    for (const Interface& i : interfaces)
        if (i.name == ifname) return &i;
    return nullptr;
}

NodeIndex& NodeIndex::operator=(const NodeIndex&) {
    std::lock_guard<std::mutex> lock(mu_);
    map_.clear();
    return *this;
}

NodeIndex& NodeIndex::operator=(NodeIndex&&) noexcept {
    std::lock_guard<std::mutex> lock(mu_);
    map_.clear();
    return *this;
}

std::optional<std::size_t> NodeIndex::find(const std::vector<Node>& nodes, std::string_view name) const {
    constexpr std::size_t kSmall = 32;  // a scan is as quick, and needs no lock
    if (nodes.size() <= kSmall) {
        for (std::size_t i = 0; i < nodes.size(); ++i)
            if (nodes[i].name == name) return i;
        return std::nullopt;
    }
    std::lock_guard<std::mutex> lock(mu_);
    auto hit = [&]() -> std::optional<std::size_t> {
        auto it = map_.find(std::string(name));
        if (it != map_.end() && it->second < nodes.size() && nodes[it->second].name == name) return it->second;
        return std::nullopt;
    };
    if (auto i = hit()) return i;
    map_.clear();
    map_.reserve(nodes.size());
    for (std::size_t i = 0; i < nodes.size(); ++i) map_.emplace(nodes[i].name, i);
    return hit();
}

std::optional<std::size_t> Model::index_of(std::string_view node) const { return node_index.find(nodes, node); }

const Node* Model::find(std::string_view node) const {
    auto i = index_of(node);
    return i ? &nodes[*i] : nullptr;
}

std::string Model::endpoint_name(const Endpoint& e) const { return nodes.at(e.node).name + ":" + e.iface; }

namespace {
// One issue a line, "<source>: <pointer>: <message>", so an editor can jump to each.
std::string describe(const std::string& source, const std::vector<Issue>& issues) {
    if (issues.empty()) return source + ": invalid topology";
    std::string s;
    for (const Issue& i : issues) {
        if (!s.empty()) s += '\n';
        s += source + ": ";
        if (!i.pointer.empty()) s += i.pointer + ": ";
        s += i.message;
    }
    return s;
}
}  // namespace

TopologyError::TopologyError(std::string source, std::vector<Issue> issues)
    : std::runtime_error(describe(source, issues)), source_(std::move(source)), issues_(std::move(issues)) {}

}  // namespace nslab::topo
