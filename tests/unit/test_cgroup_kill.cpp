// cgroup_kill where the kernel has no cgroup.kill (cgroup v1, v2 before 5.14) kills what
// cgroup.procs lists (issue 14, item 13). A PID listed there may exit and be reused by a
// process outside the cgroup before the signal: these tests play that race with a FIFO as
// cgroup.procs, whose first reading lists a bystander's PID and whose later ones do not.
#include <gtest/gtest.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <string>
#include <thread>

#include "sys/cgroupfs.hpp"
#include "sys/files.hpp"

namespace {

using namespace nslab;

// A directory that looks like a cgroup without cgroup.kill, its cgroup.procs a FIFO: the
// first reader gets `first`, every later one an empty listing. Later listings are empty on
// purpose: a FIFO cannot tell readers apart, so a writer that reconnects to a reader still
// draining the previous listing only hands it nothing more.
class FakeCgroup {
public:
    explicit FakeCgroup(std::string first) : first_(std::move(first)) {
        char t[] = "/tmp/nslab-unit-cgroup-XXXXXX";
        dir_ = ::mkdtemp(t);
        fifo_ = dir_ + "/cgroup.procs";
        if (::mkfifo(fifo_.c_str(), 0600) < 0) throw std::runtime_error("mkfifo " + fifo_);
        feeder_ = std::thread([this] { feed(); });
    }
    ~FakeCgroup() {
        stop_ = true;
        // A reader that never reads: lets a feeder blocked in open() return and see stop_.
        int fd = ::open(fifo_.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
        feeder_.join();
        if (fd >= 0) ::close(fd);
        sys::remove_tree(dir_);
    }
    const std::string& dir() const { return dir_; }

private:
    void feed() {
        for (int n = 0;; ++n) {
            int fd = ::open(fifo_.c_str(), O_WRONLY | O_CLOEXEC);  // blocks until a reader comes
            if (fd < 0 && errno == EINTR) continue;
            if (fd < 0 || stop_) {
                if (fd >= 0) ::close(fd);
                return;
            }
            if (n == 0) (void)!::write(fd, first_.data(), first_.size());
            ::close(fd);
        }
    }

    std::string first_, dir_, fifo_;
    std::atomic<bool> stop_{false};
    std::thread feeder_;
};

// A process of ours in no cgroup of interest, that only a signal ends.
pid_t bystander() {
    pid_t pid = ::fork();
    if (pid == 0) {
        for (;;) ::pause();
    }
    return pid;
}

bool alive(pid_t pid) {
    int status = 0;
    return ::waitpid(pid, &status, WNOHANG) == 0;
}

void end(pid_t pid) {
    ::kill(pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
}

TEST(CgroupKill, APidListedOnlyOnceIsNotKilled) {
    // Forked before the feeder thread starts: the child only pauses anyway.
    pid_t other = bystander();
    ASSERT_GT(other, 0);
    {
        // The PID was in the cgroup when listed; by the time of the signal it is another
        // process's (here: a process that never was in the cgroup).
        FakeCgroup cg(std::to_string(other) + "\n");
        sys::cgroup_kill(cg.dir());
    }
    ::usleep(50 * 1000);  // a SIGKILL sent would have landed by now
    EXPECT_TRUE(alive(other)) << "cgroup_kill killed a process whose PID was listed only before it was reused";
    end(other);
}

}  // namespace
