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

#include "sys/netns_guard.hpp"
#include "sys/process.hpp"
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

// What the child sends with each batch of fds, or alone when it failed.
struct Header {
    int count = 0;    // fds attached
    int failed = -1;  // index of the spec that failed, or -1
    int err = 0;
    int step = 0;     // 1 join the user namespace, 2 enter the network namespace, 3 socket
};

constexpr int kBatch = 200;  // SCM_MAX_FD is 253

// Runs in the child: only async-signal-safe calls (the parent may be multi-threaded), and
// only memory the parent prepared.
[[noreturn]] void broker(const std::vector<SocketSpec>& specs, int chan, int* fds, char* cbuf, std::size_t clen) {
    auto fail = [&](int i, int step) {
        Header h{0, i, errno, step};
        (void)!::send(chan, &h, sizeof h, MSG_NOSIGNAL);
        _exit(1);
    };
    if (::setns(specs[0].pidfd, CLONE_NEWUSER) < 0) fail(0, 1);
    int current = -1, n = 0;
    for (std::size_t i = 0; i < specs.size(); ++i) {
        const auto& s = specs[i];
        if (s.pidfd != current && ::setns(s.pidfd, CLONE_NEWNET) < 0) fail(static_cast<int>(i), 2);
        current = s.pidfd;
        fds[n] = ::socket(s.domain, s.type | SOCK_CLOEXEC, s.protocol);
        if (fds[n] < 0) fail(static_cast<int>(i), 3);
        ++n;
        if (n == kBatch || i + 1 == specs.size()) {
            Header h{n, -1, 0, 0};
            iovec iov{&h, sizeof h};
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
    Header failure;
    while (out.size() < specs.size()) {
        Header h;
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
        if (h.failed >= 0) {
            failure = h;
            break;
        }
    }
    sys::wait_exit_code(pid);
    if (out.size() == specs.size()) return out;
    if (failure.failed < 0) throw Error("open sockets in a rootless lab: the helper process died");
    const auto& s = specs[static_cast<std::size_t>(failure.failed)];
    static const char* steps[] = {"", "join the lab's user namespace to reach node ", "enter the network namespace of node ",
                                  "open a socket in node "};
    throw SystemError(std::string(steps[failure.step]) + s.node, failure.err);
}

}  // namespace

std::vector<sys::Fd> open_node_sockets(const std::vector<SocketSpec>& specs, bool userns) {
    if (specs.empty()) return {};
    return userns ? open_via_child(specs) : open_here(specs);
}

}  // namespace nslab::lab
