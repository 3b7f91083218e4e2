// `placement`: the machines a lab spreads over and which one runs each node. Read after the
// nodes, so names can be checked; nodes it leaves out are placed by plan::balance.
#include "topology/detail/build.hpp"
#include "topology/detail/devices.hpp"
#include "topology/detail/names.hpp"
#include "topology/detail/suggest.hpp"
#include "topology/partition.hpp"

namespace nslab::topo {

const PlacementHost* Placement::find(std::string_view host) const {
    for (const auto& h : hosts)
        if (h.name == host) return &h;
    return nullptr;
}

}  // namespace nslab::topo

namespace nslab::topo::detail {

namespace {

constexpr std::string_view kPlacementKeys[] = {"hosts", "nodes", "vni_base"};
constexpr std::string_view kHostKeys[] = {"address", "ssh", "ssh_options", "lab", "mtu"};

std::optional<PlacementHost> read_host(const std::string& name, const ojson& v, const std::string& pointer, Issues& issues) {
    if (auto problem = node_name_problem(name)) {
        issues.add(pointer, "host name " + quote(name) + ": " + *problem);
        return std::nullopt;
    }
    if (!expect(v, Want::Object, pointer, issues)) return std::nullopt;
    check_keys(v, pointer, kHostKeys, issues);
    PlacementHost h;
    h.name = name;
    h.pointer = pointer;
    if (!v.contains("address")) {
        issues.add(pointer, "missing \"address\" (the machine's underlay address, where the other machines' VXLAN reaches it)");
        return std::nullopt;
    }
    auto a = read_address(v["address"], child(pointer, "address"), issues);
    if (!a) return std::nullopt;
    if (a->len != a->max_len()) {
        issues.add(child(pointer, "address"), quote(a->str()) + " is not an IP address (without a prefix length)");
        return std::nullopt;
    }
    h.address = *a;
    if (v.contains("ssh"))
        if (auto s = get_string(v["ssh"], child(pointer, "ssh"), issues)) h.ssh = *s;
    if (v.contains("ssh_options")) h.ssh_options = get_strings(v["ssh_options"], child(pointer, "ssh_options"), issues);
    if (v.contains("lab"))
        if (auto s = get_string(v["lab"], child(pointer, "lab"), issues)) h.lab = *s;
    // VXLAN over IPv6 takes 70 bytes of each frame; below 1350 a lab link could not carry 1280.
    if (v.contains("mtu"))
        if (auto m = get_int(v["mtu"], child(pointer, "mtu"), issues, 1350, 65535)) h.mtu = static_cast<std::uint32_t>(*m);
    return h;
}

}  // namespace

void read_placement(const ojson& doc, Draft& d) {
    if (!doc.contains("placement")) return;
    const ojson& p = doc["placement"];
    const std::string at = "/placement";
    if (!expect(p, Want::Object, at, d.issues)) return;
    check_keys(p, at, kPlacementKeys, d.issues);
    Placement pl;
    pl.node_host.assign(d.model.nodes.size(), "");
    if (!p.contains("hosts")) {
        d.issues.add(at, "missing \"hosts\" (the machines the lab spreads over)");
        return;
    }
    const ojson& hosts = p["hosts"];
    if (expect(hosts, Want::Object, child(at, "hosts"), d.issues)) {
        for (const auto& [name, v] : hosts.items())
            if (auto h = read_host(name, v, child(child(at, "hosts"), name), d.issues)) pl.hosts.push_back(std::move(*h));
        if (hosts.empty()) d.issues.add(child(at, "hosts"), "no hosts: name at least one machine");
        for (std::size_t i = 0; i < pl.hosts.size(); ++i)
            for (std::size_t j = 0; j < i; ++j)
                if (pl.hosts[i].address == pl.hosts[j].address)
                    d.issues.add(child(pl.hosts[i].pointer, "address"),
                                 pl.hosts[i].address.addr_str() + " is already the address of host " + quote(pl.hosts[j].name));
    }
    std::vector<std::string_view> host_names;
    for (const auto& h : pl.hosts) host_names.push_back(h.name);
    if (p.contains("nodes") && expect(p["nodes"], Want::Object, child(at, "nodes"), d.issues)) {
        std::vector<std::string_view> node_names;
        for (const auto& n : d.model.nodes) node_names.push_back(n.name);
        for (const auto& [node, host] : p["nodes"].items()) {
            const std::string where = child(child(at, "nodes"), node);
            auto i = d.model.index_of(node);
            if (!i) {
                d.issues.add(where, "unknown node " + quote(node) + did_you_mean(node, node_names, "nodes"));
                continue;
            }
            auto h = get_string(host, where, d.issues);
            if (!h) continue;
            if (!pl.find(*h)) {
                d.issues.add(where, "node " + quote(node) + " is placed on unknown host " + quote(*h) + did_you_mean(*h, host_names, "hosts"));
                continue;
            }
            pl.node_host[*i] = *h;
        }
    }
    if (p.contains("vni_base"))
        if (auto v = get_int(p["vni_base"], child(at, "vni_base"), d.issues, 1, 16777215)) pl.vni_base = static_cast<std::uint32_t>(*v);
    if (!d.issues.empty()) return;
    balance(pl, d.model);
    d.model.placement = std::move(pl);
    // The kernel's netem on a VXLAN end would impair only one direction's half; not yet.
    for (const auto& c : crossings(d.model))
        if (!d.model.links[c.link].netem.empty())
            d.issues.add(d.model.links[c.link].pointer + "/netem",
                         "a link between two machines (" + c.host[0] + " and " + c.host[1] +
                             ") cannot be impaired yet; place both ends on one machine");
}

}  // namespace nslab::topo::detail
