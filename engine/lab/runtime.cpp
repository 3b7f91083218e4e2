#include "lab/runtime.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <algorithm>
#include <map>
#include <optional>

#include "lab/cgroups.hpp"
#include "lab/daemons.hpp"
#include "lab/devices.hpp"
#include "lab/exec_phase.hpp"
#include "lab/impair.hpp"
#include "lab/paths.hpp"
#include "lab/host_dirs.hpp"
#include "lab/pins.hpp"
#include "lab/teardown.hpp"
#include "node/cgroup.hpp"
#include "node/sysctl.hpp"
#include "plan/messages.hpp"
#include "sys/netns_guard.hpp"
#include "sys/process.hpp"
#include "sys/cgroupfs.hpp"
#include "sys/files.hpp"
#include "util/error.hpp"
#include "util/fault.hpp"

namespace nslab::lab {

namespace {
// How many nodes between progress reports (and abort checks).
constexpr std::size_t kTick = 32;

// An init names a failed sysctl only by its step ("sysctl net.ipv4.ip_forward=abc"); when the
// key is one of the topology's, point at it rather than at the whole node.
Cause init_cause(Cause c, const topo::Model& m) {
    const std::string prefix = "sysctl ";
    if (c.step.rfind(prefix, 0) != 0) return c;
    const std::string key = c.step.substr(prefix.size(), c.step.find('=') - prefix.size());
    for (const auto& nd : m.nodes)
        if (nd.name == c.node)
            for (const auto& kv : nd.sysctls)
                if (kv.first == key) c.pointer = nd.pointer + "/sysctls/" + key;
    return c;
}

}  // namespace

Runtime::Runtime(topo::Model model, State state, Progress progress)
    : model_(std::move(model)), state_(std::move(state)), progress_(std::move(progress)) {}

Runtime::~Runtime() = default;

void Runtime::build(int exec_timeout_s, std::vector<int> wake_fds) {
    // Their config files go in with the node's other files, written by its init.
    for (auto& nd : model_.nodes) prepare_daemon_files(nd);
    // A kind the kernel lacks fails the lab before anything of it exists.
    check_device_kinds(model_);
    prepare_netns_dir();
    spawn_nodes();
    open_sockets();
    facts_ = measure_facts();
    plan_ = plan::make_plan(model_, facts_);
    impair_ = std::make_unique<LabImpairments>(state_.lab, plan_);
    send_phase(plan::Stage::Bridges);
    send_phase(plan::Stage::Links);
    send_phase(plan::Stage::Ports);
    send_phase(plan::Stage::Interfaces);
    send_phase(plan::Stage::Config);
    send_phase(plan::Stage::Impairments);
    impair_->start();
    pin_nodes();
    send_phase(plan::Stage::Sysctls);
    for (std::size_t i = 0; i < model_.nodes.size(); ++i) ifindex_[model_.nodes[i].name] = plan_.ifindex[i];
    next_ifindex_ = 2;
    for (const auto& per_node : plan_.ifindex)
        for (const auto& kv : per_node) next_ifindex_ = std::max(next_ifindex_, kv.second + 1);
    for (const auto& kv : plan_.forwarder_ifindex) next_ifindex_ = std::max(next_ifindex_, kv.second + 1);
    // The sockets and namespace fds are only needed while wiring; the inits hold the rest. The
    // plan's messages too (~5 KiB a node): a live change plans from the models again.
    socks_.clear();
    netns_.clear();
    plan_ = plan::Plan{};
    // Not "up" yet: a failing exec command still rolls the lab back.
    state_.status = "exec";
    save(state_);
    fault::point("up");
    run_exec(exec_timeout_s, wake_fds);
    start_node_daemons(exec_timeout_s, wake_fds);
    state_.status = "up";
    save(state_);
}

void Runtime::spawn_nodes() {
    const std::size_t n = model_.nodes.size();
    make_host_dirs(state_.lab, model_);
    cgroups_ = std::make_unique<LabCgroups>(state_.lab, model_);
    state_.cgroups = cgroups_->lab_dirs();
    std::vector<const topo::Node*> nodes;
    nodes.reserve(n);
    for (const auto& nd : model_.nodes) nodes.push_back(&nd);
    kept_ = fd_budget(n);
    start_inits(nodes, inits_, true, kept_);
    progress_("nodes", n, n);
}

void Runtime::start_inits(const std::vector<const topo::Node*>& nodes, std::vector<node::InitProcess>& inits, bool report,
                          std::size_t keep_fds) {
    const std::size_t n = nodes.size();
    inits.reserve(n);
    sys::Fd self = sys::pidfd_open(::getpid());
    // Inits write only the baseline sysctls a new namespace does not already have.
    const node::FreshValues fresh = node::fresh_netns_values(node::baseline_keys());
    node::InitReports reports;
    // Clone all first, then collect: the inits set themselves up while we clone the next.
    for (std::size_t i = 0; i < n; ++i) {
        const auto& nd = *nodes[i];
        // Held until #1 only when the init must join its cgroups before it runs anything.
        inits.push_back(node::start_init(nd, node::start_sysctls(nd, &fresh), self.get(), reports,
                                         static_cast<std::uint32_t>(i), node::needs_cgroup(nd)));
        node_cgroups_[nd.name] = cgroups_->add_node(nd, inits.back().pid);
        node::release_init(inits.back());
        fault::point("node");
        if (report && i % kTick == kTick - 1) progress_("nodes", i + 1, n);
    }
    // The lab's record knows every init before anything can fail: `lab clean` finds them.
    for (std::size_t i = 0; i < n; ++i) {
        const auto& p = inits[i];
        auto id = sys::identity_of(p.pid);
        NodeState ns{p.node, id ? *id : sys::ProcIdentity{p.pid, 0}, cgroups_->mode(*nodes[i])};
        auto it = std::find_if(state_.nodes.begin(), state_.nodes.end(), [&](const NodeState& s) { return s.name == p.node; });
        if (it != state_.nodes.end()) *it = ns;
        else state_.nodes.push_back(ns);
    }
    save(state_);
    fault::point("nodes");
    try {
        reports.await_all(inits, keep_fds);
    } catch (const NodeError& e) {
        throw NodeError(init_cause(e.cause(), model_), e.op(), e.err(), e.ext_ack(), e.what());
    }
}

namespace {
// A pidfd per node stays (the keeper watches its inits); while wiring, a node's socket and
// namespace are two more. Past the limit those are kept for the first nodes only and the rest
// opened per batch: a 10,000-node lab fits a hard limit of 20,000.
constexpr std::size_t kHeldPerNode = 1, kWiringPerNode = 2;
constexpr std::size_t kFdReserve = 576;  // logs, the forwarder, a batch's peers, exec pipes
}  // namespace

void Runtime::check_fd_budget(std::size_t n) {
    const std::size_t need = kHeldPerNode * n + kFdReserve;
    sys::raise_fd_limit((kHeldPerNode + kWiringPerNode) * n + kFdReserve);  // all held, where we may
    rlimit rl{};
    if (::getrlimit(RLIMIT_NOFILE, &rl) < 0) throw SystemError("getrlimit RLIMIT_NOFILE", errno);
    if (rl.rlim_cur != RLIM_INFINITY && need > rl.rlim_cur)
        throw Error("lab needs about " + std::to_string(need) + " descriptors (" + std::to_string(kHeldPerNode) +
                    " per node for " + std::to_string(n) + " nodes, " + std::to_string(kFdReserve) +
                    " more), RLIMIT_NOFILE hard limit is " + std::to_string(rl.rlim_max) + "; raise it with ulimit -Hn");
}

std::size_t Runtime::fd_budget(std::size_t n) {
    rlimit rl{};
    if (::getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur == RLIM_INFINITY) return n;
    const std::size_t limit = rl.rlim_cur;
    if (limit >= (kHeldPerNode + kWiringPerNode) * n + kFdReserve) return n;
    const std::size_t held = kHeldPerNode * n + kFdReserve;
    return limit > held ? (limit - held) / kWiringPerNode : 0;
}

void Runtime::open_sockets() {
    netns_.reserve(inits_.size());
    socks_.reserve(inits_.size());
    // Each init handed over its namespace and a netlink socket made in it with "ready" (empty
    // past kept_).
    for (auto& p : inits_) {
        if (p.netlink) socks_.emplace_back(nl::Socket::adopt(p.netlink.release()));
        else socks_.emplace_back();
        netns_.push_back(std::move(p.netns));
    }
}

nl::Socket& Runtime::sock(std::size_t node, std::optional<nl::Socket>& transient) {
    if (socks_[node]) return *socks_[node];
    transient.emplace(nl::Socket::open_in(inits_[node].pidfd.get()));
    return *transient;
}

int Runtime::netns_fd(std::size_t node, std::vector<sys::Fd>& transient) {
    if (netns_[node]) return netns_[node].get();
    const std::string path = "/proc/" + std::to_string(inits_[node].pid) + "/ns/net";
    transient.emplace_back(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!transient.back()) throw SystemError("open the network namespace of node " + model_.nodes[node].name, errno);
    return transient.back().get();
}

plan::Facts Runtime::measure_facts() {
    plan::Facts f;
    if (socks_.empty()) return f;
    // Every new namespace starts with the same devices: lo, and fallback tunnels (sit0, gre0,
    // ...) of the modules loaded. Ours get the indexes after them.
    std::optional<nl::Socket> t0, t1;
    for (const auto& l : sock(0, t0).dump_links()) f.first_ifindex = std::max(f.first_ifindex, l.ifindex + 1);
    // lo exists and is up in every node from the start: a harmless place to try netem.
    for (const auto& link : model_.links)
        if (!link.netem.empty()) {
            f.netem = netem_available(sock(link.ends[0].node, t1), 1);
            break;
        }
    return f;
}

void Runtime::send_phase(plan::Stage stage) {
    const plan::Phase* phase = plan_.phase(stage);
    if (!phase) return;
    const std::size_t n = model_.nodes.size();
    std::size_t done = 0, batches = 0;
    for (const auto& b : phase->batches) {
        if (stage == plan::Stage::Sysctls) {
            write_interface_sysctls(b, inits_[b.target.node].pidfd.get(), model_.nodes[b.target.node].name);
            continue;
        }
        if (b.target.kind == plan::Target::Host) {  // the VXLAN between machines, made from ours
            send_batch(b);
            continue;
        }
        // A pidfd enters a namespace as well as its nsfs file does (setns, CLONE_NEWNET).
        if (stage == plan::Stage::Interfaces) make_taps(b, inits_[b.target.node].pidfd.get(), model_.nodes[b.target.node].name);
        const std::size_t sent = send_batch(b);
        if (stage == plan::Stage::Interfaces) configure_wireguard(b, inits_[b.target.node].pidfd.get(), model_.nodes[b.target.node].name);
        if (b.target.kind == plan::Target::Forwarder) continue;
        ++batches;
        switch (stage) {
            case plan::Stage::Bridges: fault::point("bridge"); break;
            case plan::Stage::Links:
                fault::point("link");
                done += sent;
                progress_("links", done, model_.links.size());
                break;
            case plan::Stage::Config:
                fault::point("config");
                if (batches % kTick == 0) progress_("config", batches, n);
                break;
            default: break;
        }
    }
    if (stage == plan::Stage::Config) progress_("config", n, n);
}

std::size_t Runtime::send_batch(const plan::Batch& b) {
    const bool fwd = b.target.kind == plan::Target::Forwarder;
    const bool host = b.target.kind == plan::Target::Host;
    std::vector<sys::Fd> opened;  // namespaces of nodes past kept_, closed with the batch
    std::map<std::size_t, int> opened_of;
    auto netns_of = [&](const plan::Target& t) {
        if (t.kind == plan::Target::Forwarder) return impair_->netns();
        auto it = opened_of.find(t.node);
        return it != opened_of.end() ? it->second : opened_of[t.node] = netns_fd(t.node, opened);
    };
    std::vector<nl::Message> msgs;
    std::vector<const plan::Step*> step_of;  // the step each request came from
    for (const auto& s : b.steps)
        if (auto m = plan::message_for(s, netns_of)) {
            msgs.push_back(std::move(*m));
            step_of.push_back(&s);
        }
    try {
        if (fwd) nl::Socket::open_in(impair_->netns()).execute_or_throw(msgs, b.context);
        else if (host) nl::Socket::open().execute_or_throw(msgs, b.context);
        else {
            std::optional<nl::Socket> transient;
            sock(b.target.node, transient).execute_or_throw(msgs, b.context);
        }
    } catch (const nl::NetlinkError& e) {
        // The first refusal names the error (its text says how many more there were).
        const auto& f = e.failures();
        const plan::Step* s = !f.empty() && f[0].index < step_of.size() ? step_of[f[0].index] : nullptr;
        std::string node;
        if (host) {
            auto* d = s ? std::get_if<plan::Device>(&s->action) : nullptr;
            if (d && d->place_in) node = model_.nodes[d->place_in->node].name;
        } else if (!fwd) {
            node = model_.nodes[b.target.node].name;
        }
        Cause c{node, s ? s->pointer : "", s ? s->id : "", true};
        throw NodeError(std::move(c), e.op(), e.err(), e.detail(), e.what());
    }
    return msgs.size();
}

void Runtime::pin_nodes() {
    for (std::size_t i = 0; i < inits_.size(); ++i) {
        pin_node(state_.lab, inits_[i].node, inits_[i].pid);
        fault::point("pin");
    }
}

void Runtime::write_interface_sysctls(const plan::Batch& b, int netns_fd, const std::string& name) {
    // /proc/sys/net answers for the network namespace of whoever opens it.
    sys::NetnsGuard in(netns_fd, "node " + name);
    // One key at a time, so a failure names its step.
    for (const auto& step : b.steps) {
        auto* s = std::get_if<plan::Sysctl>(&step.action);
        if (!s) continue;
        try {
            node::write_sysctls({{s->key, s->value}});
        } catch (const SystemError& e) {
            throw NodeError({name, step.pointer, step.id, false}, e.op(), e.err(), e.detail(), b.context + ": " + e.what());
        }
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

void Runtime::start_node_daemons(int timeout_s, const std::vector<int>& wake_fds) {
    std::vector<ExecNode> nodes;
    for (std::size_t i = 0; i < model_.nodes.size(); ++i)
        if (model_.nodes[i].frr || model_.nodes[i].bird) nodes.push_back({&model_.nodes[i], inits_[i].pidfd.get()});
    daemons_ = start_daemons(state_, nodes, timeout_s, progress_, wake_fds);
}

void Runtime::teardown() noexcept {
    // Politely first (SIGTERM, then SIGKILL after a bound), while their nodes still stand.
    stop_daemons(daemons_);
    socks_.clear();
    netns_.clear();
    Teardown t{state_.lab, {}, state_.cgroups, true};
    t.inits.reserve(inits_.size());
    for (auto& p : inits_) t.inits.push_back({p.node, p.pid, std::move(p.pidfd)});
    TeardownResult r = tear_down(t);
    for (const auto& f : r.failed) std::fprintf(stderr, "teardown: %s\n", f.c_str());
    for (const auto& d : r.cgroups_left) std::fprintf(stderr, "teardown: cgroup %s still holds a process\n", d.c_str());
}

}  // namespace nslab::lab
