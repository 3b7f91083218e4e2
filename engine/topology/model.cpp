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
                                           {DeviceKind::Vxlan, "vxlan", "vxlan"},       {DeviceKind::Tap, "tap", "tun"}};
const DeviceKindInfo* info(DeviceKind k) {
    for (const auto& i : kDeviceKinds)
        if (i.kind == k) return &i;
    return nullptr;
}
}  // namespace

const char* to_string(DeviceKind k) { return info(k) ? info(k)->name : "?"; }
const char* module_of(DeviceKind k) { return info(k) ? info(k)->module : "?"; }

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

std::optional<std::size_t> Model::index_of(std::string_view node) const {
    for (std::size_t i = 0; i < nodes.size(); ++i)
        if (nodes[i].name == node) return i;
    return std::nullopt;
}

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
