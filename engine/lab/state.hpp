// A lab's record on disk (state.json), so any process can find the lab and its nodes again.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "sys/process.hpp"

namespace nslab::lab {

struct NodeState {
    std::string name;
    sys::ProcIdentity init;
    std::string cgroup;            // where its limits are enforced: "v2", "v1", "v1+v2", "" (none)
};

struct State {
    std::string lab;
    std::string status;            // "building", "up", "stopping"
    std::string boot_id;
    sys::ProcIdentity keeper;
    bool ephemeral = false;
    bool userns = false;           // rootless: the lab lives in a user namespace of its own
    std::string source;            // topology path as given, for display
    std::string partition;         // this machine's part of a lab over several (`lab up --partition`)
    bool fleet = false;            // a lab over several machines, started here (lab/fleet.hpp)
    std::string workdir;           // where `exec` commands run (the topology file's directory)
    double created = 0;            // unix time
    double up_ms = 0;              // wall time of the build
    std::vector<NodeState> nodes;
    std::vector<std::string> cgroups;  // the lab's cgroup directories, one per hierarchy
};

void save(const State& s);                                    // atomic replace
std::optional<State> load(const std::string& lab);            // nullopt if no state file
// The keeper is alive and is the one recorded (same boot, PID and start time).
bool keeper_alive(const State& s);
// Lab names that have a directory under run_dir().
std::vector<std::string> list_labs();

}  // namespace nslab::lab
