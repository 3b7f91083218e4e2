// Shared pieces of the privileged integration tests: root gating, running the `lab` CLI,
// pinging from inside nodes, and host snapshots that prove a test left nothing behind.
#pragma once

#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>
#include <vector>

#include "lab/lab.hpp"
#include "nslab_testing.hpp"

namespace nslab::test {

// From tests/support, shared with the unit tests and (in Python) the other suites.
using nslab_testing::lab_bin;
using nslab_testing::source_dir;

struct CmdResult {
    int code = -1;
    std::string out;   // stdout and stderr together
};

// Runs a shell command line; reaps any keeper the command left as our child.
CmdResult sh(const std::string& cmdline);
// Runs the built `lab` binary with these arguments (each shell-quoted).
CmdResult lab_cli(const std::vector<std::string>& args);
std::string topology(const std::string& name);  // path of topologies/<name>

// What a lab could leave on the host (tests/support's HostSnapshot, the same lines as the
// Python suites' snapshot), and the test process's own open descriptors: the engine runs in
// this process, so a descriptor it leaks stays here.
struct Snapshot {
    nslab_testing::HostSnapshot host;
    std::size_t fds = 0;
    static Snapshot take();  // reaps exited children first (keepers `lab up` made ours)
    // Empty when `after` has nothing `before` lacks; else a description of what is new. Only
    // what is new: something the test removed is not what these checks look for.
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
    std::set<std::string> labs_before_;  // labs up before the test: not the test's to take down
    bool root_ = false;
};

}  // namespace nslab::test
