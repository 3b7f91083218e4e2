// A live change: the keeper reconciles its running lab to another version of the topology.
// The difference (plan/diff) is applied in an order that keeps every step but the last
// undoable: what goes away from kept nodes first (so a name or address can be reused), then new
// nodes, then the new plan's steps that concern new things, then impairments and admin states,
// and last the removed nodes (whose processes cannot come back). Each undoable step records
// its inverse before it is sent; a failure sends the inverses in reverse and rethrows.
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <functional>
#include <set>

#include "impair/spec.hpp"
#include "lab/cgroups.hpp"
#include "lab/daemons.hpp"
#include "lab/devices.hpp"
#include "lab/exec_phase.hpp"
#include "lab/host_dirs.hpp"
#include "lab/impair.hpp"
#include "lab/lab_lock.hpp"
#include "lab/paths.hpp"
#include "lab/pins.hpp"
#include "lab/runtime.hpp"
#include "node/cgroup.hpp"
#include "plan/diff.hpp"
#include "plan/messages.hpp"
#include "sys/cgroupfs.hpp"
#include "sys/files.hpp"
#include "sys/netns_guard.hpp"
#include "sys/process.hpp"
#include "util/error.hpp"
#include "util/fault.hpp"

namespace nslab::lab {

namespace {

// A node's network namespace and a netlink socket in it, while the change is applied.
struct NodeNs {
    sys::Fd netns;
    std::unique_ptr<nl::Socket> sock;
};

// Every interface index a step names, through `f`.
void for_each_ifindex(plan::Step& step, const std::function<void(int&)>& f) {
    std::visit(
        [&](auto& a) {
            using T = std::decay_t<decltype(a)>;
            if constexpr (std::is_same_v<T, plan::Bridge>) f(a.ifindex);
            else if constexpr (std::is_same_v<T, plan::Veth>) {
                f(a.self.ifindex);
                f(a.peer.ifindex);
                if (a.master) f(a.master);
            } else if constexpr (std::is_same_v<T, plan::SetLink>) {
                f(a.ifindex);
                if (a.master && *a.master) f(*a.master);
            } else if constexpr (std::is_same_v<T, plan::Address> || std::is_same_v<T, plan::PortVlans>) f(a.ifindex);
            else if constexpr (std::is_same_v<T, plan::Route>) {
                if (a.spec.oif) f(a.spec.oif);
            } else if constexpr (std::is_same_v<T, plan::Qdisc>) f(a.ifindex);
            else if constexpr (std::is_same_v<T, plan::Tap> || std::is_same_v<T, plan::Fdb>) f(a.ifindex);
            else if constexpr (std::is_same_v<T, plan::WireGuard>) f(a.device.ifindex);
            else if constexpr (std::is_same_v<T, plan::Device>) {
                for (int* x : {&a.spec.ifindex, &a.spec.master, &a.spec.link, &a.spec.vxlan_dev})
                    if (*x) f(*x);
            }
        },
        step.action);
}

// Moves the entries of `from` that belong to a node in `gone` out, in order.
template <class T>
std::vector<T> take_nodes(std::vector<T>& from, const std::set<std::string>& gone) {
    std::vector<T> out;
    for (auto it = from.begin(); it != from.end();) {
        if (gone.count(it->node)) {
            out.push_back(std::move(*it));
            it = from.erase(it);
        } else {
            ++it;
        }
    }
    return out;
}

// Whether a step at `pointer` belongs to the interface at `device` (a bond's member steps sit
// under it: "/nodes/r1/interfaces/bond0/members/0").
bool of_device(const std::string& pointer, const std::string& device) {
    return pointer == device || pointer.starts_with(device + "/");
}

void ignore_errors(nl::Socket& s, std::vector<nl::Message> msgs) {
    try {
        (void)s.execute(msgs);
    } catch (const std::exception&) {
    }
}

}  // namespace

class LiveApply {
public:
    LiveApply(Runtime& rt, const topo::Model& after, const plan::Diff& d, int exec_timeout_s)
        : rt_(rt), before_(rt.model_), after_(after), d_(d), exec_timeout_s_(exec_timeout_s) {}

    void run() {
        refuse_what_cannot_be_done();
        fault::point("live");
        remove_from_kept_nodes();
        add_nodes();
        fault::point("live-nodes");
        send_new_steps();
        reopen_released_members();
        fault::point("live-steps");
        change_kept_links();
        run_added_exec();
        start_added_daemons();
    }

    // The inverses of what was done, newest first. Never throws.
    void undo() noexcept {
        for (auto it = undo_.rbegin(); it != undo_.rend(); ++it) {
            try {
                (*it)();
            } catch (const std::exception& e) {
                std::fprintf(stderr, "live change: undo: %s\n", e.what());
            }
        }
        stop_daemons(added_daemons_);
        // An added node's links would go with its namespace, but the kernel frees that later:
        // delete them now, so its kept peers have lost them when the change returns.
        for (const auto& p : added_) {
            try {
                std::vector<nl::Message> msgs;
                for (const auto& itf : after_.find(p.node)->interfaces) msgs.push_back(nl::delete_link(0, itf.name));
                ignore_errors(sock(p.node), std::move(msgs));
            } catch (const std::exception& e) {
                std::fprintf(stderr, "live change: undo: %s\n", e.what());
            }
        }
        kill_inits(added_);
    }

    // Past the point of no return: removed nodes go, and the runtime takes the new version.
    void commit(const std::string& text) {
        std::set<std::string> gone(d_.nodes_removed.begin(), d_.nodes_removed.end());
        // Their daemons politely first, as at lab down, while their links still stand.
        std::vector<NodeDaemons> stopping = take_nodes(rt_.daemons_, gone);
        stop_daemons(stopping);
        // A namespace's devices go when the kernel gets round to freeing it, later: the links
        // of a removed node are deleted first, so its peers have lost them when this returns.
        for (const auto& l : before_.links)
            for (const auto& end : l.ends) {
                const std::string& node = before_.nodes[end.node].name;
                if (!gone.count(node)) continue;
                try {
                    send_removal(node, {nl::delete_link(index_of(node, end.iface), end.iface)}, {ENODEV});
                } catch (const std::exception& e) {
                    std::fprintf(stderr, "live change: %s\n", e.what());
                }
            }
        for (auto& d : added_daemons_) rt_.daemons_.push_back(std::move(d));
        added_daemons_.clear();
        std::vector<node::InitProcess> removed = take_nodes(rt_.inits_, gone);
        kill_inits(removed);
        fault::point("live-commit");
        for (auto& p : added_) rt_.inits_.push_back(std::move(p));
        added_.clear();
        for (const auto& n : gone) rt_.ifindex_.erase(n);
        for (auto& [node, names] : new_ifindex_)
            for (auto& [name, index] : names) rt_.ifindex_[node][name] = index;

        // The record follows the new version's node order.
        std::vector<NodeState> nodes;
        for (const auto& n : after_.nodes)
            for (const auto& s : rt_.state_.nodes)
                if (s.name == n.name) nodes.push_back(s);
        rt_.state_.nodes = std::move(nodes);
        rt_.state_.cgroups = rt_.cgroups_->lab_dirs();
        Impairments im;
        for (const auto& k : d_.links_kept)
            if (auto it = impairments_.find(k.before); it != impairments_.end()) im[k.after] = it->second;
        for (auto& [i, li] : added_impairments_) im[i] = li;
        save_impairments(rt_.state_.lab, im);
        sys::write_file_atomic(topology_file(rt_.state_.lab), text);
        rt_.model_ = after_;
        save(rt_.state_);
    }

private:
    // What this build cannot do, found before anything is touched.
    void refuse_what_cannot_be_done() {
        impairments_ = load_impairments(rt_.state_.lab);
        // New interfaces' kinds, tried as at lab up: a missing module is named, not met midway.
        topo::Model kinds;
        for (const auto& name : d_.nodes_added) kinds.nodes.push_back(*after_.find(name));
        for (const auto& c : d_.devices_added) {
            topo::Node n;
            n.name = c.node;
            n.devices.push_back(*after_.find(c.node)->find_device(c.name));
            kinds.nodes.push_back(std::move(n));
        }
        check_device_kinds(kinds);
        for (std::size_t i : d_.links_added) {
            const auto& l = after_.links[i];
            if (l.netem.empty()) continue;
            if (!netem_kernel())
                throw Error("link " + plan::link_key(after_, l) + " (" + l.pointer +
                                "/netem): this kernel has no sch_netem, and a link added to a running lab cannot go through "
                                "the userspace forwarder; add it without netem (a rate alone works, as tbf, with lab link set), "
                                "or bring the lab up with it",
                            {"", l.pointer + "/netem", "netem", false});
        }
    }

    bool netem_kernel() {
        if (!netem_known_) {
            // lo of any node is a harmless place to try (the answer is kept per process).
            const std::string& node = rt_.inits_.empty() ? std::string() : rt_.inits_.front().node;
            netem_ = !node.empty() && netem_available(sock(node), 1);
            netem_known_ = true;
        }
        return netem_;
    }

    bool kept(const std::string& node) const { return before_.find(node) && after_.find(node); }

    int index_of(const std::string& node, const std::string& iface) const {
        if (auto n = rt_.ifindex_.find(node); n != rt_.ifindex_.end())
            if (auto i = n->second.find(iface); i != n->second.end()) return i->second;
        throw Error("node " + node + ": no interface " + iface + " in the lab's record");
    }

    // The node's namespace and socket, opened once: an added node's from its init's report, a
    // kept node's through its init's pidfd.
    NodeNs& ns(const std::string& node) {
        auto it = ns_.find(node);
        if (it != ns_.end()) return it->second;
        NodeNs n;
        for (auto& p : added_)
            if (p.node == node && p.netns) {
                n.sock = std::make_unique<nl::Socket>(nl::Socket::adopt(p.netlink.release()));
                n.netns = std::move(p.netns);
            }
        if (!n.sock) {
            const node::InitProcess* init = nullptr;
            for (const auto& p : rt_.inits_)
                if (p.node == node) init = &p;
            if (!init) throw Error("node " + node + " has no init in this lab");
            sys::NetnsGuard in(init->pidfd.get(), "node " + node);
            n.netns = sys::Fd(::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC));
            if (!n.netns) throw SystemError("open the network namespace of node " + node, errno);
            n.sock = std::make_unique<nl::Socket>(nl::Socket::open());
        }
        return ns_.emplace(node, std::move(n)).first->second;
    }
    nl::Socket& sock(const std::string& node) { return *ns(node).sock; }

    // Sends `msgs` in `node`; a refusal names the node and the step.
    void send(const std::string& node, std::vector<nl::Message> msgs, const std::string& pointer, const std::string& step) {
        if (msgs.empty()) return;
        try {
            sock(node).execute_or_throw(msgs, "node " + node);
        } catch (const nl::NetlinkError& e) {
            throw NodeError({node, pointer, step, true}, e.op(), e.err(), e.detail(), e.what());
        }
    }

    // Sends `msgs`, accepting the errors that mean "already gone".
    void send_removal(const std::string& node, std::vector<nl::Message> msgs, std::initializer_list<int> gone) {
        auto f = sock(node).execute(msgs);
        for (const auto& x : f)
            if (std::find(gone.begin(), gone.end(), x.err) == gone.end()) throw nl::NetlinkError("node " + node, f);
    }

    void remove_from_kept_nodes() {
        for (const auto& r : d_.routes) {
            if (r.after || !kept(r.node)) continue;
            const auto& idx = rt_.ifindex_[r.node];
            auto spec = plan::route_spec(*r.before, idx);
            send_removal(r.node, {nl::delete_route(spec)}, {ESRCH, ENOENT});
            undo_.push_back([this, node = r.node, spec] { ignore_errors(sock(node), {nl::new_route(spec)}); });
        }
        for (const auto& a : d_.addresses_removed) {
            if (!kept(a.node)) continue;
            const int index = index_of(a.node, a.iface);
            send_removal(a.node, {nl::delete_address(index, a.prefix)}, {EADDRNOTAVAIL, ENOENT});
            undo_.push_back([this, node = a.node, index, p = a.prefix] { ignore_errors(sock(node), {nl::new_address(index, p)}); });
        }
        for (std::size_t i : d_.links_removed) {
            const auto& l = before_.links[i];
            const std::string a = before_.nodes[l.ends[0].node].name, b = before_.nodes[l.ends[1].node].name;
            if (!kept(a) || !kept(b)) continue;  // goes with its removed node
            // A forwarded link is two veths into the forwarder's namespace: delete each end.
            auto im = impairments_.find(i);
            const bool forwarded = im != impairments_.end() && im->second.forwarded;
            for (int e = 0; e < (forwarded ? 2 : 1); ++e) {
                const std::string& node = e ? b : a;
                send_removal(node, {nl::delete_link(index_of(node, l.ends[e].iface), l.ends[e].iface)}, {ENODEV});
            }
            undo_.push_back([this, i] { recreate_link(before_plan(), i); });
            for (int e = 0; e < 2; ++e) removed_ifaces_.insert({before_.nodes[l.ends[e].node].name, l.ends[e].iface});
        }
        // Own interfaces, what sits on another first (the diff lists them so). The kernel drops
        // the routes through them: the node's routes are sent again once the new ones exist.
        for (const auto& c : d_.devices_removed) {
            send_removal(c.node, {nl::delete_link(index_of(c.node, c.name), c.name)}, {ENODEV});
            undo_.push_back([this, c] { recreate_device(c); });
            removed_ifaces_.insert({c.node, c.name});
            resend_routes_.insert(c.node);
        }
    }

    // The kernel closes a bond's members when it deletes the bond: those no bond of the new
    // version takes are opened again (as their link ends ask).
    void reopen_released_members() {
        for (const auto& c : d_.devices_removed) {
            if (c.kind != std::string(topo::to_string(topo::DeviceKind::Bond))) continue;
            const topo::Node* now = after_.find(c.node);
            for (const auto& m : before_.find(c.node)->find_device(c.name)->members) {
                const topo::Interface* itf = now->find_interface(m);
                if (!itf) continue;
                const bool enslaved = std::any_of(now->devices.begin(), now->devices.end(), [&](const topo::Device& d) {
                    return std::find(d.members.begin(), d.members.end(), m) != d.members.end();
                });
                if (enslaved || !after_.links[itf->link].end_up(itf->end)) continue;
                nl::LinkChange up;
                up.ifindex = index_of(c.node, m);
                up.up = true;
                send(c.node, {nl::set_link(up)}, itf->pointer, "up " + c.node + ":" + m);
            }
        }
    }

    // Undo of a removed own interface: the old plan's steps for it (taps through their
    // ioctls), at the indexes the running lab knows, and its node's routes again.
    void recreate_device(const plan::Diff::DeviceChange& c) {
        const plan::Plan& p = before_plan();
        const std::size_t ni = *before_.index_of(c.node);
        std::map<int, int> actual;
        for (const auto& [name, planned] : p.ifindex[ni])
            if (auto it = rt_.ifindex_[c.node].find(name); it != rt_.ifindex_[c.node].end()) actual[planned] = it->second;
        for (const auto& phase : p.phases)
            for (const auto& b : phase.batches) {
                if (b.target.kind != plan::Target::Node || b.target.node != ni) continue;
                plan::Batch taps{b.target, b.context, {}}, wireguard{b.target, b.context, {}};
                std::vector<nl::Message> msgs;
                for (auto s : b.steps) {
                    auto* route = std::get_if<plan::Route>(&s.action);
                    if (!of_device(s.pointer, c.pointer) && !route) continue;
                    for_each_ifindex(s, [&](int& x) {
                        if (auto it = actual.find(x); it != actual.end()) x = it->second;
                    });
                    if (route) msgs.push_back(nl::replace_route(route->spec));
                    else if (std::holds_alternative<plan::Tap>(s.action)) taps.steps.push_back(s);
                    else if (std::holds_alternative<plan::WireGuard>(s.action)) wireguard.steps.push_back(s);
                    else if (auto m = plan::message_for(s, [&](const plan::Target& t) { return ns(before_.nodes[t.node].name).netns.get(); }))
                        msgs.push_back(std::move(*m));
                }
                try {
                    make_taps(taps, ns(c.node).netns.get(), c.node);
                    ignore_errors(sock(c.node), std::move(msgs));
                    configure_wireguard(wireguard, ns(c.node).netns.get(), c.node);
                } catch (const std::exception& e) {
                    std::fprintf(stderr, "live change: undo: %s\n", e.what());
                }
            }
    }

    // Undo of a removed link: the old plan's steps for it, and the end nodes' routes again.
    void recreate_link(const plan::Plan& p, std::size_t link) {
        const auto& l = before_.links[link];
        for (const auto& phase : p.phases)
            for (const auto& b : phase.batches) {
                if (b.target.kind != plan::Target::Node) continue;
                const std::string& node = before_.nodes[b.target.node].name;
                std::vector<nl::Message> msgs;
                for (auto s : b.steps) {
                    const bool route_of_end = std::holds_alternative<plan::Route>(s.action) &&
                                              (b.target.node == l.ends[0].node || b.target.node == l.ends[1].node);
                    if (s.pointer != l.pointer && !route_of_end) continue;
                    if (auto* r = std::get_if<plan::Route>(&s.action)) {
                        msgs.push_back(nl::replace_route(r->spec));
                        continue;
                    }
                    if (auto m = plan::message_for(s, [&](const plan::Target& t) { return ns(before_.nodes[t.node].name).netns.get(); }))
                        msgs.push_back(std::move(*m));
                }
                ignore_errors(sock(node), std::move(msgs));
            }
    }

    // The running version's plan: the ids of what exists, and the steps that recreate a link.
    const plan::Plan& before_plan() {
        if (!before_plan_) before_plan_ = plan::make_plan(before_, facts());
        return *before_plan_;
    }

    plan::Facts facts() {
        plan::Facts f = rt_.facts_;
        f.netem = netem_kernel();
        return f;
    }

    void add_nodes() {
        if (d_.nodes_added.empty()) return;
        std::vector<const topo::Node*> nodes;
        topo::Model added;
        for (const auto& name : d_.nodes_added) {
            nodes.push_back(after_.find(name));
            added.nodes.push_back(*after_.find(name));
        }
        make_host_dirs(rt_.state_.lab, added);
        bool cgroups = false;
        for (const auto* n : nodes) cgroups = cgroups || node::needs_cgroup(*n);
        if (cgroups && rt_.cgroups_->lab_dirs().empty()) {
            rt_.cgroups_ = std::make_unique<LabCgroups>(rt_.state_.lab, added);
            rt_.state_.cgroups = rt_.cgroups_->lab_dirs();
        }
        rt_.start_inits(nodes, added_, false);
        for (auto& p : added_) {
            pin_node(rt_.state_.lab, p.node, p.pid);
            // Held from here by ns_ only (closed with this change): a node removed later must
            // leave no reference to its namespace behind.
            ns(p.node);
        }
    }

    // The new version's plan, for what is new: every step of an added node or link, a new
    // address or route on a kept node, a changed route (replaced).
    void send_new_steps() {
        plan::Plan after_plan = plan::make_plan(after_, facts());
        std::set<std::string> old_ids;
        for (const auto& ph : before_plan().phases)
            for (const auto& b : ph.batches)
                for (const auto& s : b.steps) old_ids.insert(s.id);
        std::set<std::string> new_links, changed_routes;
        for (std::size_t i : d_.links_added) {
            new_links.insert(after_.links[i].pointer);
            new_links.insert(after_.links[i].pointer + "/netem");
        }
        for (const auto& r : d_.routes)
            if (r.before && r.after) changed_routes.insert(r.node + " " + r.after->to.network().str());
        std::set<std::pair<std::string, std::string>> new_devices;  // node, pointer
        for (const auto& c : d_.devices_added) new_devices.insert({c.node, c.pointer});

        // Planned indexes are lab-wide; kept interfaces keep theirs, new ones get fresh ones
        // above any index in use in the namespaces they join.
        std::map<int, int> actual{{1, 1}};
        for (std::size_t i = 0; i < after_.nodes.size(); ++i) {
            const std::string& node = after_.nodes[i].name;
            for (const auto& [name, planned] : after_plan.ifindex[i]) {
                if (name == "lo") continue;
                const bool fresh = !kept(node) || removed_ifaces_.count({node, name}) || !rt_.ifindex_[node].count(name);
                if (!fresh) {
                    actual[planned] = rt_.ifindex_[node][name];
                    continue;
                }
                if (kept(node) && !bumped_.count(node)) {
                    for (const auto& l : sock(node).dump_links()) rt_.next_ifindex_ = std::max(rt_.next_ifindex_, l.ifindex + 1);
                    bumped_.insert(node);
                }
                actual[planned] = rt_.next_ifindex_++;
                new_ifindex_[node][name] = actual[planned];
            }
        }
        auto remap = [&](int& x) {
            auto it = actual.find(x);
            if (it != actual.end()) x = it->second;
        };

        for (auto& phase : after_plan.phases) {
            if (phase.stage == plan::Stage::Exec) continue;
            for (auto& b : phase.batches) {
                if (b.target.kind != plan::Target::Node) continue;
                const std::string& node = after_.nodes[b.target.node].name;
                const bool node_added = !kept(node);
                if (phase.stage == plan::Stage::Sysctls) {
                    if (node_added) rt_.write_interface_sysctls(b, ns(node).netns.get(), node);
                    continue;
                }
                std::vector<nl::Message> msgs;
                plan::Batch taps{b.target, b.context, {}}, wireguard{b.target, b.context, {}};
                const plan::Step* first = nullptr;
                for (auto& s : b.steps) {
                    // A link's own steps carry its pointer; an end's (joining a vrf) the end's.
                    const bool for_new_link =
                        new_links.count(s.pointer) > 0 || new_links.count(s.pointer.substr(0, s.pointer.find("/endpoints/")));
                    bool take = node_added || for_new_link;
                    for (const auto& [n, p] : new_devices) take = take || (n == node && of_device(s.pointer, p));
                    auto* route = std::get_if<plan::Route>(&s.action);
                    bool replace = false;
                    if (!take && std::holds_alternative<plan::Address>(s.action)) take = !old_ids.count(s.id);
                    if (!take && route) {
                        take = !old_ids.count(s.id);
                        replace = changed_routes.count(node + " " + route->spec.to.str()) > 0;
                        // Routes through an own interface that was remade went with it.
                        if (!take && !replace && resend_routes_.count(node)) replace = true;
                        take = take || replace;
                    }
                    if (!take) continue;
                    for_each_ifindex(s, remap);
                    if (std::holds_alternative<plan::Tap>(s.action)) {
                        // Made here, before the batch's requests that set them up.
                        taps.steps.push_back(s);
                        if (!node_added) record_undo(node, s, false);
                        continue;
                    }
                    if (std::holds_alternative<plan::WireGuard>(s.action)) {
                        wireguard.steps.push_back(s);  // keys and peers once the batch made it
                        continue;
                    }
                    if (!first) first = &s;
                    if (route) {
                        msgs.push_back(replace ? nl::replace_route(route->spec, s.what) : nl::new_route(route->spec, s.what));
                    } else if (auto m = plan::message_for(s, [&](const plan::Target& t) { return ns(after_.nodes[t.node].name).netns.get(); })) {
                        msgs.push_back(std::move(*m));
                    } else {
                        continue;
                    }
                    if (!node_added) record_undo(node, s, replace);
                }
                if (!taps.steps.empty()) make_taps(taps, ns(node).netns.get(), node);
                if (first) send(node, std::move(msgs), first->pointer, first->id);
                if (!wireguard.steps.empty()) configure_wireguard(wireguard, ns(node).netns.get(), node);
            }
        }
        for (std::size_t i : d_.links_added)
            if (!after_.links[i].netem.empty()) added_impairments_[i] = {"netem", after_.links[i].netem, false, i};
    }

    // The inverse of a step sent on a kept node (an added node's go with the node).
    void record_undo(const std::string& node, const plan::Step& s, bool replaced) {
        if (auto* v = std::get_if<plan::Veth>(&s.action)) {
            if (v->peer_in.kind == plan::Target::Node && !kept(after_.nodes[v->peer_in.node].name)) return;
            undo_.push_back([this, node, index = v->self.ifindex] { ignore_errors(sock(node), {nl::delete_link(index, "")}); });
        } else if (auto* dv = std::get_if<plan::Device>(&s.action)) {
            undo_.push_back([this, node, index = dv->spec.ifindex] { ignore_errors(sock(node), {nl::delete_link(index, "")}); });
        } else if (auto* t = std::get_if<plan::Tap>(&s.action)) {
            undo_.push_back([this, node, index = t->ifindex] { ignore_errors(sock(node), {nl::delete_link(index, "")}); });
        } else if (auto* a = std::get_if<plan::Address>(&s.action)) {
            undo_.push_back([this, node, index = a->ifindex, p = a->prefix] { ignore_errors(sock(node), {nl::delete_address(index, p)}); });
        } else if (auto* r = std::get_if<plan::Route>(&s.action)) {
            std::optional<nl::RouteSpec> old;
            if (replaced)
                for (const auto& c : d_.routes)
                    if (c.node == node && c.before && c.before->to.network() == r->spec.to) old = plan::route_spec(*c.before, rt_.ifindex_[node]);
            undo_.push_back([this, node, spec = r->spec, old] {
                ignore_errors(sock(node), {old ? nl::replace_route(*old) : nl::delete_route(spec)});
            });
        }
    }

    void change_kept_links() {
        for (const auto& k : d_.links_kept) {
            const auto& l = after_.links[k.after];
            const std::string key = plan::link_key(after_, l);
            if (k.netem) {
                LinkImpairment& li = impairments_[k.before];
                if (li.path == "none" && !li.forwarded) li.forwarder_id = k.before;
                const topo::Netem old = li.netem;
                std::vector<ImpairedEnd> ends;
                for (const auto& ep : l.ends) {
                    const std::string& node = after_.nodes[ep.node].name;
                    ends.push_back({&sock(node), index_of(node, ep.iface), "node " + node + ": " + ep.iface});
                }
                change_impairment(rt_.state_.lab, key, li, ends, l.netem);
                undo_.push_back([this, key, ends, old, &li] { change_impairment(rt_.state_.lab, key, li, ends, old); });
            }
            if (k.up) {
                const auto& o = before_.links[k.before];
                for (int e = 0; e < 2; ++e) {
                    const auto& ep = l.ends[e];
                    const std::string& node = after_.nodes[ep.node].name;
                    const int oe = plan::matching_end(before_, o, after_, ep);
                    if (o.end_up(oe) == l.end_up(e)) continue;
                    nl::LinkChange c;
                    c.ifindex = index_of(node, ep.iface);
                    c.up = l.end_up(e);
                    send(node, {nl::set_link(c)}, l.pointer, "link " + key);
                    c.up = o.end_up(oe);
                    undo_.push_back([this, node, c] { ignore_errors(sock(node), {nl::set_link(c)}); });
                }
            }
        }
    }

    void run_added_exec() {
        std::vector<ExecNode> nodes;
        for (const auto& p : added_) {
            const topo::Node* n = after_.find(p.node);
            if (!n->exec.empty()) nodes.push_back({n, p.pidfd.get()});
        }
        if (nodes.empty()) return;
        run_exec_phase(rt_.state_, nodes, exec_timeout_s_, [](const std::string&, std::size_t, std::size_t) {});
    }

    // The `frr`/`bird` daemons of added nodes, once their `exec` commands ran.
    void start_added_daemons() {
        std::vector<ExecNode> nodes;
        for (const auto& p : added_) {
            const topo::Node* n = after_.find(p.node);
            if (n->frr || n->bird) nodes.push_back({n, p.pidfd.get()});
        }
        if (nodes.empty()) return;
        added_daemons_ = start_daemons(rt_.state_, nodes, exec_timeout_s_, [](const std::string&, std::size_t, std::size_t) {});
    }

    // Unpins, kills and reaps inits this runtime started, and removes their cgroups.
    void kill_inits(std::vector<node::InitProcess>& inits) noexcept {
        for (auto& p : inits) {
            try {
                unpin_node(rt_.state_.lab, p.node);
            } catch (const std::exception& e) {
                std::fprintf(stderr, "live change: unpin %s: %s\n", p.node.c_str(), e.what());
            }
            if (p.pidfd) sys::pidfd_signal(p.pidfd.get(), SIGKILL);
            else if (p.pid > 0) ::kill(p.pid, SIGKILL);
        }
        for (auto& p : inits) {
            if (p.pid > 0) ::waitpid(p.pid, nullptr, 0);
            auto it = rt_.node_cgroups_.find(p.node);
            if (it != rt_.node_cgroups_.end()) {
                for (const auto& dir : it->second) {
                    try {
                        sys::cgroup_kill(dir);
                    } catch (const std::exception&) {
                    }
                    for (int i = 0; i < 200 && !sys::remove_cgroup_tree(dir); ++i) ::usleep(5000);
                }
                rt_.node_cgroups_.erase(it);
            }
            std::erase_if(rt_.state_.nodes, [&](const NodeState& s) { return s.name == p.node; });
            ns_.erase(p.node);
        }
        inits.clear();
    }

    Runtime& rt_;
    const topo::Model& before_;
    const topo::Model& after_;
    const plan::Diff& d_;
    int exec_timeout_s_;
    std::vector<std::function<void()>> undo_;
    std::vector<node::InitProcess> added_;
    std::vector<NodeDaemons> added_daemons_;
    std::map<std::string, NodeNs> ns_;
    std::set<std::pair<std::string, std::string>> removed_ifaces_;
    std::set<std::string> bumped_;
    std::set<std::string> resend_routes_;             // kept nodes whose own interfaces were remade
    std::map<std::string, std::map<std::string, int>> new_ifindex_;
    Impairments impairments_;                         // as loaded, by index in the old version
    std::map<std::size_t, LinkImpairment> added_impairments_;  // by index in the new version
    std::optional<plan::Plan> before_plan_;           // the running version's plan, made once
    bool netem_known_ = false, netem_ = false;
};

ApplyResult Runtime::apply(topo::Model after, const std::string& text, bool dry_run, int exec_timeout_s) {
    const auto t0 = std::chrono::steady_clock::now();
    // As at lab up: daemon config files join the nodes' files (and so compare like them).
    for (auto& nd : after.nodes) prepare_daemon_files(nd);
    plan::Diff d = plan::diff(model_, after);
    ApplyResult r;
    r.lines = plan::diff_lines(d, model_, after, &impair::format_netem);
    if (!dry_run) {
        // Another process may rewrite impair.json (lab link set) meanwhile.
        LabLock lock(state_.lab);
        LiveApply live(*this, after, d, exec_timeout_s);
        try {
            live.run();
        } catch (...) {
            live.undo();
            save(state_);
            throw;
        }
        live.commit(text);
        r.applied = true;
    }
    r.ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    return r;
}

}  // namespace nslab::lab
