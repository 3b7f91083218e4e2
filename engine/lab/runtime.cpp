#include "lab/runtime.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <map>

#include "lab/cgroups.hpp"
#include "lab/exec_phase.hpp"
#include "lab/impair.hpp"
#include "lab/node_routes.hpp"
#include "lab/paths.hpp"
#include "lab/host_dirs.hpp"
#include "lab/pins.hpp"
#include "node/cgroup.hpp"
#include "node/sysctl.hpp"
#include "sys/cgroupfs.hpp"
#include "sys/files.hpp"
#include "util/error.hpp"
#include "util/fault.hpp"

namespace nslab::lab {

using topo::NodeKind;

namespace {
// How many nodes between progress reports (and abort checks).
constexpr std::size_t kTick = 32;

// The end whose namespace sends the create request: a switch's port, so it joins the bridge
// in the same request; otherwise the first end.
int main_end(const topo::Model& m, const topo::Link& link) {
    auto is_switch = [&](int e) { return m.nodes[link.ends[e].node].kind == NodeKind::Switch; };
    return !is_switch(0) && is_switch(1) ? 1 : 0;
}
}  // namespace

Runtime::Runtime(topo::Model model, State state, Progress progress)
    : model_(std::move(model)), state_(std::move(state)), progress_(std::move(progress)) {}

Runtime::~Runtime() = default;

void Runtime::build(int exec_timeout_s, std::vector<int> wake_fds) {
    prepare_netns_dir();
    spawn_nodes();
    open_sockets();
    impair_ = std::make_unique<LabImpairments>(model_, state_.lab, socks_);
    create_bridges();
    create_links();
    configure_nodes();
    impair_->apply();
    pin_nodes();
    interface_sysctls();
    // The sockets and namespace fds are only needed while wiring; the inits hold the rest.
    socks_.clear();
    netns_.clear();
    // Not "up" yet: a failing exec command still rolls the lab back.
    state_.status = "exec";
    save(state_);
    fault::point("up");
    run_exec(exec_timeout_s, wake_fds);
    state_.status = "up";
    save(state_);
}

void Runtime::spawn_nodes() {
    const std::size_t n = model_.nodes.size();
    inits_.reserve(n);
    sys::Fd self = sys::pidfd_open(::getpid());
    make_host_dirs(state_.lab, model_);
    cgroups_ = std::make_unique<LabCgroups>(state_.lab, model_);
    state_.cgroups = cgroups_->lab_dirs();
    // Inits write only the baseline sysctls a new namespace does not already have.
    const node::FreshValues fresh = node::fresh_netns_values(node::baseline_keys());
    node::InitReports reports;
    // Clone all first, then collect: the inits set themselves up while we clone the next.
    for (std::size_t i = 0; i < n; ++i) {
        const auto& nd = model_.nodes[i];
        // Held until #1 only when the init must join its cgroups before it runs anything.
        inits_.push_back(node::start_init(nd, node::start_sysctls(nd, &fresh), self.get(), reports,
                                          static_cast<std::uint32_t>(i), node::needs_cgroup(nd)));
        cgroups_->add_node(nd, inits_.back().pid);
        node::release_init(inits_.back());
        fault::point("node");
        if (i % kTick == kTick - 1) progress_("nodes", i + 1, n);
    }
    state_.nodes.clear();
    for (std::size_t i = 0; i < n; ++i) {
        const auto& p = inits_[i];
        auto id = sys::identity_of(p.pid);
        state_.nodes.push_back({p.node, id ? *id : sys::ProcIdentity{p.pid, 0}, cgroups_->mode(model_.nodes[i])});
    }
    save(state_);  // from here on `lab clean` can find every init
    fault::point("nodes");
    reports.await_all(inits_);
    progress_("nodes", n, n);
}

void Runtime::open_sockets() {
    netns_.reserve(inits_.size());
    socks_.reserve(inits_.size());
    // Each init handed over its namespace and a netlink socket made in it with "ready".
    for (auto& p : inits_) {
        socks_.push_back(nl::Socket::adopt(p.netlink.release()));
        netns_.push_back(std::move(p.netns));
    }
}

void Runtime::create_bridges() {
    bridge_index_.assign(model_.nodes.size(), 0);
    for (std::size_t i = 0; i < model_.nodes.size(); ++i) {
        const auto& nd = model_.nodes[i];
        if (nd.kind != NodeKind::Switch) continue;
        socks_[i].execute_or_throw({nl::new_bridge(nd.name, true, "create bridge " + nd.name)}, "switch " + nd.name);
        for (const auto& l : socks_[i].dump_links())
            if (l.name == nd.name) bridge_index_[i] = l.ifindex;
        if (!bridge_index_[i]) throw Error("switch " + nd.name + ": bridge vanished after creation");
        fault::point("bridge");
    }
}

void Runtime::create_links() {
    // Each veth is created in one request on the socket of one end's namespace (so names are
    // looked up there, never in the host's), with the peer placed directly in the other end's
    // namespace: nothing is created in the root namespace or moved (a move costs ~16 ms).
    std::vector<std::vector<nl::Message>> batches(model_.nodes.size());
    struct Fixup { std::size_t node; std::string port; bool up; };
    std::vector<Fixup> fixups;
    for (const auto& link : model_.links) {
        if (auto li = static_cast<std::size_t>(&link - model_.links.data()); impair_->forwarded(li)) {
            for (auto& [node, msg] : impair_->forwarded_veths(li, bridge_index_)) batches[node].push_back(std::move(msg));
            continue;
        }
        auto is_switch = [&](int e) { return model_.nodes[link.ends[e].node].kind == NodeKind::Switch; };
        const int main = main_end(model_, link);
        const auto& me = link.ends[main];
        const auto& pe = link.ends[1 - main];
        auto end_of = [&](const topo::Endpoint& e, int netns_fd) {
            nl::VethEnd v;
            v.name = e.iface;
            v.netns_fd = netns_fd;
            v.mtu = link.mtu;
            v.up = link.up;
            if (auto* itf = model_.nodes[e.node].find_interface(e.iface)) v.mac = itf->mac;
            return v;
        };
        nl::VethEnd self = end_of(me, -1);
        nl::VethEnd peer = end_of(pe, netns_[pe.node].get());
        int master = is_switch(main) ? bridge_index_[me.node] : 0;
        std::string what = "create link " + model_.endpoint_name(link.ends[0]) + " <-> " +
                           model_.endpoint_name(link.ends[1]) + " (" + link.pointer + ")";
        batches[me.node].push_back(nl::new_veth(self, peer, master, what));
        if (is_switch(1 - main)) fixups.push_back({pe.node, pe.iface, link.up});
    }
    std::size_t done = 0;
    for (std::size_t i = 0; i < batches.size(); ++i) {
        if (batches[i].empty()) continue;
        socks_[i].execute_or_throw(batches[i]);
        fault::point("link");
        done += batches[i].size();
        progress_("links", done, model_.links.size());
    }
    // A link between two switches: the second port joins its bridge now.
    for (const auto& f : fixups) {
        nl::LinkChange c;
        c.name = f.port;
        c.master = bridge_index_[f.node];
        c.up = f.up;
        socks_[f.node].execute_or_throw({nl::set_link(c, "add port " + f.port + " to bridge " + model_.nodes[f.node].name)});
    }
}

void Runtime::configure_nodes() {
    const std::size_t n = model_.nodes.size();
    for (std::size_t i = 0; i < n; ++i) {
        const auto& nd = model_.nodes[i];
        std::vector<nl::Message> msgs;
        nl::LinkChange lo;
        lo.ifindex = 1;
        lo.up = true;
        msgs.push_back(nl::set_link(lo, "set lo up"));
        if (nd.kind != NodeKind::Switch) {
            std::map<std::string, int> index;
            if (!nd.interfaces.empty())
                for (const auto& l : socks_[i].dump_links()) index[l.name] = l.ifindex;
            index["lo"] = 1;
            // The kernel cannot open a veth peer before both ends exist, so the create request
            // leaves the peer down and its own namespace brings it up here.
            for (const auto& itf : nd.interfaces) {
                const auto& link = model_.links[itf.link];
                if (!link.up || main_end(model_, link) == itf.end) continue;
                nl::LinkChange up;
                up.ifindex = index[itf.name];
                up.up = true;
                msgs.push_back(nl::set_link(up, "set " + itf.name + " up"));
            }
            for (const auto& a : nd.loopback) msgs.push_back(nl::new_address(1, a, "add address " + a.str() + " to lo"));
            for (const auto& itf : nd.interfaces)
                for (const auto& a : itf.addrs)
                    msgs.push_back(nl::new_address(index[itf.name], a, "add address " + a.str() + " to " + itf.name));
            for (auto& m : route_messages(nd, index)) msgs.push_back(std::move(m));
        }
        socks_[i].execute_or_throw(msgs, "node " + nd.name);
        fault::point("config");
        if (i % kTick == kTick - 1) progress_("config", i + 1, n);
    }
    progress_("config", n, n);
}

void Runtime::pin_nodes() {
    for (std::size_t i = 0; i < inits_.size(); ++i) {
        pin_node(state_.lab, inits_[i].node, inits_[i].pid);
        fault::point("pin");
    }
}

void Runtime::interface_sysctls() {
    for (std::size_t i = 0; i < model_.nodes.size(); ++i) {
        node::Sysctls keys;
        for (const auto& kv : model_.nodes[i].sysctls)
            if (!node::sysctl_interface(kv.first).empty()) keys.push_back(kv);
        if (keys.empty()) continue;
        // /proc/sys/net answers for the network namespace of whoever opens it: step in, write,
        // step back (the keeper is single-threaded, so this thread is the process).
        sys::Fd self(::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC));
        if (::setns(netns_[i].get(), CLONE_NEWNET) < 0) throw SystemError("enter node " + model_.nodes[i].name, errno);
        try {
            node::write_sysctls(keys);
        } catch (const SystemError& e) {
            ::setns(self.get(), CLONE_NEWNET);
            throw Error("node " + model_.nodes[i].name + ": " + e.what());
        }
        ::setns(self.get(), CLONE_NEWNET);
    }
}

void Runtime::run_exec(int timeout_s, const std::vector<int>& wake_fds) {
    std::vector<ExecNode> nodes;
    for (std::size_t i = 0; i < model_.nodes.size(); ++i) {
        if (model_.nodes[i].exec.empty()) continue;
        nodes.push_back({&model_.nodes[i], inits_[i].pidfd.get()});
    }
    if (nodes.empty()) return;
    run_exec_phase(state_, nodes, timeout_s, progress_, wake_fds);
}

void Runtime::teardown() noexcept {
    // Pins first, while every namespace is alive and the kernel quiet: each unmount waits for
    // an RCU grace period, which takes ~15x longer once the kernel is busy freeing 1000
    // namespaces (single,1000: 750 ms after the kill, 45 ms before it).
    try {
        unpin_lab(state_.lab);
    } catch (const std::exception&) {
    }
    // A node without a PID namespace has no PID 1 whose death ends its daemons: its cgroup
    // holds them all, and so does every limited node's.
    for (const auto& d : state_.cgroups) {
        try {
            sys::cgroup_kill(d);
        } catch (const std::exception&) {
        }
    }
    // Killing PID 1 of a PID namespace kills everything in it; the kernel then frees each
    // namespace with its links in one batch. No link is deleted one by one.
    // An init has no pidfd yet if the build failed while cloning; it is our unreaped child,
    // so its PID is still its own.
    for (auto& p : inits_) {
        if (p.pidfd) sys::pidfd_signal(p.pidfd.get(), SIGKILL);
        else if (p.pid > 0) ::kill(p.pid, SIGKILL);
    }
    // An init exits only once every process of its PID namespace is reaped. One whose parent
    // is outside the node (a command started by a process that then died) is reaped by that
    // parent's reaper, which may be slow; the lab still goes down, and the init follows.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    for (auto& p : inits_) {
        if (p.pid <= 0) continue;
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        if (p.pidfd && !sys::pidfd_wait_exit(p.pidfd.get(), std::max<long>(0, left.count())))
            std::fprintf(stderr, "teardown: node %s is still exiting (a process of it waits to be reaped)\n", p.node.c_str());
        else
            ::waitpid(p.pid, nullptr, 0);
        p.pidfd.reset();
    }
    // Commands started by `exec` whose node had no PID namespace are our children too.
    while (::waitpid(-1, nullptr, WNOHANG) > 0) {}
    fault::point("teardown");
    socks_.clear();
    netns_.clear();
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (!remove_lab_cgroups(state_.cgroups, static_cast<int>(std::max<long>(1000, left.count()))))
        std::fprintf(stderr, "teardown: a cgroup of lab %s still holds a process\n", state_.lab.c_str());
    remove_host_dirs(state_.lab);
    try {
        sys::remove_tree(lab_dir(state_.lab));
    } catch (const std::exception&) {
    }
}

}  // namespace nslab::lab
