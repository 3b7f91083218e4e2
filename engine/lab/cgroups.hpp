// A lab's cgroups: one directory per hierarchy ("<hierarchy>/nslab/<lab>"), one per node below
// it. The v2 directory sits under the v2 root (v2 lets only a cgroup without processes pass
// controllers on); a v1 one under the keeper's own cgroup of that hierarchy, so limits the host
// set on whoever runs `lab up` still hold. A v1 hierarchy a limit needs that the host has not
// mounted is mounted under run_dir()/.cgroup/ and unmounted when no lab uses it.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

#include "node/cgroup.hpp"
#include "topology/model.hpp"

namespace nslab::lab {

class LabCgroups {
public:
    // Probes the host and, if any node needs a cgroup, makes the lab's directories.
    LabCgroups(const std::string& lab, const topo::Model& m);
    // Creates node i's cgroups with its limits and moves `pid` (its init, not yet released) in.
    // Returns the directories (none for a node that needs no cgroup).
    std::vector<std::string> add_node(const topo::Node& n, pid_t pid);
    std::string mode(const topo::Node& n) const { return node::cgroup_mode(host_, n); }
    const std::vector<std::string>& lab_dirs() const { return dirs_; }

private:
    node::CgroupHost host_;
    std::vector<node::LabHierarchy> labs_;
    std::vector<std::string> dirs_;
};

// Kills every process in the lab's cgroups, waits up to `timeout_ms` for them to be gone, and
// removes the directories (and the shared parents and mounts nobody uses any more). Returns
// false if a cgroup still held a process at the deadline. Never throws.
bool remove_lab_cgroups(const std::vector<std::string>& lab_dirs, int timeout_ms);
// The lab directories named `lab` in every hierarchy of this host (for `lab clean`).
std::vector<std::string> find_lab_cgroups(const std::string& lab);
// A cgroup directory read from lab `lab`'s state file, canonicalized, if it is one nslab could
// have made for that lab: on a cgroup filesystem (statfs), below one of the host's cgroup
// mounts, ending in /nslab/<lab>. nullopt when it no longer exists; throws Error naming the
// path otherwise (a forged state file must not make us kill a planted cgroup.procs).
std::optional<std::string> trusted_lab_cgroup(const std::string& lab, const std::string& path);
// Names of labs that have a cgroup directory on this host.
std::vector<std::string> cgroup_lab_names();

}  // namespace nslab::lab
