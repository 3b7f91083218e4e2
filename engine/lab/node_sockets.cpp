#include "lab/node_sockets.hpp"

#include <fcntl.h>
#include <sched.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>

#include "sys/netns_guard.hpp"
#include "sys/process.hpp"
#include "sys/sync_record.hpp"
#include "util/error.hpp"

namespace nslab::lab {

namespace {

std::string what(const SocketSpec& s) { return "open a socket in node " + s.node; }

std::vector<sys::Fd> open_here(const std::vector<SocketSpec>& specs) {
    std::vector<sys::Fd> out;
    out.reserve(specs.size());
    // A pidfd selects the process's namespaces (kernel >= 5.8); no /proc path to race on.
    sys::NetnsGuard visit;
    int current = -1;
    for (const auto& s : specs) {
        if (s.pidfd != current) visit.enter(s.pidfd, "node " + s.node);
        current = s.pidfd;
        sys::Fd fd(::socket(s.domain, s.type | SOCK_CLOEXEC, s.protocol));
        if (!fd) throw SystemError(what(s), errno);
        out.push_back(std::move(fd));
    }
    return out;
}

constexpr int kBatch = 200;  // SCM_MAX_FD is 253

// Runs in the child: only async-signal-safe calls (the parent may be multi-threaded), and
// only memory the parent prepared.
[[noreturn]] void broker(const std::vector<SocketSpec>& specs, int chan, int* fds, char* cbuf, std::size_t clen) {
    // #1 per batch of sockets: a record with the descriptors attached; #2: a failure, alone.
    auto fail = [&](std::size_t i, const char* step) {
        sys::SyncRecord r;
        r.point = 2;
        r.index = static_cast<std::uint32_t>(i);
        sys::fail(r, errno, step, specs[i].node.c_str());
        (void)!::send(chan, &r, sizeof r, MSG_NOSIGNAL);
        _exit(1);
    };
    if (::setns(specs[0].pidfd, CLONE_NEWUSER) < 0) fail(0, "join the lab's user namespace to reach node ");
    int current = -1, n = 0;
    for (std::size_t i = 0; i < specs.size(); ++i) {
        const auto& s = specs[i];
        if (s.pidfd != current && ::setns(s.pidfd, CLONE_NEWNET) < 0) fail(i, "enter the network namespace of node ");
        current = s.pidfd;
        fds[n] = ::socket(s.domain, s.type | SOCK_CLOEXEC, s.protocol);
        if (fds[n] < 0) fail(i, "open a socket in node ");
        ++n;
        if (n == kBatch || i + 1 == specs.size()) {
            sys::SyncRecord batch;
            batch.point = 1;
            iovec iov{&batch, sizeof batch};
            msghdr msg{};
            msg.msg_iov = &iov;
            msg.msg_iovlen = 1;
            msg.msg_control = cbuf;
            msg.msg_controllen = CMSG_SPACE(sizeof(int) * static_cast<std::size_t>(n));
            (void)clen;
            cmsghdr* c = CMSG_FIRSTHDR(&msg);
            c->cmsg_level = SOL_SOCKET;
            c->cmsg_type = SCM_RIGHTS;
            c->cmsg_len = CMSG_LEN(sizeof(int) * static_cast<std::size_t>(n));
            std::memcpy(CMSG_DATA(c), fds, sizeof(int) * static_cast<std::size_t>(n));
            if (::sendmsg(chan, &msg, MSG_NOSIGNAL) < 0) _exit(2);
            for (int k = 0; k < n; ++k) ::close(fds[k]);
            n = 0;
        }
    }
    _exit(0);
}

std::vector<sys::Fd> open_via_child(const std::vector<SocketSpec>& specs) {
    int sp[2];
    if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) < 0) throw SystemError("socketpair", errno);
    sys::Fd mine(sp[0]), theirs(sp[1]);
    std::vector<int> fds(kBatch);
    const std::size_t clen = CMSG_SPACE(sizeof(int) * kBatch);
    std::vector<char> cbuf(clen), rbuf(clen);
    int pidfd = -1;
    pid_t pid = sys::clone_process(0, &pidfd);
    if (pid == 0) {
        ::close(sp[0]);
        broker(specs, sp[1], fds.data(), cbuf.data(), clen);
    }
    sys::Fd child(pidfd);
    theirs.reset();

    std::vector<sys::Fd> out;
    out.reserve(specs.size());
    std::optional<sys::SyncRecord> failure;
    while (out.size() < specs.size()) {
        sys::SyncRecord h;
        iovec iov{&h, sizeof h};
        msghdr msg{};
        msg.msg_iov = &iov;
        msg.msg_iovlen = 1;
        msg.msg_control = rbuf.data();
        msg.msg_controllen = clen;
        ssize_t n = ::recvmsg(mine.get(), &msg, MSG_CMSG_CLOEXEC);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
            if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
            std::size_t k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
            std::vector<int> got(k);
            std::memcpy(got.data(), CMSG_DATA(c), k * sizeof(int));
            for (int fd : got) out.emplace_back(fd);
        }
        if (h.err) {
            failure = h;
            break;
        }
    }
    sys::wait_exit_code(pid);
    if (out.size() == specs.size()) return out;
    if (!failure) throw Error("open sockets in a rootless lab: the helper process died");
    sys::throw_failure(*failure);
}

}  // namespace

std::vector<sys::Fd> open_node_sockets(const std::vector<SocketSpec>& specs, bool userns) {
    if (specs.empty()) return {};
    return userns ? open_via_child(specs) : open_here(specs);
}

}  // namespace nslab::lab
