// Auto-addressing (TOPOLOGY.md "addressing"). The rule, stated here so users can predict every
// address it hands out:
//
//  - A segment is one point-to-point link (neither end a switch), or a switch segment: every
//    switch joined to another by a link belongs to the same one, with all links touching them.
//    Its ports are the link ends on hosts and routers, in link order.
//  - Segments are served in the order of their first link, IPv4 and IPv6 independently. A
//    segment none of whose ports has an address of the family gets the next subnet of the pool:
//    IPv4 a /30 per point-to-point link, and per switch segment the smallest subnet of at least
//    a /24 that holds its ports (300 ports: a /23); IPv6 always a /64. Its ports get the
//    subnet's 1st, 2nd, ... addresses in order (.1 and .2 on a point-to-point link).
//  - Subnets are aligned to their size and handed out in increasing order, so a /24 after a /30
//    leaves a gap that is never filled; a subnet that overlaps an address written in the file
//    (the whole prefix it was written with, loopbacks included) is skipped.
//  - A segment where some ports have an address of the family written in the file: the others
//    join the subnet of the first written one (in link order), taking its lowest free addresses.
#include <algorithm>
#include <array>
#include <map>
#include <set>

#include "topology/detail/build.hpp"
#include "topology/detail/devices.hpp"
#include "topology/detail/disjoint_sets.hpp"

namespace nslab::topo::detail {

namespace {

// IPv6 pools span more than 64 bits of subnet numbers.
__extension__ typedef unsigned __int128 u128;

u128 to_int(const net::Prefix& p) {
    u128 v = 0;
    for (std::size_t i = 0; i < p.size(); ++i) v = v << 8 | p.bytes[i];
    return v;
}

net::Prefix from_int(u128 v, net::Family family, int len) {
    net::Prefix p{.family = family, .len = len};
    for (std::size_t i = p.size(); i-- > 0; v >>= 8) p.bytes[i] = static_cast<std::uint8_t>(v & 0xff);
    return p;
}

// 2^bits, saturating where 2^128 does not fit.
u128 span(int bits) { return bits >= 128 ? ~u128{0} : u128{1} << bits; }

class Pool {
public:
    Pool(const net::Prefix& base, std::vector<net::Prefix> written)
        : base_(base), start_(to_int(base.network())), size_(span(base.max_len() - base.len)),
          written_(std::move(written)) {}

    std::optional<net::Prefix> take(int len) {
        if (len < base_.len) return std::nullopt;
        const u128 block = span(base_.max_len() - len);
        for (;;) {
            next_ = (next_ + block - 1) / block * block;
            if (next_ >= size_ || size_ - next_ < block) return std::nullopt;
            net::Prefix candidate = from_int(start_ + next_, base_.family, len);
            auto hit = std::find_if(written_.begin(), written_.end(),
                                    [&](const net::Prefix& w) { return w.overlaps(candidate); });
            if (hit == written_.end()) {
                next_ += block;
                return candidate;
            }
            // Jump past the written prefix at once: it may cover a great many blocks.
            u128 last = to_int(hit->network()) + (span(hit->max_len() - hit->len) - 1);
            if (last - start_ >= size_ - 1) return std::nullopt;
            next_ = std::max(next_ + block, last - start_ + 1);
        }
    }

private:
    net::Prefix base_;
    u128 start_, size_, next_ = 0;
    std::vector<net::Prefix> written_;
};

struct Port {
    std::size_t node, iface;  // indices into Model::nodes and that node's interfaces
    std::string pointer;      // the endpoint
};

struct Segment {
    bool switched = false;
    std::string first_link;
    std::vector<Port> ports;
};

class Addresser {
public:
    explicit Addresser(Draft& d) : d_(d) {
        for (const AddressSite& s : d.sites) used_.insert(s.addr.addr_str());
        find_segments();
    }

    void assign(const std::optional<net::Prefix>& base, const char* pointer) {
        if (!base) return;
        std::vector<net::Prefix> written;
        for (const AddressSite& s : d_.sites)
            if (s.addr.family == base->family) written.push_back(s.addr.network());
        Pool pool(*base, std::move(written));
        for (const Segment& s : segments_)
            if (!assign(s, base->family, pool)) {
                d_.issues.add(pointer, base->str() + " has no room left for the " +
                                           (s.switched ? "switch segment of " : "point-to-point link ") + s.first_link +
                                           " (subnets go in link order, skipping those that overlap addresses written in the file)");
                return;
            }
    }

private:
    Draft& d_;
    std::vector<Segment> segments_;
    std::set<std::string> used_;  // every address of the lab, as text

    bool is_switch(std::size_t node) const { return d_.model.nodes[node].kind == NodeKind::Switch; }
    Interface& iface(const Port& p) { return d_.model.nodes[p.node].interfaces[p.iface]; }

    void find_segments() {
        const Model& m = d_.model;
        DisjointSets switches(m.nodes.size());
        for (const Link& l : m.links)
            if (is_switch(l.ends[0].node) && is_switch(l.ends[1].node)) switches.join(l.ends[0].node, l.ends[1].node);
        std::map<std::size_t, std::size_t> segment_of;  // switch set -> segment
        // Which interface each link end became: searching a node's interfaces for it would
        // make a hub with thousands of links quadratic.
        std::vector<std::array<std::size_t, 2>> iface_of(m.links.size());
        for (const Node& n : m.nodes)
            for (std::size_t k = 0; k < n.interfaces.size(); ++k)
                iface_of[n.interfaces[k].link][static_cast<std::size_t>(n.interfaces[k].end)] = k;
        for (std::size_t li = 0; li < m.links.size(); ++li) {
            const Link& l = m.links[li];
            bool switched = is_switch(l.ends[0].node) || is_switch(l.ends[1].node);
            std::size_t s = segments_.size();
            if (switched) {
                std::size_t sw = is_switch(l.ends[0].node) ? l.ends[0].node : l.ends[1].node;
                s = segment_of.emplace(switches.find(sw), segments_.size()).first->second;
            }
            if (s == segments_.size()) segments_.push_back(Segment{switched, l.pointer, {}});
            for (int j = 0; j < 2; ++j) {
                std::size_t node = l.ends[j].node;
                if (is_switch(node)) continue;
                // A bond member's addresses are its bond's.
                if (is_bond_member(m.nodes[node], m.nodes[node].interfaces[iface_of[li][static_cast<std::size_t>(j)]].name)) continue;
                segments_[s].ports.push_back(Port{node, iface_of[li][static_cast<std::size_t>(j)],
                                                  child(child(l.pointer, "endpoints"), static_cast<std::size_t>(j))});
            }
        }
    }

    static int switch_subnet_len(std::size_t ports) {
        int host_bits = 8;
        while ((std::size_t{1} << host_bits) - 2 < ports) ++host_bits;
        return 32 - host_bits;
    }

    // False only when the pool is exhausted.
    bool assign(const Segment& s, net::Family family, Pool& pool) {
        auto first_of_family = [&](const Port& p) {
            const auto& a = iface(p).addrs;
            return std::find_if(a.begin(), a.end(), [&](const net::Prefix& x) { return x.family == family; });
        };
        std::vector<const Port*> missing;
        std::optional<net::Prefix> written;
        for (const Port& p : s.ports) {
            auto it = first_of_family(p);
            if (it == iface(p).addrs.end())
                missing.push_back(&p);
            else if (!written)
                written = *it;
        }
        if (missing.empty()) return true;
        if (written) {
            for (const Port* p : missing) join(*p, written->network());
            return true;
        }
        int len = family == net::Family::V6 ? 64 : s.switched ? switch_subnet_len(s.ports.size()) : 30;
        auto subnet = pool.take(len);
        if (!subnet) return false;
        for (std::size_t k = 0; k < missing.size(); ++k) give(*missing[k], subnet->host(k + 1));
        return true;
    }

    // The lowest address of `subnet` that is free and may sit on an interface.
    void join(const Port& p, const net::Prefix& subnet) {
        const u128 size = span(subnet.max_len() - subnet.len);
        const bool v4_ends = subnet.family == net::Family::V4 && subnet.len <= 30;  // network, broadcast
        const bool v6_anycast = subnet.family == net::Family::V6 && subnet.len <= 126;  // subnet-router
        u128 first = (v4_ends || v6_anycast) ? 1 : 0;
        u128 last = v4_ends ? size - 2 : size - 1;
        // Some address past the used ones is free: no need to walk a /64 to its end.
        u128 bound = std::min<u128>(last, first + used_.size());
        for (u128 k = first; k <= bound; ++k) {
            net::Prefix a = subnet.host(static_cast<std::uint64_t>(k));
            if (!used_.count(a.addr_str())) return give(p, a);
        }
        d_.issues.add(p.pointer, "no free address left in " + subnet.str() + " for " +
                                     d_.model.nodes[p.node].name + ":" + iface(p).name);
    }

    void give(const Port& p, const net::Prefix& a) {
        Interface& i = iface(p);
        i.addrs.push_back(a);
        std::stable_partition(i.addrs.begin(), i.addrs.end(), [](const net::Prefix& x) { return x.family == net::Family::V4; });
        used_.insert(a.addr_str());
        d_.sites.push_back(AddressSite{a, d_.model.nodes[p.node].name + ":" + i.name, p.pointer, true});
    }
};

}  // namespace

void assign_addresses(Draft& d) {
    if (!d.model.addressing_v4 && !d.model.addressing_v6) return;
    Addresser a(d);
    a.assign(d.model.addressing_v4, "/addressing/ipv4");
    a.assign(d.model.addressing_v6, "/addressing/ipv6");
}

}  // namespace nslab::topo::detail
