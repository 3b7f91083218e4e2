// The one set of helpers the C++ test executables use (tests/unit, tests/integration); its
// Python counterpart is tests/support/nslab_testing.py. The library links nothing of the engine:
// it must not share the bugs of the code it checks (the snapshot asks `ip`, not our netlink).
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <map>
#include <string>
#include <vector>

namespace nslab_testing {

// --- where things are -------------------------------------------------------------------------
// The build tree this test executable was built in (CMake's PROJECT_BINARY_DIR, compiled in).
// Not BUILD_DIR from the environment, as the Python tests take: ci/extended exports BUILD_DIR
// for the normal build and then runs the sanitizer build's integration tests, which must drive
// that build's own `lab` and keeper.
std::string build_dir();
std::string source_dir();
std::string lab_bin();      // BUILD/cli/lab
std::string keeper_bin();   // BUILD/cli/nslab-keeper

// --- root ---------------------------------------------------------------------------------------
// CI sets NSLAB_REQUIRE_ROOT=1: what would skip for want of root fails instead.
bool root_required();
inline constexpr const char* kRootReason = "creates namespaces, links and mounts";

// Skips the current test ("needs root (WHY)"), or fails it under NSLAB_REQUIRE_ROOT=1, when
// not root. A macro: GTEST_SKIP and FAIL return from the function they are written in, so it
// must be used in the test body or in SetUp, where that return ends the test.
#define NSLAB_TEST_NEEDS_ROOT(why)                                                                \
    do {                                                                                         \
        if (::geteuid() != 0) {                                                                  \
            if (::nslab_testing::root_required())                                               \
                FAIL() << "needs root (" << (why) << ") and NSLAB_REQUIRE_ROOT=1 is set";        \
            GTEST_SKIP() << "needs root (" << (why) << ")";                                      \
        }                                                                                        \
    } while (0)

// --- processes ----------------------------------------------------------------------------------
// Reaps every exited child without waiting (keepers that `lab up` made our children). Only call
// it when no child of ours is still to be waited for: it would take that one's exit status.
void reap();

// --- the host snapshot --------------------------------------------------------------------------
// What a lab could leave on the host: one sorted list of lines per kind (links, addresses,
// routes, netns, mounts, files, cgroups, processes), the same lines nslab_testing.py makes.
struct HostSnapshot {
    std::map<std::string, std::vector<std::string>> kinds;
    static HostSnapshot take();
    // "kind: line" for each line of `after` that `before` lacks (what a test left behind).
    static std::vector<std::string> added(const HostSnapshot& before, const HostSnapshot& after);
    // "kind: line" for each line of `before` that `after` lacks.
    static std::vector<std::string> removed(const HostSnapshot& before, const HostSnapshot& after);
    std::vector<std::string> lines() const;  // "kind: line", every kind in order
};

inline constexpr const char* kSnapshotKinds[] = {"links", "addresses", "routes", "netns",
                                                 "mounts", "files", "cgroups", "processes"};

}  // namespace nslab_testing
