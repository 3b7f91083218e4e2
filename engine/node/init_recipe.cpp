#include "node/detail/init_recipe.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/netlink.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace nslab::node {

namespace {

// The child must not write errno when it shares the keeper's memory (errno is the keeper
// thread's): every call below is a system call returning -errno.
#define NSLAB_CHILD __attribute__((no_sanitize("address", "undefined"), noinline))

#if defined(__x86_64__)
inline long rs(long n, long a = 0, long b = 0, long c = 0, long d = 0, long e = 0) noexcept {
    long ret;
    register long r10 asm("r10") = d;
    register long r8 asm("r8") = e;
    asm volatile("syscall" : "=a"(ret) : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8) : "rcx", "r11", "memory");
    return ret;
}
constexpr bool kRaw = true;
#else
// Elsewhere only the forked init runs the recipe, and libc's errno is its own.
inline long rs(long n, long a = 0, long b = 0, long c = 0, long d = 0, long e = 0) noexcept {
    long r = ::syscall(n, a, b, c, d, e);
    return r < 0 ? -errno : r;
}
constexpr bool kRaw = false;
#endif

template <typename T>
inline long ptr(T* p) noexcept {
    return reinterpret_cast<long>(p);
}

[[noreturn]] inline void child_exit(int code) noexcept {
    for (;;) rs(SYS_exit, code);
}

// Appends C strings to a fixed buffer, truncating.
NSLAB_CHILD void put(char* dst, std::size_t cap, const char* a, const char* b = "", const char* c = "",
                     const char* d = "") noexcept {
    std::size_t n = 0;
    for (const char* s : {a, b, c, d})
        for (; *s && n + 1 < cap; ++s) dst[n++] = *s;
    dst[n] = 0;
}

NSLAB_CHILD bool failed_at(sys::SyncRecord& rec, long r, const char* a, const char* b = "", const char* c = "",
                      const char* d = "") noexcept {
    rec.err = static_cast<int>(-r);
    put(rec.step, sizeof rec.step, a, b, c, d);
    return false;
}

NSLAB_CHILD bool mount_step(sys::SyncRecord& rec, const char* src, const char* target, const char* type, unsigned long flags,
                            const char* data) noexcept {
    long r = rs(SYS_mount, ptr(src), ptr(target), ptr(type), static_cast<long>(flags), ptr(data));
    return r == 0 || failed_at(rec, r, "mount ", type, " on ", target);
}

// The death signal, and only the descriptors the recipe uses.
NSLAB_CHILD void prologue(const InitPlan& p) noexcept {
    rs(SYS_prctl, PR_SET_PDEATHSIG, SIGKILL);
    rs(SYS_prctl, PR_SET_NAME, ptr("nslab-init"));
    // The death signal only covers a keeper that dies from now on; one that died before shows
    // as a readable pidfd (getppid() says 0 across a PID namespace).
    pollfd keeper{p.keeper_pidfd, POLLIN, 0};
    if (rs(SYS_poll, ptr(&keeper), 1, 0) != 0) child_exit(1);
    int a = p.go_fd < 0 ? p.report_fd : std::min(p.go_fd, p.report_fd);
    int b = std::max(p.go_fd, p.report_fd);
    rs(SYS_close_range, 3, a - 1, 0);
    if (b > a) rs(SYS_close_range, a + 1, b - 1, 0);
    rs(SYS_close_range, b + 1, ~0U, 0);
}

// The node's mount namespace: cut off from the host's mount events, its own /proc, /sys and
// /tmp (or the extra's rootfs), then the extra's private dirs and files.
NSLAB_CHILD bool mounts(const InitPlan& p, sys::SyncRecord& rec) noexcept {
    // Slave first: only then may we unmount things without the unmount reaching the host.
    if (!mount_step(rec, nullptr, "/", "none", MS_REC | MS_SLAVE, nullptr)) return false;
    // Drop our copy of every namespace pin, so this node never keeps another node's namespace
    // alive and pins made later do not propagate into 1000 mount namespaces. EINVAL: not a
    // mount point, or (rootless) locked to us, where the pins are root's and can keep only
    // root's namespaces alive; ENOENT: no such directory.
    long r = rs(SYS_umount2, ptr("/run/netns"), MNT_DETACH);
    if (r < 0 && r != -EINVAL && r != -ENOENT) return failed_at(rec, r, "detach /run/netns");
    // While the host's paths are still in view (a rootfs hides them).
    if (p.extra && !p.extra(p, rec, InitPlan::Extra::BeforeRoot)) return false;
    if (p.own_root) {
        if (!p.extra(p, rec, InitPlan::Extra::Root)) return false;
    } else {
        if ((p.namespaces & topo::NS_PID) &&
            !mount_step(rec, "proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr))
            return false;
        // sysfs shows the network devices of the namespace that mounts it: ours. But a new sysfs
        // mount scans every sysfs superblock there is (sget), one per node: at 10,000 nodes
        // that made half of `lab up`. So the node's /sys is an empty tmpfs until the first
        // command enters the node, which mounts sysfs over it (exec::spawn); until then the
        // init is the node's only process, and it never looks.
        if (!mount_step(rec, "tmpfs", "/sys", "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=0555"))
            return false;
        if (!p.shared_tmp && !mount_step(rec, "tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777"))
            return false;
    }
    return !p.extra || p.extra(p, rec, InitPlan::Extra::AfterMounts);
}

NSLAB_CHILD bool setup(const InitPlan& p, sys::SyncRecord& rec, int& nsfd, int& nlfd) noexcept {
    // Opened before the mount setup, while /proc is the host's and surely there.
    nsfd = static_cast<int>(rs(SYS_openat, AT_FDCWD, ptr("/proc/self/ns/net"), O_RDONLY | O_CLOEXEC));
    if (nsfd < 0) return failed_at(rec, nsfd, "open its network namespace");
    nlfd = static_cast<int>(rs(SYS_socket, AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE));
    if (nlfd < 0) return failed_at(rec, nlfd, "open a netlink socket");
    if (p.go_fd >= 0) {
        // #1: EOF instead of a byte means the keeper died before releasing us.
        char b;
        long n;
        do n = rs(SYS_read, p.go_fd, ptr(&b), 1); while (n == -EINTR);
        if (n != 1) child_exit(1);
        rs(SYS_close, p.go_fd);
    }
    // No setsid: the keeper made its own session, without a terminal, so a Ctrl-C in the
    // terminal that ran `lab up` cannot reach us.
    //
    // The cgroup and time namespaces are made here, not by clone: a cgroup namespace is rooted
    // at the cgroup we are in when it is made (#1 put us in ours), and a time namespace takes
    // its offsets only before any process enters it.
    if (p.namespaces & topo::NS_CGROUP)
        if (long r = rs(SYS_unshare, CLONE_NEWCGROUP); r < 0) return failed_at(rec, r, "unshare the cgroup namespace");
    if ((p.namespaces & topo::NS_TIME) && !p.extra(p, rec, InitPlan::Extra::Time)) return false;
    if ((p.namespaces & topo::NS_MNT) && !mounts(p, rec)) return false;
    if (p.namespaces & topo::NS_UTS)
        if (long r = rs(SYS_sethostname, ptr(p.hostname.c_str()), static_cast<long>(p.hostname.size())); r < 0)
            return failed_at(rec, r, "sethostname ", p.hostname.c_str());
    for (std::size_t i = 0; i < p.sysctl_paths.size(); ++i) {
        long fd = rs(SYS_openat, AT_FDCWD, ptr(p.sysctl_paths[i].c_str()), O_WRONLY | O_CLOEXEC);
        if (fd < 0) return failed_at(rec, fd, "sysctl ", p.sysctl_keys[i].c_str());
        const auto& v = p.sysctl_values[i];
        long w = rs(SYS_write, fd, ptr(v.data()), static_cast<long>(v.size()));
        rs(SYS_close, fd);
        if (w < 0) return failed_at(rec, w, "sysctl ", p.sysctl_keys[i].c_str(), "=", v.c_str());
    }
    return true;
}

// #2: the record, with the namespace and the netlink socket attached when ready.
NSLAB_CHILD void report(int sock, const sys::SyncRecord& rec, int nsfd, int nlfd) noexcept {
    alignas(cmsghdr) char cbuf[CMSG_SPACE(2 * sizeof(int))] = {};
    iovec iov{const_cast<sys::SyncRecord*>(&rec), sizeof rec};
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    if (rec.err == 0) {
        msg.msg_control = cbuf;
        msg.msg_controllen = sizeof cbuf;
        cmsghdr* c = CMSG_FIRSTHDR(&msg);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(2 * sizeof(int));
        int fds[2] = {nsfd, nlfd};
        std::memcpy(CMSG_DATA(c), fds, sizeof fds);
    }
    long n;
    do n = rs(SYS_sendmsg, sock, ptr(&msg), MSG_NOSIGNAL); while (n == -EINTR);
}

[[noreturn]] NSLAB_CHILD void reap_forever() noexcept {
    unsigned long set = 0;
    for (int s : {SIGCHLD, SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGPIPE}) set |= 1UL << (s - 1);
    rs(SYS_rt_sigprocmask, SIG_BLOCK, ptr(&set), 0, sizeof set);
    for (;;) {
        siginfo_t info;
        long sig = rs(SYS_rt_sigtimedwait, ptr(&set), ptr(&info), 0, sizeof set);
        if (sig == SIGCHLD) {
            while (rs(SYS_wait4, -1, 0, WNOHANG, 0) > 0) {}
        } else if (sig == SIGTERM || sig == SIGINT) {
            child_exit(0);
        }
    }
}

}  // namespace

InitPlan make_init_plan(const topo::Node& node, const Sysctls& sysctls, int keeper_pidfd, int go_fd, int report_fd,
                        std::uint32_t index) {
    InitPlan p;
    p.keeper_pidfd = keeper_pidfd;
    p.go_fd = go_fd;
    p.report_fd = report_fd;
    p.index = index;
    p.namespaces = node.namespaces;
    p.hostname = node.hostname;
    p.shared_tmp = node.shared_tmp;
    for (const auto& [key, value] : sysctls) {
        p.sysctl_paths.push_back(sysctl_path(key));
        p.sysctl_keys.push_back(key);
        p.sysctl_values.push_back(value);
    }
    return p;
}

NSLAB_CHILD void run_init(const InitPlan& p) noexcept {
    sys::SyncRecord rec;
    rec.point = 2;
    rec.index = p.index;
    prologue(p);
    int nsfd = -1, nlfd = -1;
    setup(p, rec, nsfd, nlfd);
    // From here on nothing of the plan is read: the keeper may free it.
    report(p.report_fd, rec, nsfd, nlfd);
    if (rec.err) child_exit(1);
    rs(SYS_close, p.report_fd);
    rs(SYS_close, nsfd);
    rs(SYS_close, nlfd);
    reap_forever();
}

bool raw_init_recipe() { return kRaw; }

}  // namespace nslab::node
