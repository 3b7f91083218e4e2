// cgroup_kill on a real cgroup v1 hierarchy (no cgroup.kill there): it kills every process in
// the cgroup and its child cgroups, and nothing outside (issue 14, item 13).
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

#include "harness.hpp"
#include "sys/cgroupfs.hpp"

namespace {

using namespace nslab;

// The first v1 hierarchy mounted with the pids controller, or "" (a v2-only host).
std::string v1_pids_root() {
    for (const auto& m : sys::cgroup_mounts())
        if (m.version == 1)
            for (const auto& c : m.controllers)
                if (c == "pids") return m.path;
    return "";
}

// Our test cgroups, removed at the end whatever happened: their processes killed and reaped
// first, since a cgroup that holds one cannot be removed.
struct TestCgroups {
    std::vector<std::string> dirs;  // parents first
    std::vector<pid_t> children;
    ~TestCgroups() {
        for (pid_t pid : children) {
            ::kill(pid, SIGKILL);
            ::waitpid(pid, nullptr, 0);
        }
        for (auto it = dirs.rbegin(); it != dirs.rend(); ++it) ::rmdir(it->c_str());
    }
};

// A child that only a signal ends, in the cgroup `dir` ("" for none of ours). It joins before
// the parent goes on, so the cgroup lists it when cgroup_kill runs.
pid_t child_in(const std::string& dir) {
    const std::string procs = dir + "/cgroup.procs";
    int ready[2];
    if (::pipe2(ready, O_CLOEXEC) < 0) return -1;
    pid_t pid = ::fork();
    if (pid == 0) {
        ::close(ready[0]);
        if (!dir.empty()) {
            int fd = ::open(procs.c_str(), O_WRONLY | O_CLOEXEC);
            if (fd < 0 || ::write(fd, "0", 1) < 0) _exit(1);  // 0: the writer itself
        }
        (void)!::write(ready[1], "x", 1);
        for (;;) ::pause();
    }
    ::close(ready[1]);
    char b;
    bool ok = ::read(ready[0], &b, 1) == 1;
    ::close(ready[0]);
    if (!ok) {
        ::waitpid(pid, nullptr, 0);
        return -1;
    }
    return pid;
}

// Waits for `pid` (our child) to end; its status, or -1 if it is still alive after ~2 s.
int reap_within_2s(pid_t pid) {
    for (int i = 0; i < 200; ++i) {
        int status = 0;
        if (::waitpid(pid, &status, WNOHANG) == pid) return status;
        ::usleep(10 * 1000);
    }
    return -1;
}

class CgroupKillV1 : public test::LabTest {};

TEST_F(CgroupKillV1, KillsTheCgroupAndItsChildrenAndNothingElse) {
    if (!root_) return;
    const std::string root = v1_pids_root();
    if (root.empty()) GTEST_SKIP() << "no cgroup v1 hierarchy with the pids controller on this host";
    TestCgroups cg;
    const std::string dir = root + "/nslab-test-" + std::to_string(::getpid()), sub = dir + "/sub";
    for (const auto& d : {dir, sub}) {
        ASSERT_EQ(::mkdir(d.c_str(), 0755), 0) << d << ": " << std::strerror(errno);
        cg.dirs.push_back(d);
    }
    ASSERT_NE(::access((dir + "/cgroup.kill").c_str(), F_OK), 0) << "a v1 cgroup has no cgroup.kill";
    pid_t in_dir = child_in(dir), in_sub = child_in(sub), outside = child_in("");
    for (pid_t p : {in_dir, in_sub, outside}) {
        ASSERT_GT(p, 0);
        cg.children.push_back(p);
    }
    ASSERT_TRUE(sys::cgroup_has_processes(dir));

    sys::cgroup_kill(dir);

    for (pid_t p : {in_dir, in_sub}) {
        int status = reap_within_2s(p);
        ASSERT_NE(status, -1) << "process " << p << " in the cgroup survived cgroup_kill";
        EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
        std::erase(cg.children, p);
    }
    EXPECT_FALSE(sys::cgroup_has_processes(dir));
    EXPECT_FALSE(sys::cgroup_has_processes(sub));
    EXPECT_EQ(reap_within_2s(outside), -1) << "cgroup_kill killed a process outside the cgroup";
    EXPECT_TRUE(sys::remove_cgroup_tree(dir));
    cg.dirs.clear();
}

}  // namespace
