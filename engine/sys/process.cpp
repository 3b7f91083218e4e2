#include "sys/process.hpp"

#include <fcntl.h>
#include <linux/sched.h>
#include <sched.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <utility>

#include "sys/files.hpp"
#include "util/error.hpp"

namespace nslab::sys {

std::string boot_id() {
    std::string s = read_file("/proc/sys/kernel/random/boot_id");
    while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
    return s;
}

std::optional<std::uint64_t> starttime_of(pid_t pid) {
    char path[64];
    std::snprintf(path, sizeof path, "/proc/%d/stat", pid);
    Fd fd(::open(path, O_RDONLY | O_CLOEXEC));
    if (!fd) return std::nullopt;
    char buf[1024];
    ssize_t n = ::read(fd.get(), buf, sizeof buf - 1);
    if (n <= 0) return std::nullopt;
    buf[n] = 0;
    // The command name (field 2) may hold spaces and parentheses: count from the last ')'.
    char* p = std::strrchr(buf, ')');
    if (!p) return std::nullopt;
    p += 2;  // now at field 3 (state)
    if (*p == 'Z' || *p == 'X') return std::nullopt;  // exited, only not yet reaped
    for (int field = 3; field < 22 && *p; ++field) {
        p = std::strchr(p, ' ');
        if (!p) return std::nullopt;
        ++p;
    }
    return std::strtoull(p, nullptr, 10);
}

std::optional<ProcIdentity> identity_of(pid_t pid) {
    auto st = starttime_of(pid);
    if (!st) return std::nullopt;
    return ProcIdentity{pid, *st};
}

Fd pidfd_open(pid_t pid) {
    int fd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
    if (fd < 0) throw SystemError("pidfd_open " + std::to_string(pid), errno);
    return Fd(fd);
}

Fd open_verified(const ProcIdentity& id) {
    if (id.pid <= 0) return {};
    int fd = static_cast<int>(::syscall(SYS_pidfd_open, id.pid, 0));
    if (fd < 0) return {};
    Fd owned(fd);
    auto st = starttime_of(id.pid);
    if (!st || *st != id.starttime) return {};
    return owned;
}

pid_t pidfd_pid(int pidfd) {
    std::string info = read_file("/proc/self/fdinfo/" + std::to_string(pidfd));
    auto pos = info.find("\nPid:");
    if (pos == std::string::npos) throw Error("pidfd " + std::to_string(pidfd) + " names no process");
    long pid = std::strtol(info.c_str() + pos + 5, nullptr, 10);
    if (pid <= 0) throw SystemError("pidfd " + std::to_string(pidfd), ESRCH);
    return static_cast<pid_t>(pid);
}

bool pidfd_signal(int pidfd, int sig) {
    if (::syscall(SYS_pidfd_send_signal, pidfd, sig, nullptr, 0) == 0) return true;
    if (errno == ESRCH) return false;
    throw SystemError("pidfd_send_signal", errno);
}

bool pidfd_wait_exit(int pidfd, int timeout_ms) {
    pollfd p{pidfd, POLLIN, 0};
    for (;;) {
        int r = ::poll(&p, 1, timeout_ms);
        if (r > 0) return true;
        if (r == 0) return false;
        if (errno != EINTR) throw SystemError("poll pidfd", errno);
    }
}

int decode_status(int status) {
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
    return 255;
}

int wait_exit_code(pid_t pid) {
    int status = 0;
    for (;;) {
        if (::waitpid(pid, &status, 0) >= 0) return decode_status(status);
        if (errno != EINTR) throw SystemError("waitpid " + std::to_string(pid), errno);
    }
}

pid_t clone_process(std::uint64_t flags, int* pidfd) {
    clone_args args{};
    args.flags = flags | (pidfd ? CLONE_PIDFD : 0);
    args.pidfd = reinterpret_cast<std::uint64_t>(pidfd);
    // With CLONE_PARENT the child inherits our exit signal; clone3 insists it is left 0.
    args.exit_signal = (flags & CLONE_PARENT) ? 0 : SIGCHLD;
    long r = ::syscall(SYS_clone3, &args, sizeof args);
    if (r < 0) throw SystemError("clone3", errno);
    return static_cast<pid_t>(r);
}

pid_t clone_vfork(int (*fn)(void*), void* arg, void* stack, std::size_t size, int flags, int* pidfd) {
    char* top = static_cast<char*>(stack) + size;  // stacks grow down
    if (pidfd) flags |= CLONE_PIDFD;               // clone() stores it through parent_tid
    return ::clone(fn, top, CLONE_VM | CLONE_VFORK | flags, arg, pidfd);
}

namespace {
rlimit g_original_fd_limit{};  // rlim_cur 0: never raised
}

void raise_fd_limit(std::uint64_t need) {
    rlimit rl{};
    if (::getrlimit(RLIMIT_NOFILE, &rl) < 0) return;
    if (g_original_fd_limit.rlim_cur == 0) g_original_fd_limit = rl;
    // Past the hard limit only with CAP_SYS_RESOURCE (root, not a user namespace's root) and
    // up to fs.nr_open; otherwise the caller's budget check explains what to raise.
    if (need > rl.rlim_max && rl.rlim_max != RLIM_INFINITY) {
        std::uint64_t nr_open = 0;
        if (FILE* f = std::fopen("/proc/sys/fs/nr_open", "re")) {
            if (std::fscanf(f, "%lu", &nr_open) != 1) nr_open = 0;
            std::fclose(f);
        }
        rlimit more{std::min<rlim_t>(need, nr_open), std::min<rlim_t>(need, nr_open)};
        if (more.rlim_max > rl.rlim_max && ::setrlimit(RLIMIT_NOFILE, &more) == 0) return;
    }
    if (rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        ::setrlimit(RLIMIT_NOFILE, &rl);
    }
}

rlimit original_fd_limit() {
    if (g_original_fd_limit.rlim_cur) return g_original_fd_limit;
    rlimit rl{};
    ::getrlimit(RLIMIT_NOFILE, &rl);
    return rl;
}

void close_fds_except(int a, int b) noexcept {
    if (a < 0) a = b;
    if (b < 0) b = a;
    if (a > b) std::swap(a, b);
    if (a < 0) {
        ::syscall(SYS_close_range, 3, ~0U, 0);
        return;
    }
    if (a > 3) ::syscall(SYS_close_range, 3, a - 1, 0);
    if (b > a + 1) ::syscall(SYS_close_range, a + 1, b - 1, 0);
    ::syscall(SYS_close_range, b + 1, ~0U, 0);
}

}  // namespace nslab::sys
