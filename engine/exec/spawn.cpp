#include "exec/spawn.hpp"

#include <fcntl.h>
#include <sys/ioctl.h>
#include <limits.h>
#include <linux/close_range.h>
#include <linux/sched.h>
#include <sched.h>
#include <pthread.h>
#include <signal.h>
#include <linux/magic.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <optional>

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


// What the helper and the command do between clone and exec, prepared so that neither
// allocates: with shared memory they run on the caller's heap, beside its other threads.
struct Steps {
    int sync = -1;
    const char* where = "";
    std::vector<int> cgroup_procs;
    int init_pidfd = -1;
    unsigned long ns_flags = 0;
    const SpawnSpec* spec = nullptr;
    char* const* argv = nullptr;
    char* const* envp = nullptr;
    const char* path = "";
    const char* cwd = "/";
    bool restore_nofile = false;
    rlimit nofile{};
    bool share_memory = false;
    // Stacks for the helper and the command when they share our memory (CLONE_VM).
    alignas(16) char mid_stack[64 * 1024];
    alignas(16) char command_stack[64 * 1024];
};

pid_t clone_sharing(int (*fn)(void*), Steps* st, char* stack, int flags) {
    return sys::clone_vfork(fn, st, stack, sizeof st->mid_stack, flags);
}

[[noreturn]] void command_steps(Steps* st);

int command_entry(void* arg) { command_steps(static_cast<Steps*>(arg)); }

// The helper: joins the node's cgroups and namespaces, and clones the command as the caller's
// child (CLONE_PARENT) inside the node's PID namespace.
int mid_steps(void* arg) {
    Steps* st = static_cast<Steps*>(arg);
    for (int fd : st->cgroup_procs) {
        if (::write(fd, "0", 1) < 0) report_failure(st->sync, "join the cgroups of ", st->where);
    }
    if (st->init_pidfd >= 0 && ::setns(st->init_pidfd, static_cast<int>(st->ns_flags)) < 0) {
        report_failure(st->sync, "enter namespaces of ", st->where);
    }
    // The node's own sysfs, on the placeholder its init left (see node/init_recipe.cpp). Two
    // first commands at once may both mount it: the same superblock, twice, harmlessly.
    struct statfs sys_fs;
    if ((st->ns_flags & CLONE_NEWNS) && ::statfs("/sys", &sys_fs) == 0 && sys_fs.f_type == TMPFS_MAGIC &&
        ::mount("sysfs", "/sys", "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr) < 0) {
        report_failure(st->sync, "mount /sys in ", st->where);
    }
    long pid;
    if (st->share_memory) {
        // CLONE_PARENT: the exit signal is ours (SIGCHLD) whatever is passed here.
        pid = clone_sharing(command_entry, st, st->command_stack, CLONE_PARENT);
    } else {
        clone_args args{};
        args.flags = CLONE_PARENT;  // exit_signal stays 0: the child inherits ours
        pid = ::syscall(SYS_clone3, &args, sizeof args);
        if (pid == 0) command_steps(st);
    }
    if (pid < 0) report_failure(st->sync, "clone in ", st->where);
    sys::SyncRecord r;
    r.point = 1;
    r.index = static_cast<std::uint32_t>(pid);
    _exit(sys::write_record(st->sync, r) ? 0 : 1);
}

// The process that becomes the command.
[[noreturn]] void command_steps(Steps* st) {
    const SpawnSpec& spec = *st->spec;
    const char* w = st->where;
    // Handlers first, then the mask: a signal must not run one of the caller's handlers here.
    for (int s = 1; s < NSIG; ++s) signal(s, SIG_DFL);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    if (spec.new_session) ::setsid();
    if ((spec.in >= 0 && ::dup2(spec.in, 0) < 0) || (spec.out >= 0 && ::dup2(spec.out, 1) < 0) ||
        (spec.err >= 0 && ::dup2(spec.err, 2) < 0)) {
        report_failure(st->sync, "set up stdio/cwd in ", w, "", "", 127);
    }
    // Nothing but stdio reaches the command: a descriptor its starter happened to hold (a
    // lock on fd 9, a socket) would otherwise stay open as long as the command runs.
    // Close-on-exec rather than closed: the error pipe must stay until exec.
    ::syscall(SYS_close_range, 3, ~0U, CLOSE_RANGE_CLOEXEC);
    if (st->restore_nofile) ::setrlimit(RLIMIT_NOFILE, &st->nofile);
    if (spec.controlling_tty && ::ioctl(0, TIOCSCTTY, 0) < 0) {
        report_failure(st->sync, "set up stdio/cwd in ", w, "", "", 127);
    }
    // The node may not see the directory (its /tmp is its own): start in / then.
    if (::chdir(st->cwd) < 0) {
        if (spec.cwd_required) report_failure(st->sync, "change to directory ", st->cwd, " in ", w, 127);
        (void)!::chdir("/");
    }
    exec_path(st->argv[0], st->argv, st->envp, st->path);
    report_failure(st->sync, "exec ", st->argv[0], " in ", w, 127);
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

    // The descriptor limits the caller started with (a keeper raises its own).
    rlimit nofile{}, now{};
    nofile = sys::original_fd_limit();
    bool restore_nofile = ::getrlimit(RLIMIT_NOFILE, &now) == 0 && nofile.rlim_cur > 0 &&
                          (nofile.rlim_cur != now.rlim_cur || nofile.rlim_max != now.rlim_max);

    sys::Pipe sync = sys::make_pipe();
    // 128 KiB of stacks, not on a caller thread's; default-initialised, since value-
    // initialising would zero (and fault in) every page of them on each command.
    std::unique_ptr<Steps> st(new Steps);
    Steps& steps = *st;
    steps.sync = sync.write.get();
    steps.where = where.c_str();
    for (const auto& fd : cgroup_procs) steps.cgroup_procs.push_back(fd.get());
    steps.init_pidfd = init_pidfd;
    steps.ns_flags = ns_flags;
    steps.spec = &spec;
    steps.argv = argv.data();
    steps.envp = envp.data();
    steps.path = path;
    steps.cwd = cwd.c_str();
    steps.restore_nofile = restore_nofile;
    steps.nofile = nofile;
    // Entering a user or time namespace is refused to a process sharing its memory (EINVAL,
    // EUSERS): those nodes take the fork path, which copies the caller's page tables twice.
    steps.share_memory = (ns_flags & (CLONE_NEWUSER | CLONE_NEWTIME)) == 0;
    // No signal may run one of our handlers in the helper or, before it resets them, in the
    // command (both may share our memory).
    sigset_t all, caller_mask;
    sigfillset(&all);
    ::pthread_sigmask(SIG_SETMASK, &all, &caller_mask);
    pid_t mid = steps.share_memory ? clone_sharing(mid_steps, &steps, steps.mid_stack, SIGCHLD) : ::fork();
    const int clone_err = errno;
    if (mid == 0) mid_steps(&steps);  // fork path only
    ::pthread_sigmask(SIG_SETMASK, &caller_mask, nullptr);
    if (mid < 0) throw SystemError("fork", clone_err);
    sync.write.reset();
    sys::wait_exit_code(mid);
    // Records: the command's PID (#1, from the helper) and a failure (#2, from either); with
    // shared memory the command's failure comes before its PID.
    pid_t pid = 0;
    std::optional<sys::SyncRecord> failure;
    while (auto r = sys::read_record(sync.read.get())) {
        if (r->point == 1 && !r->err) pid = static_cast<pid_t>(r->index);
        else if (!failure) failure = *r;
    }
    if (failure) {
        if (pid > 0) sys::wait_exit_code(pid);
        sys::throw_failure(*failure);
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
