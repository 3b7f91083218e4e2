#include "plan/messages.hpp"

namespace nslab::plan {

namespace {

nl::VethEnd veth_end(const VethEnd& e, int netns_fd) {
    nl::VethEnd v;
    v.name = e.name;
    v.ifindex = e.ifindex;
    v.netns_fd = netns_fd;
    v.mtu = e.mtu;
    v.mac = e.mac;
    return v;
}

struct ToMessage {
    const Step& step;
    const NetnsOf& netns;

    std::optional<nl::Message> operator()(const Bridge& b) const {
        return nl::new_bridge(b.name, true, step.what, b.ifindex, b.vlan_filtering);
    }
    std::optional<nl::Message> operator()(const Veth& v) const {
        nl::VethEnd self = veth_end(v.self, -1);
        self.up = v.up;
        return nl::new_veth(self, veth_end(v.peer, netns(v.peer_in)), v.master, step.what);
    }
    std::optional<nl::Message> operator()(const SetLink& s) const {
        nl::LinkChange c;
        c.ifindex = s.ifindex;
        c.name = s.name;
        c.up = s.up;
        c.master = s.master;
        c.mtu = s.mtu;
        c.mac = s.mac;
        return nl::set_link(c, step.what);
    }
    std::optional<nl::Message> operator()(const PortVlans& p) const { return nl::port_vlans(p.ifindex, p.add, p.vlans, step.what); }
    std::optional<nl::Message> operator()(const Rule& r) const { return nl::new_rule(r.spec, step.what); }
    std::optional<nl::Message> operator()(const Device& d) const {
        if (!d.place_in) return nl::new_link(d.spec, step.what);
        nl::LinkSpec spec = d.spec;
        spec.netns_fd = netns(*d.place_in);
        return nl::new_link(spec, step.what);
    }
    std::optional<nl::Message> operator()(const Fdb& f) const { return nl::append_fdb(f.ifindex, f.dst, step.what); }
    std::optional<nl::Message> operator()(const Tap&) const { return std::nullopt; }
    std::optional<nl::Message> operator()(const WireGuard&) const { return std::nullopt; }
    std::optional<nl::Message> operator()(const Address& a) const { return nl::new_address(a.ifindex, a.prefix, step.what); }
    std::optional<nl::Message> operator()(const Route& r) const { return nl::new_route(r.spec, step.what); }
    std::optional<nl::Message> operator()(const Qdisc& q) const {
        if (q.netem.empty()) return nl::delete_root_qdisc(q.ifindex, step.what);
        return nl::replace_netem(q.ifindex, to_netem_spec(q.netem), step.what);
    }
    std::optional<nl::Message> operator()(const Sysctl&) const { return std::nullopt; }
    std::optional<nl::Message> operator()(const Exec&) const { return std::nullopt; }
};

}  // namespace

std::optional<nl::Message> message_for(const Step& step, const NetnsOf& netns) {
    return std::visit(ToMessage{step, netns}, step.action);
}

std::vector<nl::Message> messages_for(const Batch& batch, const NetnsOf& netns) {
    std::vector<nl::Message> out;
    out.reserve(batch.steps.size());
    for (const auto& s : batch.steps)
        if (auto m = message_for(s, netns)) out.push_back(std::move(*m));
    return out;
}

nl::NetemSpec to_netem_spec(const topo::Netem& n) {
    nl::NetemSpec s;
    s.delay_ns = std::uint64_t{n.delay_us.value_or(0)} * 1000;
    s.jitter_ns = std::uint64_t{n.jitter_us.value_or(0)} * 1000;
    s.loss = n.loss.value_or(0);
    s.duplicate = n.duplicate.value_or(0);
    s.corrupt = n.corrupt.value_or(0);
    s.reorder = n.reorder.value_or(0);
    s.rate_bytes = n.rate_bps.value_or(0) / 8;
    s.limit = n.limit.value_or(1000);
    return s;
}

}  // namespace nslab::plan
