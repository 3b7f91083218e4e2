#include "lab/impair.hpp"

#include <fcntl.h>
#include <sched.h>
#include <unistd.h>

#include <cerrno>
#include <map>
#include <optional>

#include "impair/spec.hpp"
#include "lab/lab_lock.hpp"
#include "lab/links.hpp"
#include "lab/node_netns.hpp"
#include "netlink/qdisc.hpp"
#include "plan/messages.hpp"
#include "sys/netns_guard.hpp"
#include "util/error.hpp"

namespace nslab::lab {

namespace {

std::optional<bool> g_netem;  // per process: the kernel does not change under us

int ifindex_of(nl::Socket& s, const std::string& name, const std::string& node) {
    for (const auto& l : s.dump_links())
        if (l.name == name) return l.ifindex;
    throw Error("node " + node + " has no interface " + name);
}

// A network namespace of our own, made without leaving ours for longer than two syscalls (the
// keeper is single-threaded, so the thread is the process).
sys::Fd make_hidden_netns() {
    sys::NetnsGuard guard;
    return guard.enter_new("the impairment namespace");
}

bool only_rate(const topo::Netem& n) {
    return n.rate_bps && !n.delay_us && !n.jitter_us && !n.loss && !n.duplicate && !n.corrupt && !n.reorder;
}

// Puts `netem` on one end's egress through the kernel: "netem", "tbf" or "none"; nullopt when
// this kernel lacks what it takes.
std::optional<std::string> kernel_apply(nl::Socket& s, int ifindex, const topo::Netem& netem, const std::string& where) {
    if (netem.empty()) {
        auto f = s.execute({nl::delete_root_qdisc(ifindex, "remove impairment from " + where)});
        if (!f.empty() && f[0].err != ENOENT && f[0].err != EINVAL) throw nl::NetlinkError(where, f);
        return "none";
    }
    // Probed on lo, not on the interface: replacing a tbf the interface already has with a
    // netem the kernel lacks fails "must match existing qdisc", not as an absent module.
    if (netem_available(s, 1)) {
        s.execute_or_throw({nl::replace_netem(ifindex, plan::to_netem_spec(netem), "add netem to " + where)});
        return "netem";
    }
    if (!only_rate(netem)) return std::nullopt;
    nl::TbfSpec t;
    t.rate_bytes = *netem.rate_bps / 8;
    if (netem.limit) t.limit = *netem.limit * 1514;  // packets -> bytes of full frames
    s.execute_or_throw({nl::replace_tbf(ifindex, t, "add tbf to " + where)});
    return "tbf";
}

}  // namespace

bool netem_available(nl::Socket& sock, int ifindex) {
    if (g_netem) return *g_netem;
    auto f = sock.execute({nl::replace_netem(ifindex, {}, "probe netem")});
    if (f.empty()) {
        sock.execute({nl::delete_root_qdisc(ifindex)});
        g_netem = true;
    } else if (nl::means_netem_absent(f[0])) {
        g_netem = false;
    } else {
        throw nl::NetlinkError("probe sch_netem", f);
    }
    return *g_netem;
}

LabImpairments::LabImpairments(std::string lab, const plan::Plan& plan) : lab_(std::move(lab)) {
    for (const auto& im : plan.impairments) {
        LinkImpairment li;
        li.netem = im.netem;
        li.path = im.path;
        li.forwarded = im.path == "userspace";
        li.forwarder_id = im.link;
        if (li.forwarded && !hidden_) hidden_ = make_hidden_netns();
        plan_[im.link] = li;
    }
}

void LabImpairments::start() {
    std::vector<impair::ForwardedLink> fwd;
    for (auto& [i, li] : plan_)
        if (li.forwarded) fwd.push_back({i, {plan::forwarder_end(i, 0), plan::forwarder_end(i, 1)}, li.netem});
    if (!fwd.empty()) {
        forwarder_ = impair::Forwarder::start(hidden_.get(), std::move(fwd), impair_socket(lab_));
        hidden_.reset();  // the forwarder holds the namespace now, and dies with us
    }
    save_impairments(lab_, plan_);
}

void change_impairment(const std::string& lab, const std::string& link, LinkImpairment& li, const std::vector<ImpairedEnd>& ends,
                       const topo::Netem& netem) {
    if (li.forwarded) {
        impair::tell_forwarder(impair_socket(lab), li.forwarder_id, netem);
        li.path = "userspace";
    } else {
        std::string path;
        for (const auto& e : ends) {
            auto p = kernel_apply(*e.sock, e.ifindex, netem, e.where);
            if (!p)
                throw Error("link " + link + ": this kernel has no sch_netem, and the link has no userspace path: only "
                            "links with a \"netem\" key in the topology are wired through it at lab up (e.g. \"netem\": "
                            "{\"delay\": \"0ms\"}). A rate alone works on any link (tbf).");
            path = *p;
        }
        li.path = path;
    }
    li.netem = netem;
}

void set_impairment(const Lab& lab, const std::string& endpoint, const topo::Netem& netem) {
    const auto& link = find_link(lab.model(), endpoint);
    std::size_t i = static_cast<std::size_t>(&link - lab.model().links.data());
    // Held until saved: the whole file is rewritten, with every other link's entry as loaded.
    LabLock lock(lab.name());
    Impairments im = load_impairments(lab.name());
    if (!im.count(i)) im[i].forwarder_id = i;
    LinkImpairment& li = im[i];
    std::vector<nl::Socket> socks;
    std::vector<ImpairedEnd> ends;
    if (!li.forwarded) {
        socks.reserve(2);
        for (const auto& ep : link.ends) {
            const std::string& node = lab.model().nodes[ep.node].name;
            socks.push_back(node_socket(lab, node));
            ends.push_back({&socks.back(), ifindex_of(socks.back(), ep.iface, node), "node " + node + ": " + ep.iface});
        }
    }
    change_impairment(lab.name(), endpoint, li, ends, netem);
    save_impairments(lab.name(), im);
}

LinkImpairment impairment(const Lab& lab, const std::string& endpoint) {
    const auto& link = find_link(lab.model(), endpoint);
    auto im = load_impairments(lab.name());
    auto it = im.find(static_cast<std::size_t>(&link - lab.model().links.data()));
    return it == im.end() ? LinkImpairment{} : it->second;
}

std::vector<LinkImpairment> impairments(const Lab& lab) {
    std::vector<LinkImpairment> out(lab.model().links.size());
    for (auto& [i, li] : load_impairments(lab.name()))
        if (i < out.size()) out[i] = std::move(li);
    return out;
}

}  // namespace nslab::lab
