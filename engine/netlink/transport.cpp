// The real transport: a NETLINK_ROUTE socket through libmnl, and opening one inside another
// network namespace without leaving the calling thread there.
#include <fcntl.h>
#include <libmnl/libmnl.h>
#include <linux/netlink.h>
#include <sched.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>

#include "netlink/netlink.hpp"
#include "sys/netns_guard.hpp"

namespace nslab::nl {

namespace {

constexpr int kSocketBuffer = 1 << 20;
// A send is capped by the ack budget (64 messages, see socket.cpp) long before this; it only
// has to hold 64 of our largest messages.
constexpr std::size_t kSendChunk = 32 * 1024;

struct MnlClose {
    void operator()(mnl_socket* s) const { mnl_socket_close(s); }
};
using MnlSocket = std::unique_ptr<mnl_socket, MnlClose>;

// Root may exceed net.core.{r,w}mem_max; anyone else gets what the sysctl allows.
void set_buffer(int fd, int force_opt, int opt) {
    int size = kSocketBuffer;
    if (setsockopt(fd, SOL_SOCKET, force_opt, &size, sizeof size) == 0) return;
    (void)setsockopt(fd, SOL_SOCKET, opt, &size, sizeof size);
}

void set_flag(mnl_socket* nl, int opt, const char* name) {
    int one = 1;
    if (mnl_socket_setsockopt(nl, opt, &one, sizeof one) < 0)
        throw SystemError(std::string("netlink: setsockopt ") + name, errno);
}

class KernelTransport final : public Transport {
public:
    // A new socket of `protocol` in this thread's network namespace, or (adopt >= 0) a
    // NETLINK_ROUTE one made elsewhere, which we then own.
    explicit KernelTransport(int adopt = -1, int protocol = NETLINK_ROUTE) {
        if (adopt >= 0) {
            nl_.reset(mnl_socket_fdopen(adopt));
            if (!nl_) {
                int err = errno;
                ::close(adopt);
                throw SystemError("netlink: adopt NETLINK_ROUTE socket", err);
            }
        } else {
            nl_.reset(mnl_socket_open2(protocol, SOCK_CLOEXEC));
        }
        if (!nl_) throw SystemError(protocol == NETLINK_ROUTE ? "netlink: open NETLINK_ROUTE socket" : "netlink: open NETLINK_GENERIC socket", errno);
        // Errors echo only the request's header, not the whole request: keeps acks small.
        set_flag(nl_.get(), NETLINK_CAP_ACK, "NETLINK_CAP_ACK");
        // The kernel's own words on what it refused.
        set_flag(nl_.get(), NETLINK_EXT_ACK, "NETLINK_EXT_ACK");
        int fd = mnl_socket_get_fd(nl_.get());
        set_buffer(fd, SO_SNDBUFFORCE, SO_SNDBUF);
        set_buffer(fd, SO_RCVBUFFORCE, SO_RCVBUF);
        if (mnl_socket_bind(nl_.get(), 0, MNL_SOCKET_AUTOPID) < 0) throw SystemError("netlink: bind", errno);

        // The kernel refuses a send larger than the send buffer (less some overhead).
        int sndbuf = 0;
        socklen_t len = sizeof sndbuf;
        chunk_ = kSendChunk;
        if (getsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, &len) == 0 && sndbuf > 0)
            chunk_ = std::min(chunk_, static_cast<std::size_t>(sndbuf) / 2);
    }

    void send(const void* buf, std::size_t len) override {
        ssize_t n;
        do {
            n = mnl_socket_sendto(nl_.get(), buf, len);
        } while (n < 0 && errno == EINTR);
        if (n < 0) throw SystemError("netlink: send", errno);
        if (static_cast<std::size_t>(n) != len) throw SystemError("netlink: short send", EMSGSIZE);
    }

    std::size_t recv(void* buf, std::size_t len) override {
        ssize_t n;
        do {
            n = mnl_socket_recvfrom(nl_.get(), buf, len);
        } while (n < 0 && errno == EINTR);
        if (n < 0) {
            int err = errno;
            if (err == ENOBUFS) throw SystemError("netlink: receive (replies overflowed the receive buffer)", err);
            // libmnl reports a datagram larger than our buffer (MSG_TRUNC) as ENOSPC.
            if (err == ENOSPC) throw SystemError("netlink: receive (reply larger than the buffer)", err);
            throw SystemError("netlink: receive", err);
        }
        return static_cast<std::size_t>(n);
    }

    std::uint32_t port_id() const override { return mnl_socket_get_portid(nl_.get()); }
    std::size_t send_buffer() const override { return chunk_; }
    int fd() const override { return mnl_socket_get_fd(nl_.get()); }

private:
    MnlSocket nl_;
    std::size_t chunk_ = kSendChunk;
};

}  // namespace

Socket Socket::open() { return Socket(std::make_unique<KernelTransport>()); }

Socket Socket::adopt(int fd) { return Socket(std::make_unique<KernelTransport>(fd)); }

Socket Socket::open_generic_in(int netns_fd) {
    sys::NetnsGuard in(netns_fd, "the netlink socket's target");
    return Socket(std::make_unique<KernelTransport>(-1, NETLINK_GENERIC));
}

Socket Socket::open_in(int netns_fd) {
    // A socket stays bound to the namespace it was created in, wherever its thread goes next.
    sys::NetnsGuard in(netns_fd, "the netlink socket's target");
    return open();
}

}  // namespace nslab::nl
