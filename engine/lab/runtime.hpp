// A lab as the keeper holds it: the node inits (its children), their namespaces and netlink
// sockets while wiring, and the steps that build it and take it down.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <memory>
#include <string>
#include <vector>

#include "lab/state.hpp"
#include "netlink/netlink.hpp"
#include "node/init.hpp"
#include "plan/plan.hpp"
#include "topology/model.hpp"

namespace nslab::lab {

class LabImpairments;  // impair.hpp
struct NodeDaemons;    // daemons.hpp
class LabCgroups;      // cgroups.hpp

// Called between steps and every few nodes: reports progress and throws to abort the build
// (the owner died, or someone asked the lab to go down).
using Progress = std::function<void(const std::string& stage, std::size_t done, std::size_t total)>;

// What a live change did (or, for a dry run, would do): the difference as lines a user reads.
struct ApplyResult {
    std::vector<std::string> lines;
    bool applied = false;
    double ms = 0;
};

class LiveApply;  // live.cpp

class Runtime {
public:
    Runtime(topo::Model model, State state, Progress progress);
    ~Runtime();

    // Builds the whole lab; throws (nslab::Error, SystemError, NetlinkError) on failure, after
    // which teardown() removes whatever was made. The exec phase, which may wait long on a
    // command, also wakes when one of `wake_fds` is readable (the keeper's signalfd, its
    // owner's pidfd) and calls the progress callback, so that it can abort at once.
    void build(int exec_timeout_s, std::vector<int> wake_fds = {});
    // Kills every init, reaps it, removes pins and the state directory. Never throws.
    void teardown() noexcept;
    // Reconciles the running lab to `after` (see plan/diff.hpp), whose text `text` becomes the
    // lab's topology. A change that fails undoes what it did and rethrows: the lab stays as it
    // was and keeps running. With `dry_run` only the difference is returned.
    ApplyResult apply(topo::Model after, const std::string& text, bool dry_run, int exec_timeout_s);

    // Fails before anything is built when the descriptors a lab of `n` nodes must hold cannot fit
    // under RLIMIT_NOFILE, raised first as far as this process may: otherwise the build fails
    // thousands of nodes in with a misleading error about some node's init.
    static void check_fd_budget(std::size_t n);

    State& state() { return state_; }
    const topo::Model& model() const { return model_; }

private:
    friend class LiveApply;
    void spawn_nodes();
    // Clones `nodes`' inits into `inits` (empty), places them in cgroups, records them in the
    // state and awaits their reports. On failure what is in `inits` is the caller's to kill.
    void start_inits(const std::vector<const topo::Node*>& nodes, std::vector<node::InitProcess>& inits, bool report,
                     std::size_t keep_fds = static_cast<std::size_t>(-1));
    // How many nodes' sockets and namespaces the descriptor limit lets us hold while wiring.
    static std::size_t fd_budget(std::size_t n);
    void open_sockets();
    // Node `node`'s netlink socket: the one its init handed over, or one opened into
    // `transient` (a node past kept_).
    nl::Socket& sock(std::size_t node, std::optional<nl::Socket>& transient);
    // Node `node`'s network namespace: held, or opened into `transient`.
    int netns_fd(std::size_t node, std::vector<sys::Fd>& transient);
    plan::Facts measure_facts();
    // Sends each batch of the plan's phase `stage` on its namespace's socket.
    void send_phase(plan::Stage stage);
    // Sends one batch's requests and returns how many; a refusal becomes a NodeError naming
    // the node, the step and its JSON pointer.
    std::size_t send_batch(const plan::Batch& b);
    void write_interface_sysctls(const plan::Batch& b, int netns_fd, const std::string& node);
    void pin_nodes();
    void run_exec(int timeout_s, const std::vector<int>& wake_fds);
    void start_node_daemons(int timeout_s, const std::vector<int>& wake_fds);

    topo::Model model_;
    State state_;
    Progress progress_;
    std::vector<node::InitProcess> inits_;     // index = node index
    std::vector<sys::Fd> netns_;               // while wiring
    std::vector<std::optional<nl::Socket>> socks_;  // while wiring
    std::size_t kept_ = 0;                     // nodes whose socket and netns are held
    plan::Plan plan_;
    // Measured once at build (the first free ifindex after the tunnel modules' fallback
    // devices): a live change's plans of the lab must number its interfaces the same way.
    plan::Facts facts_;
    std::unique_ptr<LabImpairments> impair_;   // link impairments (netem or the forwarder)
    std::unique_ptr<LabCgroups> cgroups_;      // limits, and a handle on every node process
    // Once built: every interface's ifindex by node and name (lo included), kept true across
    // live changes, and the next one free for an interface a change adds.
    std::map<std::string, std::map<std::string, int>> ifindex_;
    int next_ifindex_ = 0;
    std::map<std::string, std::vector<std::string>> node_cgroups_;  // a node's own cgroup dirs
    std::vector<NodeDaemons> daemons_;         // the nodes' `frr`/`bird` daemons, stopped first
};

}  // namespace nslab::lab
