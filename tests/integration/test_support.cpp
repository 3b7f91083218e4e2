// tests/support's host snapshot sees what it is there to see: a network namespace pinned in
// /run/netns and a link with an address on the host appear in the diff by name, and are gone
// from it once removed. LabTest then checks, with the same snapshot, that nothing was left.
// The link is a bridge, not a dummy: every kernel nslab runs on has bridges (this one has no
// dummy module).
#include <sys/stat.h>

#include <algorithm>

#include "harness.hpp"

namespace nslab::test {
namespace {

class Support : public LabTest {};

bool mentions(const std::vector<std::string>& lines, const std::string& prefix, const std::string& what) {
    return std::any_of(lines.begin(), lines.end(), [&](const std::string& l) {
        return l.rfind(prefix, 0) == 0 && l.find(what) != std::string::npos;
    });
}

TEST_F(Support, SnapshotSeesANetnsAndALink) {
    using nslab_testing::HostSnapshot;
    const std::string ns = "nslab-support-" + std::to_string(::getpid());
    const std::string link = "nsts" + std::to_string(::getpid() % 100000);
    // `ip netns add` makes /run/netns (a directory, mounted on itself) when it is missing, and
    // mounts an existing plain directory on itself, and leaves both behind: undo what it did,
    // so the test leaves the host as it found it.
    struct stat st {};
    const bool had_run_netns = ::stat("/run/netns", &st) == 0;
    const bool had_mount = sh("mountpoint -q /run/netns").code == 0;

    auto before = HostSnapshot::take();
    ASSERT_EQ(sh("ip netns add " + ns).code, 0);
    auto made = sh("ip link add " + link + " type bridge && ip addr add 198.51.100.77/32 dev " + link);
    auto with = HostSnapshot::take();
    sh("ip link del " + link);
    sh("ip netns del " + ns);
    if (!had_mount) sh("umount /run/netns");
    if (!had_run_netns) sh("rmdir /run/netns");
    auto after = HostSnapshot::take();

    ASSERT_EQ(made.code, 0) << made.out;
    auto added = HostSnapshot::added(before, with);
    EXPECT_TRUE(mentions(added, "netns: ", ns));
    EXPECT_TRUE(mentions(added, "files: ", "/run/netns/" + ns));
    EXPECT_TRUE(mentions(added, "mounts: ", "/run/netns/" + ns));
    EXPECT_TRUE(mentions(added, "links: ", " " + link + " ether "));
    EXPECT_TRUE(mentions(added, "addresses: ", link + " 198.51.100.77/32"));
    EXPECT_TRUE(mentions(added, "routes: ", "198.51.100.77 dev " + link));  // its local route
    EXPECT_TRUE(HostSnapshot::removed(before, with).empty());
    auto left = HostSnapshot::added(before, after);
    EXPECT_FALSE(mentions(left, "", ns)) << ::testing::PrintToString(left);
    EXPECT_FALSE(mentions(left, "", link)) << ::testing::PrintToString(left);
}

}  // namespace
}  // namespace nslab::test
