// A node's cgroups: where its limits go (cgroup v2 where the host's v2 root passes the
// controller on, else the controller's v1 hierarchy), creating them with their limits, and
// moving the node's init in before it runs anything (sync point #1 in init.cpp).
#pragma once

#include <sys/types.h>

#include <map>
#include <string>
#include <vector>

#include "topology/model.hpp"

namespace nslab::node {

// What the host offers.
struct CgroupHost {
    std::string v2;                          // the cgroup2 mount, "" if none
    std::vector<std::string> v2_enabled;     // controllers the v2 root passes to its children
    std::map<std::string, std::string> v1;   // controller -> mount of its v1 hierarchy
};
CgroupHost probe_cgroups();

// The controllers a node's limits need: "memory", "pids", "cpu".
std::vector<std::string> limit_controllers(const topo::Limits& l);
// A node gets cgroups when it has limits, when its processes must be found for teardown (no
// PID namespace), or when it asked for a cgroup namespace (whose root is its own cgroup).
bool needs_cgroup(const topo::Node& n);
// Where a node's limits are enforced: "v2", "v1", "v1+v2" (some of each), or "" without limits
// (then the hierarchy it joins: "v2" or "v1").
std::string cgroup_mode(const CgroupHost& host, const topo::Node& n);

// One hierarchy of a lab: "<mount>[<keeper's cgroup>]/nslab/<lab>", and for v1 its controllers.
struct LabHierarchy {
    int version = 2;
    std::string dir;
    std::vector<std::string> controllers;   // v1: those bound to it; v2: those enabled below dir
};

// The node's directory in each hierarchy it joins, created with its limits written. Throws
// SystemError naming the file on failure; what was made is left for the lab's removal.
std::vector<std::string> create_node_cgroups(const std::vector<LabHierarchy>& labs, const CgroupHost& host,
                                             const topo::Node& n);
// Moves `pid` into each directory (cgroup.procs).
void attach_cgroups(const std::vector<std::string>& dirs, pid_t pid);

}  // namespace nslab::node
