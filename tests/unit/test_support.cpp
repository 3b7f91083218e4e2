// tests/support's logic that needs no root: the snapshot's comparison, and where the build's
// binaries are. (That the snapshot sees a real change is checked with root, in
// tests/integration/test_support.cpp.)
#include <gtest/gtest.h>
#include <unistd.h>

#include "nslab_testing.hpp"

using nslab_testing::HostSnapshot;

TEST(Support, SnapshotAddedAndRemovedNameKindAndLine) {
    HostSnapshot a, b;
    a.kinds["links"] = {"1 lo loopback 00:00:00:00:00:00 master= mtu=65536"};
    a.kinds["netns"] = {"old"};
    b.kinds["links"] = a.kinds["links"];
    b.kinds["netns"] = {"new"};
    b.kinds["files"] = {"/run/netns/new"};
    EXPECT_EQ(HostSnapshot::added(a, b), (std::vector<std::string>{"netns: new", "files: /run/netns/new"}));
    EXPECT_EQ(HostSnapshot::removed(a, b), (std::vector<std::string>{"netns: old"}));
    EXPECT_TRUE(HostSnapshot::added(a, a).empty());
    // lines(): every kind in the fixed order, whatever order the map keeps.
    EXPECT_EQ(b.lines(), (std::vector<std::string>{"links: 1 lo loopback 00:00:00:00:00:00 master= mtu=65536",
                                                   "netns: new", "files: /run/netns/new"}));
}

TEST(Support, SnapshotOfThisHostHasEveryKind) {
    // Readable without root: every kind is there (maybe empty), links and mounts are not.
    auto s = HostSnapshot::take();
    for (const char* kind : nslab_testing::kSnapshotKinds) EXPECT_TRUE(s.kinds.count(kind)) << kind;
    EXPECT_FALSE(s.kinds["mounts"].empty());
    EXPECT_FALSE(s.kinds["links"].empty()) << "is `ip` (iproute2) installed?";
}

TEST(Support, BinariesAreInThisBuild) {
    EXPECT_EQ(nslab_testing::lab_bin(), nslab_testing::build_dir() + "/cli/lab");
    EXPECT_EQ(nslab_testing::keeper_bin(), nslab_testing::build_dir() + "/cli/nslab-keeper");
    EXPECT_EQ(::access((nslab_testing::source_dir() + "/tests/support/nslab_testing.hpp").c_str(), R_OK), 0);
}
