#include "exec/spawn.hpp"

#include <fcntl.h>
#include <sys/ioctl.h>
#include <limits.h>
#include <linux/close_range.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "sys/cgroupfs.hpp"
#include "sys/process.hpp"
#include "sys/sync_record.hpp"
#include "util/error.hpp"

namespace nslab::exec {

namespace {

// #1: the helper that entered the node sends the command's PID (index); #2: a step that failed
// sends its record, and EOF instead means exec succeeded (every write end is close-on-exec).
[[noreturn]] void report_failure(int fd, const char* a, const char* b = "", const char* c = "", const char* d = "",
                                 int code = 1) {
    sys::SyncRecord r;
    r.point = 2;
    sys::fail(r, errno, a, b, c, d);
    sys::write_record(fd, r);
    _exit(code);
}

// execve with a PATH search that allocates nothing (we are between fork and exec).
void exec_path(const char* file, char* const argv[], char* const envp[], const char* path) {
    if (std::strchr(file, '/')) {
        ::execve(file, argv, envp);
        return;
    }
    char buf[PATH_MAX];
    std::size_t flen = std::strlen(file);
    int last_err = ENOENT;
    for (const char* p = path; p;) {
        const char* colon = std::strchr(p, ':');
        std::size_t dlen = colon ? static_cast<std::size_t>(colon - p) : std::strlen(p);
        if (dlen == 0) {
            buf[0] = '.';
            dlen = 1;
        } else if (dlen + flen + 2 <= sizeof buf) {
            std::memcpy(buf, p, dlen);
        } else {
            p = colon ? colon + 1 : nullptr;
            continue;
        }
        buf[dlen] = '/';
        std::memcpy(buf + dlen + 1, file, flen + 1);
        ::execve(buf, argv, envp);
        if (errno != ENOENT && errno != ENOTDIR) last_err = errno;
        p = colon ? colon + 1 : nullptr;
    }
    errno = last_err;
}

}  // namespace

Child spawn(int init_pidfd, unsigned long ns_flags, const SpawnSpec& spec, const std::string& where) {
    if (spec.argv.empty()) throw Error("exec in " + where + ": empty command");
    // Everything the children need is prepared before fork: after it, no allocation.
    std::vector<char*> argv, envp;
    for (const auto& a : spec.argv) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    const char* path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
    for (const auto& e : spec.env) {
        envp.push_back(const_cast<char*>(e.c_str()));
        if (e.rfind("PATH=", 0) == 0) path = e.c_str() + 5;
    }
    envp.push_back(nullptr);
    std::string cwd = spec.cwd;
    if (cwd.empty()) {
        char buf[PATH_MAX];
        cwd = ::getcwd(buf, sizeof buf) ? buf : "/";
    }

    // The node's cgroups (limits, and the handle teardown kills through): joined by writing to
    // cgroup.procs before entering the node, whose cgroup namespace and own /sys would hide
    // them. Opened now, so nothing after fork allocates.
    std::vector<sys::Fd> cgroup_procs;
    for (const auto& dir : init_pidfd < 0 ? std::vector<std::string>{} : sys::cgroups_to_join(sys::pidfd_pid(init_pidfd))) {
        // Only a node's own cgroups: a node without one lives wherever its keeper does, and a
        // command started from elsewhere stays where its starter put it.
        if (dir.find("/nslab/") == std::string::npos) continue;
        sys::Fd fd(::open((dir + "/cgroup.procs").c_str(), O_WRONLY | O_CLOEXEC));
        if (!fd) throw SystemError("join cgroup " + dir + " of " + where, errno);
        cgroup_procs.push_back(std::move(fd));
    }

    // The soft descriptor limit the caller started with (a keeper raises its own).
    rlimit nofile{};
    bool restore_nofile = ::getrlimit(RLIMIT_NOFILE, &nofile) == 0 && sys::original_fd_limit() > 0 &&
                          sys::original_fd_limit() < nofile.rlim_cur;
    if (restore_nofile) nofile.rlim_cur = sys::original_fd_limit();

    sys::Pipe sync = sys::make_pipe();
    const char* w = where.c_str();
    pid_t mid = ::fork();
    if (mid < 0) throw SystemError("fork", errno);
    if (mid == 0) {
        for (const auto& fd : cgroup_procs) {
            if (::write(fd.get(), "0", 1) < 0) {
                report_failure(sync.write.get(), "join the cgroups of ", w);
            }
        }
        if (init_pidfd >= 0 && ::setns(init_pidfd, static_cast<int>(ns_flags)) < 0) {
            report_failure(sync.write.get(), "enter namespaces of ", w);
        }
        clone_args args{};
        args.flags = CLONE_PARENT;  // exit_signal stays 0: the child inherits ours
        long pid = ::syscall(SYS_clone3, &args, sizeof args);
        if (pid < 0) {
            report_failure(sync.write.get(), "clone in ", w);
        }
        if (pid > 0) {
            sys::SyncRecord r;
            r.point = 1;
            r.index = static_cast<std::uint32_t>(pid);
            _exit(sys::write_record(sync.write.get(), r) ? 0 : 1);
        }
        // The process that becomes the command.
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, nullptr);
        for (int s = 1; s < NSIG; ++s) signal(s, SIG_DFL);
        if (spec.new_session) ::setsid();
        if ((spec.in >= 0 && ::dup2(spec.in, 0) < 0) || (spec.out >= 0 && ::dup2(spec.out, 1) < 0) ||
            (spec.err >= 0 && ::dup2(spec.err, 2) < 0)) {
            report_failure(sync.write.get(), "set up stdio/cwd in ", w, "", "", 127);
        }
        // Nothing but stdio reaches the command: a descriptor its starter happened to hold (a
        // lock on fd 9, a socket) would otherwise stay open as long as the command runs.
        // Close-on-exec rather than closed: the error pipe must stay until exec.
        ::syscall(SYS_close_range, 3, ~0U, CLOSE_RANGE_CLOEXEC);
        if (restore_nofile) ::setrlimit(RLIMIT_NOFILE, &nofile);
        // The node may not see the directory (its /tmp is its own): start in / then.
        if (spec.controlling_tty && ::ioctl(0, TIOCSCTTY, 0) < 0) {
            report_failure(sync.write.get(), "set up stdio/cwd in ", w, "", "", 127);
        }
        if (::chdir(cwd.c_str()) < 0) {
            if (spec.cwd_required) report_failure(sync.write.get(), "change to directory ", cwd.c_str(), " in ", w, 127);
            (void)!::chdir("/");
        }
        exec_path(argv[0], argv.data(), envp.data(), path);
        report_failure(sync.write.get(), "exec ", argv[0], " in ", w, 127);
    }
    sync.write.reset();
    sys::wait_exit_code(mid);
    pid_t pid = 0;
    while (auto r = sys::read_record(sync.read.get())) {
        if (r->point == 1 && !r->err) {
            pid = static_cast<pid_t>(r->index);
            continue;
        }
        if (pid > 0) sys::wait_exit_code(pid);
        sys::throw_failure(*r);
    }
    if (pid <= 0) throw Error("exec in " + where + ": helper process died");
    Child c;
    c.pid = pid;
    c.pidfd = sys::pidfd_open(pid);
    return c;
}

int wait(Child& c) {
    int code = sys::wait_exit_code(c.pid);
    c.pidfd.reset();
    return code;
}

}  // namespace nslab::exec
