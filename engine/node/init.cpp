#include "node/init.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/netlink.h>

#include <cerrno>
#include <cstring>

#include "node/init_record.hpp"
#include "node/mounts.hpp"
#include "sys/fd.hpp"
#include "sys/fd_passing.hpp"
#include "sys/process.hpp"
#include "util/error.hpp"

namespace nslab::node {

namespace {

using Record = InitRecord;

void copy(char* dst, std::size_t n, const std::string& src) {
    std::size_t len = std::min(n - 1, src.size());
    std::memcpy(dst, src.data(), len);
    dst[len] = 0;
}

// Closes every descriptor from 3 up except a and b (-1: none).
void close_all_but(int a, int b) {
    if (a < 0) a = b;
    if (a > b) std::swap(a, b);
    ::syscall(SYS_close_range, 3, a - 1, 0);
    ::syscall(SYS_close_range, a + 1, b - 1, 0);
    ::syscall(SYS_close_range, b + 1, ~0U, 0);
}

[[noreturn]] void reap_forever() {
    sigset_t set;
    sigemptyset(&set);
    for (int s : {SIGCHLD, SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGPIPE}) sigaddset(&set, s);
    sigprocmask(SIG_BLOCK, &set, nullptr);
    for (;;) {
        siginfo_t info;
        int sig = sigwaitinfo(&set, &info);
        if (sig == SIGCHLD) {
            while (::waitpid(-1, nullptr, WNOHANG) > 0) {}
        } else if (sig == SIGTERM || sig == SIGINT) {
            _exit(0);
        }
    }
}

void write_all(const std::string& path, const std::string& text) {
    sys::Fd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
    if (!fd || ::write(fd.get(), text.data(), text.size()) < 0)
        throw SystemError("write " + path, errno, "\"" + text.substr(0, text.find('\n')) + "\"");
}

// A new time namespace for our children, its offsets, then ourselves into it, so processes
// that enter the node through our pidfd join it too.
void enter_time_namespace(const topo::TimeOffsets& t) {
    if (::unshare(CLONE_NEWTIME) < 0) throw SystemError("unshare the time namespace", errno);
    auto line = [](const char* clock, std::int64_t ns) {
        std::int64_t s = ns / 1000000000, rem = ns % 1000000000;
        if (rem < 0) {
            s -= 1;
            rem += 1000000000;
        }
        return std::string(clock) + " " + std::to_string(s) + " " + std::to_string(rem) + "\n";
    };
    if (t.monotonic_ns) write_all("/proc/self/timens_offsets", line("monotonic", t.monotonic_ns));
    if (t.boottime_ns) write_all("/proc/self/timens_offsets", line("boottime", t.boottime_ns));
    sys::Fd ns(::open("/proc/self/ns/time_for_children", O_RDONLY | O_CLOEXEC));
    if (!ns) throw SystemError("open /proc/self/ns/time_for_children", errno);
    if (::setns(ns.get(), CLONE_NEWTIME) < 0) throw SystemError("enter the time namespace", errno);
}

// Runs in the child. The keeper is single-threaded, so ordinary C++ is safe here.
[[noreturn]] void init_main(const topo::Node& node, const Sysctls& sysctls, int keeper_pidfd, int go_fd,
                           int report_fd, std::uint32_t index) {
    Record rec;
    rec.index = index;
    std::string step = "start";
    sys::Fd netns, netlink;
    try {
        ::prctl(PR_SET_PDEATHSIG, SIGKILL);
        ::prctl(PR_SET_NAME, "nslab-init");
        // The death signal only covers a keeper that dies from now on; one that died before
        // the prctl shows as a readable pidfd (getppid() says 0 across a PID namespace).
        pollfd keeper{keeper_pidfd, POLLIN, 0};
        if (::poll(&keeper, 1, 0) != 0) _exit(1);
        close_all_but(go_fd, report_fd);
        // Opened before the mount setup, while /proc is the host's and surely there.
        step = "open its network namespace";
        netns.reset(::open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC));
        if (!netns) throw SystemError(step, errno);
        step = "open a netlink socket";
        netlink.reset(::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE));
        if (!netlink) throw SystemError(step, errno);
        if (go_fd >= 0) {
            // #1: EOF instead of a byte means the keeper died before releasing us.
            char b;
            ssize_t n;
            do n = ::read(go_fd, &b, 1); while (n < 0 && errno == EINTR);
            if (n != 1) _exit(1);
            ::close(go_fd);
        }
        // No setsid: the keeper made its own session, without a terminal, so a Ctrl-C in the
        // terminal that ran `lab up` cannot reach us.

        // Both namespaces are made here, not by clone: a cgroup namespace is rooted at the
        // cgroup we are in when it is made (the keeper moved us into ours at #1), and a time
        // namespace takes its offsets only before any process enters it.
        if (node.namespaces & topo::NS_CGROUP) {
            step = "unshare the cgroup namespace";
            if (::unshare(CLONE_NEWCGROUP) < 0) throw SystemError(step, errno);
        }
        if (node.namespaces & topo::NS_TIME) {
            step = "set up the time namespace";
            enter_time_namespace(node.time_offsets);
        }

        if (node.namespaces & topo::NS_MNT) {
            step = "mount setup";
            setup_mounts(node, step);
        }
        if (node.namespaces & topo::NS_UTS) {
            step = "sethostname " + node.hostname;
            if (::sethostname(node.hostname.data(), node.hostname.size()) < 0) throw SystemError(step, errno);
        }
        step = "sysctls";
        write_sysctls(sysctls);
    } catch (const SystemError& e) {
        rec.err = e.err() ? e.err() : EIO;
        copy(rec.step, sizeof rec.step, e.op());
        copy(rec.detail, sizeof rec.detail, e.detail());
    } catch (const std::exception& e) {
        rec.err = EIO;
        copy(rec.step, sizeof rec.step, step);
        copy(rec.detail, sizeof rec.detail, e.what());
    }
    // #2
    const int fds[2] = {netns.get(), netlink.get()};
    (void)sys::send_fds(report_fd, &rec, sizeof rec, fds, rec.err ? 0 : 2);
    if (rec.err) _exit(1);
    ::close(report_fd);
    netns.reset();
    netlink.reset();
    reap_forever();
}

}  // namespace

unsigned long clone_flags(unsigned ns) {
    unsigned long f = CLONE_NEWNET;
    if (ns & topo::NS_UTS) f |= CLONE_NEWUTS;
    if (ns & topo::NS_MNT) f |= CLONE_NEWNS;
    if (ns & topo::NS_PID) f |= CLONE_NEWPID;
    if (ns & topo::NS_IPC) f |= CLONE_NEWIPC;
    if (ns & topo::NS_CGROUP) f |= CLONE_NEWCGROUP;
    if (ns & topo::NS_TIME) f |= CLONE_NEWTIME;
    return f;
}

unsigned long enter_flags(unsigned ns) { return clone_flags(ns); }

InitReports::InitReports() {
    int sp[2];
    if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) < 0) throw SystemError("socketpair for node inits", errno);
    mine_.reset(sp[0]);
    theirs_.reset(sp[1]);
}

InitProcess start_init(const topo::Node& node, const Sysctls& sysctls, int keeper_pidfd, const InitReports& reports,
                       std::uint32_t index, bool hold) {
    InitProcess p;
    p.node = node.name;
    p.pointer = node.pointer;
    sys::Pipe go;
    if (hold) go = sys::make_pipe();
    if (light_init_possible(node)) {
        p.pid = clone_light_init(node, sysctls, keeper_pidfd, hold ? go.read.get() : -1, reports.child_end(), index, p.light);
        p.go = std::move(go.write);
        return p;
    }
    unsigned long flags = clone_flags(node.namespaces);
    // The init makes its cgroup and time namespaces itself, once released (see init_main).
    // No pidfd yet: await_all opens them, so clones do not copy a growing descriptor table.
    pid_t pid = sys::clone_process(flags & ~static_cast<unsigned long>(CLONE_NEWTIME | CLONE_NEWCGROUP), nullptr);
    if (pid == 0) {
        go.write.reset();
        init_main(node, sysctls, keeper_pidfd, hold ? go.read.release() : -1, reports.child_end(), index);
    }
    p.pid = pid;
    p.go = std::move(go.write);
    return p;
}

void release_init(InitProcess& p) {
    if (!p.go) return;
    char b = 'G';
    if (::write(p.go.get(), &b, 1) != 1) throw SystemError("release init of node " + p.node, errno);
    p.go.reset();
}

void InitReports::await_all(std::vector<InitProcess>& inits) {
    theirs_.reset();
    // The inits are our children, not yet reaped: their PIDs cannot have been reused.
    for (auto& p : inits)
        if (!p.pidfd) p.pidfd = sys::pidfd_open(p.pid);
    std::vector<bool> seen(inits.size());
    std::size_t left = inits.size();
    while (left > 0) {
        Record rec;
        std::vector<sys::Fd> fds;
        long n = sys::recv_fds(mine_.get(), &rec, sizeof rec, fds, 2);
        if (n < 0) throw SystemError("receive node init reports", errno);
        if (n == 0) break;  // every init has reported or exited
        if (n != static_cast<long>(sizeof rec) || rec.index >= inits.size() || seen[rec.index])
            throw Error("node inits: malformed report");
        auto& p = inits[rec.index];
        if (rec.err) {
            std::string msg = "node " + p.node + ": " + rec.step + ": " + std::strerror(rec.err);
            if (rec.detail[0]) msg += std::string(" (") + rec.detail + ")";
            // The record names only the step; the node and its place in the topology are ours.
            throw NodeError({p.node, p.pointer, rec.step, false}, rec.step, rec.err, rec.detail, msg);
        }
        if (fds.size() != 2) throw Error("node " + p.node + ": init reported ready without its namespace and socket");
        p.netns = std::move(fds[0]);
        p.netlink = std::move(fds[1]);
        seen[rec.index] = true;
        --left;
    }
    for (std::size_t i = 0; i < inits.size(); ++i)
        if (!seen[i]) throw Error("node " + inits[i].node + ": init process died during setup", {inits[i].node, inits[i].pointer, "init"});
}

}  // namespace nslab::node
