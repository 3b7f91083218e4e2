// Shared pieces of the privileged integration tests: root gating, running the `lab` CLI,
// pinging from inside nodes, and host snapshots that prove a test left nothing behind.
#pragma once

#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>
#include <vector>

#include "lab/lab.hpp"

namespace nslab::test {

struct CmdResult {
    int code = -1;
    std::string out;   // stdout and stderr together
};

// Runs a shell command line; reaps any keeper the command left as our child.
CmdResult sh(const std::string& cmdline);
// Runs the built `lab` binary with these arguments (each shell-quoted).
CmdResult lab_cli(const std::vector<std::string>& args);
std::string lab_bin();
std::string source_dir();
std::string topology(const std::string& name);  // path of topologies/<name>

// What a lab could leave on the host.
struct Snapshot {
    std::set<std::string> links, routes, mounts, netns, nslab, processes, cgroups;
    std::size_t fds = 0;
    static Snapshot take();
    // Empty when `after` has nothing `before` lacks; else a description of what is new.
    static std::string diff(const Snapshot& before, const Snapshot& after);
};

// Pings `addr` once from inside `node` (iputils ping, 2 s deadline).
bool ping(const lab::Lab& l, const std::string& node, const std::string& addr);
// Every address of every non-switch node from every other non-switch node; returns the
// failures as "r1 -> 10.0.0.3" lines. `neighbours_only`: only addresses in a subnet the source
// node has itself.
std::vector<std::string> ping_all(const lab::Lab& l, bool neighbours_only = false);

// Base fixture: skips (or, with NSLAB_REQUIRE_ROOT=1, fails) without root; takes a host
// snapshot before the test and checks it again after, taking down any lab still up first.
class LabTest : public ::testing::Test {
protected:
    void SetUp() override;
    void TearDown() override;
    Snapshot before_;
    bool root_ = false;
};

}  // namespace nslab::test
