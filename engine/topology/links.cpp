// `links`: each becomes a Link and one Interface on each of its two nodes. Read in two passes,
// since naming a switch's automatic ports needs every name given explicitly on that switch,
// later links included.
#include <algorithm>
#include <map>
#include <set>
#include <unordered_map>

#include "topology/detail/build.hpp"
#include "topology/detail/names.hpp"
#include "topology/detail/suggest.hpp"

namespace nslab::topo::detail {

namespace {

constexpr std::string_view kLinkKeys[] = {"endpoints", "ipv4", "ipv6", "mtu", "netem", "up"};
constexpr std::string_view kEndpointKeys[] = {"node", "iface", "ipv4", "ipv6", "mac", "up", "vrf", "pvid", "vlans"};

struct Address {
    net::Prefix addr;
    std::string pointer;
};

struct End {
    std::optional<std::size_t> node;  // unset when the endpoint could not be read
    std::string iface;                // empty: a switch port, named automatically
    std::vector<Address> addrs;       // the link's "ipv4"/"ipv6" entries, then the endpoint's own
    std::vector<Address> own_addrs;   // an endpoint object's, until appended to addrs
    std::optional<net::Mac> mac;
    std::string mac_pointer;
    bool up = true;                   // an endpoint object's own "up"
    std::string vrf;                  // an endpoint object's "vrf"
    std::optional<std::uint16_t> pvid;  // an endpoint object's "pvid" and "vlans"
    std::vector<std::uint16_t> vlans;
    std::string pointer;              // "/links/3/endpoints/1"
};

struct Pending {
    Link link;
    End ends[2];
};

// (node, interface) -> the endpoint that has it. Hashed: a switch with 100,000 ports asks
// about each port name at least twice.
struct EndHash {
    std::size_t operator()(const std::pair<std::size_t, std::string>& k) const {
        return std::hash<std::string>{}(k.second) ^ (k.first * 0x9e3779b97f4a7c15ULL);
    }
};
using UsedEnds = std::unordered_map<std::pair<std::size_t, std::string>, const std::string*, EndHash>;

class LinkReader {
public:
    explicit LinkReader(Draft& d) : d_(d), suggest_(names(d.model)) {
        for (std::size_t i = 0; i < d.model.nodes.size(); ++i) node_index_.emplace(d.model.nodes[i].name, i);
    }

    void read(const ojson& links) {
        if (!expect(links, Want::Array, "/links", d_.issues)) return;
        pending_.reserve(links.size());
        for (std::size_t i = 0; i < links.size(); ++i) read_link(links[i], child("/links", i));
        attach();
    }

private:
    Draft& d_;
    // Every endpoint looks its node up, and every unknown one asks for a suggestion: neither
    // may cost a pass over the nodes (10,000 unknown endpoints took 100 s).
    std::unordered_map<std::string_view, std::size_t> node_index_;
    Suggester suggest_;
    std::vector<Pending> pending_;

    static std::vector<std::string_view> names(const Model& m) {
        std::vector<std::string_view> out;
        for (const Node& n : m.nodes) out.push_back(n.name);
        return out;
    }

    bool is_switch(std::size_t node) const { return d_.model.nodes[node].kind == NodeKind::Switch; }

    void read_link(const ojson& v, const std::string& pointer) {
        if (!expect(v, Want::Object, pointer, d_.issues)) return;
        check_keys(v, pointer, kLinkKeys, d_.issues);
        Pending p;
        p.link.pointer = pointer;
        bool ends_ok = read_endpoints(v, pointer, p);
        read_link_addresses(v, "ipv4", net::Family::V4, pointer, p);
        read_link_addresses(v, "ipv6", net::Family::V6, pointer, p);
        for (End& e : p.ends) e.addrs.insert(e.addrs.end(), e.own_addrs.begin(), e.own_addrs.end());
        if (v.contains("mtu"))
            if (auto mtu = get_int(v["mtu"], child(pointer, "mtu"), d_.issues, 68, 65535))
                p.link.mtu = static_cast<std::uint32_t>(*mtu);
        if (v.contains("netem")) p.link.netem = read_netem(v["netem"], child(pointer, "netem"), d_.issues);
        if (v.contains("up")) p.link.up = get_bool(v["up"], child(pointer, "up"), d_.issues).value_or(true);
        if (!ends_ok) return;
        for (const End& e : p.ends) refuse_switch_addresses(e);
        pending_.push_back(std::move(p));
    }

    bool read_endpoints(const ojson& v, const std::string& pointer, Pending& p) {
        if (!v.contains("endpoints")) {
            d_.issues.add(pointer, "missing \"endpoints\" (two of them, e.g. [\"h1:eth0\", \"r1:eth1\"])");
            return false;
        }
        std::string at = child(pointer, "endpoints");
        const ojson& ends = v["endpoints"];
        if (!expect(ends, Want::Array, at, d_.issues)) return false;
        if (ends.size() != 2) {
            d_.issues.add(at, "a link has exactly two endpoints, got " + std::to_string(ends.size()));
            return false;
        }
        bool ok = true;
        for (std::size_t j = 0; j < 2; ++j) {
            p.ends[j].pointer = child(at, j);
            ok = read_endpoint(ends[j], p.ends[j]) && ok;
        }
        return ok;
    }

    // What an endpoint names, and where, before it is checked against the nodes.
    struct Ref {
        std::string node, iface;
        bool has_iface = false;
        std::string node_at, iface_at;
    };

    bool read_endpoint(const ojson& v, End& e) {
        std::optional<Ref> ref;
        if (v.is_string())
            ref = read_short_form(v.get<std::string>(), e);
        else if (v.is_object())
            ref = read_object_form(v, e);
        else
            d_.issues.add(e.pointer, std::string("expected an endpoint (\"h1:eth0\" or an object), got ") + type_name(v));
        if (!ref || !resolve(*ref, e)) return false;
        check_port_vlans(e, v);
        return true;
    }

    // "node:iface", or for a switch "switch" (a port named automatically) or "switch:port".
    std::optional<Ref> read_short_form(const std::string& s, const End& e) {
        if (s.empty()) {
            d_.issues.add(e.pointer, "expected an endpoint such as \"h1:eth0\" or, for a switch, \"s1\"");
            return std::nullopt;
        }
        auto colon = s.find(':');
        Ref r{.node = s.substr(0, colon), .node_at = e.pointer, .iface_at = e.pointer};
        r.has_iface = colon != std::string::npos;
        if (r.has_iface) r.iface = s.substr(colon + 1);
        return r;
    }

    // {"node", "iface", "ipv4", "ipv6", "mac"}; "iface" may be left out for a switch.
    std::optional<Ref> read_object_form(const ojson& v, End& e) {
        check_keys(v, e.pointer, kEndpointKeys, d_.issues);
        Ref r{.node_at = child(e.pointer, "node"), .iface_at = child(e.pointer, "iface")};
        if (v.contains("ipv4")) read_addresses(v["ipv4"], child(e.pointer, "ipv4"), net::Family::V4, e.own_addrs);
        if (v.contains("ipv6")) read_addresses(v["ipv6"], child(e.pointer, "ipv6"), net::Family::V6, e.own_addrs);
        if (v.contains("mac")) read_mac(v["mac"], child(e.pointer, "mac"), e);
        if (v.contains("up")) e.up = get_bool(v["up"], child(e.pointer, "up"), d_.issues).value_or(true);
        if (v.contains("vrf")) e.vrf = get_string(v["vrf"], child(e.pointer, "vrf"), d_.issues).value_or("");
        read_port_vlans(v, e);
        if (!v.contains("node")) {
            d_.issues.add(e.pointer, "missing \"node\"");
            return std::nullopt;
        }
        auto node = get_string(v["node"], r.node_at, d_.issues);
        auto iface = v.contains("iface") ? get_string(v["iface"], r.iface_at, d_.issues) : std::string();
        if (!node || !iface) return std::nullopt;
        r.node = *node;
        r.iface = *iface;
        r.has_iface = v.contains("iface");
        return r;
    }

    // A VLAN id: 0 and 4095 are reserved by 802.1Q.
    std::optional<std::uint16_t> read_vlan_id(const ojson& v, const std::string& pointer) {
        if (v.is_number_integer() && (v.get<std::int64_t>() == 0 || v.get<std::int64_t>() == 4095)) {
            d_.issues.add(pointer, "VLAN id " + shown(v) + " is reserved; use 1 to 4094");
            return std::nullopt;
        }
        auto id = get_int(v, pointer, d_.issues, 1, 4094);
        return id ? std::optional<std::uint16_t>(static_cast<std::uint16_t>(*id)) : std::nullopt;
    }

    void read_port_vlans(const ojson& v, End& e) {
        if (v.contains("pvid")) e.pvid = read_vlan_id(v["pvid"], child(e.pointer, "pvid"));
        if (!v.contains("vlans")) return;
        const std::string at = child(e.pointer, "vlans");
        if (!expect(v["vlans"], Want::Array, at, d_.issues)) return;
        for (std::size_t k = 0; k < v["vlans"].size(); ++k) {
            const std::string ak = child(at, k);
            auto id = read_vlan_id(v["vlans"][k], ak);
            if (!id) continue;
            // A port carries a VLAN either untagged (its pvid) or tagged, once.
            if (std::find(e.vlans.begin(), e.vlans.end(), *id) != e.vlans.end())
                d_.issues.add(ak, "VLAN " + std::to_string(*id) + " is listed twice");
            else if (e.pvid == id)
                d_.issues.add(ak, "VLAN " + std::to_string(*id) + " is already this port's \"pvid\" (untagged); a port carries a VLAN untagged or tagged, not both");
            else
                e.vlans.push_back(*id);
        }
    }

    // pvid and vlans belong to the ports of a VLAN-aware switch.
    void check_port_vlans(const End& e, const ojson& v) {
        if (!v.is_object() || (!v.contains("pvid") && !v.contains("vlans"))) return;
        const Node& n = d_.model.nodes[*e.node];
        const std::string at = child(e.pointer, v.contains("pvid") ? "pvid" : "vlans");
        if (n.kind != NodeKind::Switch)
            d_.issues.add(at, "\"pvid\" and \"vlans\" are for ports of a switch with \"vlan_filtering\": true; " + quote(n.name) +
                                  " is a " + to_string(n.kind) + " (give it an interface of kind \"vlan\" instead)");
        else if (!n.vlan_filtering)
            d_.issues.add(at, "\"pvid\" and \"vlans\" need a VLAN-aware switch: give switch " + quote(n.name) +
                                  " \"vlan_filtering\": true (" + n.pointer + ")");
    }

    bool resolve(const Ref& r, End& e) {
        auto found = node_index_.find(r.node);
        if (found == node_index_.end()) {
            d_.issues.add(r.node_at, "unknown node " + quote(r.node) + suggest_.did_you_mean(r.node, "nodes"));
            return false;
        }
        std::optional<std::size_t> node = found->second;
        if (r.has_iface) {
            if (auto problem = ifname_problem(r.iface)) {
                d_.issues.add(r.iface_at, *problem);
                return false;
            }
        } else if (!is_switch(*node)) {
            d_.issues.add(e.pointer, "the endpoint on " + std::string(to_string(d_.model.nodes[*node].kind)) + " " +
                                         quote(r.node) + " needs an interface: " + quote(r.node + ":eth0"));
            return false;
        }
        e.node = node;
        e.iface = r.iface;
        return true;
    }

    // A CIDR string, a list of them, or null (no address).
    void read_addresses(const ojson& v, const std::string& pointer, net::Family family, std::vector<Address>& out) {
        auto one = [&](const ojson& x, const std::string& at) {
            if (auto p = read_cidr(x, at, d_.issues, family, Cidr::Interface)) out.push_back(Address{*p, at});
        };
        if (v.is_null()) return;
        if (v.is_array()) {
            for (std::size_t k = 0; k < v.size(); ++k) one(v[k], child(pointer, k));
        } else if (v.is_string()) {
            one(v, pointer);
        } else {
            d_.issues.add(pointer, std::string("expected an address, a list of addresses or null, got ") + type_name(v));
        }
    }

    void read_link_addresses(const ojson& v, const char* key, net::Family family, const std::string& pointer,
                             Pending& p) {
        if (!v.contains(key)) return;
        std::string at = child(pointer, key);
        const ojson& list = v[key];
        if (!expect(list, Want::Array, at, d_.issues)) return;
        if (list.size() != 2) {
            d_.issues.add(at, "expected two entries, one per endpoint (null for none), got " + std::to_string(list.size()));
            return;
        }
        for (std::size_t j = 0; j < 2; ++j) read_addresses(list[j], child(at, j), family, p.ends[j].addrs);
    }

    void read_mac(const ojson& v, const std::string& pointer, End& e) {
        auto text = get_string(v, pointer, d_.issues);
        if (!text) return;
        auto mac = net::parse_mac(*text);
        if (!mac)
            d_.issues.add(pointer, quote(*text) + " is not a MAC address like \"02:00:00:00:00:01\"");
        else if ((*mac)[0] & 1)
            d_.issues.add(pointer, quote(*text) + " is a multicast MAC; an interface needs a unicast one (even first byte)");
        else if (std::all_of(mac->begin(), mac->end(), [](auto b) { return b == 0; }))
            d_.issues.add(pointer, quote(*text) + " is all zeros; an interface needs a real MAC");
        else {
            e.mac = mac;
            e.mac_pointer = pointer;
        }
    }

    void refuse_switch_addresses(const End& e) {
        if (!is_switch(*e.node)) return;
        for (const Address& a : e.addrs)
            d_.issues.add(a.pointer, quote(d_.model.nodes[*e.node].name) +
                                         " is a switch: its ports have no address; put it on the host or router end");
    }

    // Second pass: port names, interface and MAC uniqueness, and the interfaces themselves.
    void attach() {
        std::map<std::size_t, std::set<std::string>> explicit_ports;
        for (const Pending& p : pending_)
            for (const End& e : p.ends)
                if (is_switch(*e.node) && !e.iface.empty()) explicit_ports[*e.node].insert(e.iface);

        UsedEnds used;
        std::map<net::Mac, std::string> macs;
        std::map<std::size_t, std::size_t> ports;                           // switch -> ports so far
        for (Pending& p : pending_) {
            bool ok = true;
            for (End& e : p.ends) {
                if (is_switch(*e.node)) {
                    std::size_t ordinal = ++ports[*e.node];
                    if (e.iface.empty()) e.iface = port_name(*e.node, ordinal, explicit_ports[*e.node], used);
                }
                auto [it, fresh] = used.emplace(std::make_pair(*e.node, e.iface), &e.pointer);
                if (!fresh) {
                    d_.issues.add(e.pointer, quote(d_.model.nodes[*e.node].name + ":" + e.iface) + " is already used by " +
                                                 *it->second);
                    ok = false;
                }
                if (e.mac) {
                    auto [m, new_mac] = macs.emplace(*e.mac, e.mac_pointer);
                    if (!new_mac) d_.issues.add(e.mac_pointer, "MAC " + net::mac_str(*e.mac) + " is already used by " + m->second);
                }
            }
            if (ok) add_link(p);
        }
    }

    // Port k of a switch (counting its ports in link order) is "p<k>", or the next "p<n>"
    // that no explicitly named port of that switch already has.
    std::string port_name(std::size_t node, std::size_t ordinal, const std::set<std::string>& taken,
                          const UsedEnds& used) const {
        for (std::size_t k = ordinal;; ++k) {
            std::string name = "p" + std::to_string(k);
            if (!taken.count(name) && !used.count({node, name})) return name;
        }
    }

    void add_link(Pending& p) {
        if (d_.model.links.empty()) d_.model.links.reserve(pending_.size());
        std::size_t index = d_.model.links.size();
        for (int j = 0; j < 2; ++j) {
            End& e = p.ends[j];
            Node& node = d_.model.nodes[*e.node];
            Interface iface{.name = e.iface, .mac = e.mac, .link = index, .end = j, .vrf = e.vrf, .pvid = e.pvid,
                            .vlans = e.vlans, .pointer = e.pointer};
            for (const Address& a : e.addrs) {
                iface.addrs.push_back(a.addr);
                d_.sites.push_back(AddressSite{a.addr, node.name + ":" + e.iface, a.pointer});
            }
            // IPv4 first, then IPv6, each in the order written.
            std::stable_partition(iface.addrs.begin(), iface.addrs.end(),
                                  [](const net::Prefix& a) { return a.family == net::Family::V4; });
            node.interfaces.push_back(std::move(iface));
            p.link.ends[j] = Endpoint{*e.node, e.iface, e.up};
        }
        d_.model.links.push_back(std::move(p.link));
    }
};

}  // namespace

void read_links(const ojson& doc, Draft& d) {
    if (doc.contains("links")) LinkReader(d).read(doc["links"]);
}

}  // namespace nslab::topo::detail
