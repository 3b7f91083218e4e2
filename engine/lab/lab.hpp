// The engine's face for the CLI and the bindings: bring a lab up, find a running one, run
// commands in its nodes, take it down, clean up after crashes.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "exec/run.hpp"
#include "exec/spawn.hpp"
#include "lab/state.hpp"
#include "topology/model.hpp"

namespace nslab::lab {

struct UpOptions {
    std::string name;            // overrides the topology's name (`lab up --name`)
    std::string source;          // file name, for messages and `lab status`
    std::string workdir;         // cwd of `exec` commands; default: the source's directory
    bool ephemeral = false;      // the lab dies with the calling process
    std::string partition;       // a host of the topology's `placement`: bring up only its part
    std::string hosts;           // JSON text: the machines to spread over (`lab up --hosts`), as
                                 // the topology's `placement` takes them
    std::string hosts_source;    // its file name, for messages
    int exec_timeout_s = 60;
    std::function<void(const std::string& stage, std::size_t done, std::size_t total)> progress;
};

// What a live change did: the difference as lines ("+ node r4", "- link r1:eth2 <-> r3:eth1").
struct ChangeResult {
    std::vector<std::string> lines;
    bool applied = false;  // false for a dry run
    double ms = 0;         // in the keeper
};

class Lab {
public:
    // Validates, then has a keeper build the lab; returns when it is wired and every `exec`
    // command has run. On failure nothing is left and the error says why (TopologyError,
    // nslab::Error, SystemError).
    static Lab up(const std::string& topology_text, const UpOptions& opts);
    static Lab up_file(const std::string& path, UpOptions opts);
    // A running lab by name (nslab::Error if there is none).
    static Lab attach(const std::string& name);

    Lab(Lab&&) noexcept;
    Lab& operator=(Lab&&) noexcept;
    ~Lab();  // does not take the lab down

    // Takes the lab down and returns when its processes, pins and state are gone.
    void down();
    // An ephemeral lab stops depending on its owner and stays up until `lab down`.
    void detach();

    const std::string& name() const { return state_.lab; }
    const State& state() const { return state_; }
    const topo::Model& model() const { return model_; }
    const topo::Node& node(const std::string& name) const;  // nslab::Error if unknown
    // For a lab made by up(): when each build stage ("nodes", "links", "config", "exec")
    // reported its last step, in ms from the start of up(); empty for an attached lab.
    const std::vector<std::pair<std::string, double>>& stage_ms() const { return stage_ms_; }

    // Start a process in a node (see exec::spawn); env/cwd default to the node's.
    exec::Child spawn(const std::string& node, exec::SpawnSpec spec) const;
    exec::RunResult run(const std::string& node, const std::vector<std::string>& argv,
                        const exec::RunOptions& opts = {}) const;
    // An interactive command on a pty of its own, relayed to the caller's terminal; returns
    // its exit code.
    int run_on_terminal(const std::string& node, const std::vector<std::string>& argv) const;
    // Live changes (a running lab's keeper reconciles it to the next version; lab/live.cpp).
    // On failure (TopologyError for what the new version or a running lab cannot take,
    // NodeError/Error for a step the kernel refused) the lab is as it was. This handle shows
    // the new version afterwards.
    ChangeResult apply(const std::string& topology_text, const std::string& source = {}, bool dry_run = false);
    ChangeResult add_node(const std::string& name, const std::string& spec_json = {});
    ChangeResult remove_node(const std::string& name);
    ChangeResult add_link(const std::string& a, const std::string& b, const std::string& spec_json = {});
    ChangeResult remove_link(const std::string& endpoint);
    // Re-reads the lab's state and topology (after a change made by another process).
    void refresh();

    // A pidfd for the node's init, verified to be the recorded process.
    sys::Fd init_pidfd(const std::string& node) const;

private:
    Lab() = default;
    // What starting a process inside a node takes: its verified init, the namespaces to join
    // and the node's environment.
    struct Entry {
        sys::Fd pidfd;
        unsigned long flags = 0;
        std::vector<std::string> env;
    };
    Entry entry(const std::string& node) const;
    ChangeResult change(const nlohmann::json& request);

    State state_;
    topo::Model model_;
    pid_t child_keeper_ = 0;     // when the keeper is our own child, we reap it
    std::vector<std::pair<std::string, double>> stage_ms_;
};

// Names of labs with state on this machine.
std::vector<std::string> list();
// The lab a command means: `name` if given, else the only lab running.
std::string resolve(const std::string& name);
// Takes a lab down by name (through its keeper, or directly if the keeper is gone).
void down(const std::string& name);
// The same, reporting progress("nodes", exited, total) as the lab's node inits exit.
void down_with_progress(const std::string& name,
                        const std::function<void(const std::string& stage, std::size_t done, std::size_t total)>& progress);

struct CleanReport {
    std::vector<std::string> labs;    // labs whose leftovers were removed
    std::size_t processes = 0;        // inits killed
    std::vector<std::string> kept;    // "<what>: <why>": may belong to a live lab, left alone
    std::vector<std::string> failed;  // "<what>: <why>": a dead lab's, but could not be removed
};
// Removes what crashed or killed runs left: labs of this state dir whose keeper is gone
// (their inits, found by recorded identity, their cgroups, pins and state), and lab cgroups
// whose claiming keeper is gone. Anything a live keeper may still own is left alone.
CleanReport clean();

// The path of the nslab-keeper executable.
std::string keeper_path();

}  // namespace nslab::lab
