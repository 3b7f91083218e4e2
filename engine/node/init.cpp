#include "node/init.hpp"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>


#include <cerrno>
#include <cstring>

#include "node/detail/init_recipe.hpp"
#include "sys/sync_record.hpp"
#include "node/mounts.hpp"
#include "node/rootfs.hpp"
#include "sys/fd.hpp"
#include "sys/fd_passing.hpp"
#include "sys/process.hpp"
#include "util/error.hpp"

namespace nslab::node {

namespace {

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

// What only the forked init adds to the recipe. It has a copy of the keeper's memory and the
// keeper is single-threaded, so ordinary C++ is safe here.
bool forked_extra(const InitPlan& p, sys::SyncRecord& rec, InitPlan::Extra what) {
    // The mounts' sources, opened while the host's paths are in view. Static: this runs in the
    // forked init, once, and its memory is its own.
    static std::vector<sys::Fd> sources;
    std::string step;
    try {
        switch (what) {
            case InitPlan::Extra::Time:
                step = "set up the time namespace";
                enter_time_namespace(p.node->time_offsets);
                break;
            case InitPlan::Extra::BeforeRoot:
                sources = open_mount_sources(*p.node, step);
                break;
            case InitPlan::Extra::Root:
                enter_rootfs(p.node->rootfs, step);
                break;
            case InitPlan::Extra::AfterMounts:
                make_private_dirs_and_files(*p.node, step);
                attach_mounts(*p.node, sources, step);
                sources.clear();
                break;
        }
        return true;
    } catch (const SystemError& e) {
        sys::fail(rec, e.err(), e.op().c_str());
        sys::set_detail(rec, e.detail().c_str());
    } catch (const std::exception& e) {
        sys::fail(rec, EIO, step.c_str());
        sys::set_detail(rec, e.what());
    }
    return false;
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
    // Every init sends its report on this one end, and the keeper reads them only once all are
    // cloned. With the default send buffer (~70 reports) the rest block, and each report read
    // wakes every blocked init (unix sockets wake all writers): at 10,000 nodes that herd was
    // most of the nodes stage. Room for all, charged only while queued; past wmem_max only
    // with CAP_NET_ADMIN (SO_SNDBUFFORCE), else as much as SO_SNDBUF gives.
    int room = 64 << 20;
    if (::setsockopt(sp[1], SOL_SOCKET, SO_SNDBUFFORCE, &room, sizeof room) < 0)
        (void)::setsockopt(sp[1], SOL_SOCKET, SO_SNDBUF, &room, sizeof room);
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
    InitPlan plan = make_init_plan(node, sysctls, keeper_pidfd, hold ? go.read.get() : -1, reports.child_end(), index);
    plan.extra = forked_extra;
    plan.node = &node;
    plan.own_root = !node.rootfs.empty();
    // The init makes its cgroup and time namespaces itself, once released (see init_recipe).
    // No pidfd yet: await_all opens them, so clones do not copy a growing descriptor table.
    pid_t pid = sys::clone_process(flags & ~static_cast<unsigned long>(CLONE_NEWTIME | CLONE_NEWCGROUP), nullptr);
    if (pid == 0) {
        go.write.reset();
        run_init(plan);
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

void InitReports::await_all(std::vector<InitProcess>& inits, std::size_t keep_fds) {
    theirs_.reset();
    // The inits are our children, not yet reaped: their PIDs cannot have been reused.
    for (auto& p : inits)
        if (!p.pidfd) p.pidfd = sys::pidfd_open(p.pid);
    std::vector<bool> seen(inits.size());
    std::size_t left = inits.size();
    while (left > 0) {
        sys::SyncRecord rec;
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
        if (rec.index < keep_fds) {
            p.netns = std::move(fds[0]);
            p.netlink = std::move(fds[1]);
        }
        seen[rec.index] = true;
        --left;
    }
    for (std::size_t i = 0; i < inits.size(); ++i)
        if (!seen[i]) throw Error("node " + inits[i].node + ": init process died during setup", {inits[i].node, inits[i].pointer, "init"});
}

}  // namespace nslab::node
