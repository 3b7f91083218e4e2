#include "probe/capture.hpp"

#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <poll.h>
#include <sys/socket.h>
#include <time.h>

#include <cerrno>
#include <algorithm>
#include <cstdio>
#include <cstring>

#include "lab/node_netns.hpp"
#include "lab/node_sockets.hpp"
#include "net/decode.hpp"
#include "probe/pcap.hpp"
#include "util/error.hpp"

namespace nslab::probe {

namespace {

// Room for a whole GSO super-frame: veth hands them over unsegmented.
constexpr std::size_t kFrameBuffer = probe::kPcapSnaplen;
constexpr int kSocketBuffer = 8 << 20;

}  // namespace

std::string format_packet(const Packet& p) {
    time_t t = static_cast<time_t>(p.sec);
    struct tm tm{};
    ::localtime_r(&t, &tm);
    char head[64];
    std::snprintf(head, sizeof head, "%02d:%02d:%02d.%06u %-3s %5u ", tm.tm_hour, tm.tm_min, tm.tm_sec,
                  p.nsec / 1000, p.outgoing ? "out" : "in", p.length);
    return head + net::summarize_frame(p.data);
}

Capture Capture::open(const lab::Lab& lab, const std::string& endpoint) {
    auto colon = endpoint.find(':');
    if (colon == std::string::npos || colon == 0 || colon + 1 == endpoint.size())
        throw Error("\"" + endpoint + "\" is not NODE:IFACE");
    const std::string node = endpoint.substr(0, colon), iface = endpoint.substr(colon + 1);
    lab.node(node);  // names the lab's nodes when it is not one of them
    Capture c;
    c.endpoint_ = endpoint;
    c.node_ = lab.init_pidfd(node);
    // The interface's index, and a packet socket made in the node (see open_node_sockets: a
    // rootless lab's namespaces are reached through a helper process).
    unsigned index = 0;
    std::string known;
    for (const auto& l : lab::node_socket(lab, node).dump_links()) {
        if (l.name == iface) index = static_cast<unsigned>(l.ifindex);
        known += (known.empty() ? "" : ", ") + l.name;
    }
    if (index == 0)
        throw Error("node " + node + " of lab " + lab.name() + " has no interface \"" + iface + "\" (it has " + known + ")");
    // Protocol 0 receives nothing until bind() picks the interface, so no frame of another
    // interface slips in between.
    auto fds = lab::open_node_sockets({{c.node_.get(), AF_PACKET, SOCK_RAW | SOCK_NONBLOCK, 0, node}}, lab.state().userns);
    c.fd_ = std::move(fds[0]);
    int size = kSocketBuffer;
    if (::setsockopt(c.fd_.get(), SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof size) < 0)
        (void)::setsockopt(c.fd_.get(), SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
    int on = 1;
    if (::setsockopt(c.fd_.get(), SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof on) < 0)
        throw SystemError("capture on " + endpoint + ": SO_TIMESTAMPNS", errno);
    sockaddr_ll sll{};
    sll.sll_family = AF_PACKET;
    sll.sll_protocol = htons(ETH_P_ALL);
    sll.sll_ifindex = static_cast<int>(index);
    if (::bind(c.fd_.get(), reinterpret_cast<sockaddr*>(&sll), sizeof sll) < 0)
        throw SystemError("capture on " + endpoint + ": bind to " + iface, errno);
    c.dropped();  // the counters start now
    c.buf_.resize(kFrameBuffer);
    return c;
}

std::optional<Packet> Capture::next(int timeout_ms, int stop_fd) {
    for (;;) {
        sockaddr_ll from{};
        iovec iov{buf_.data(), buf_.size()};
        alignas(cmsghdr) char control[CMSG_SPACE(sizeof(timespec))];
        msghdr msg{};
        msg.msg_name = &from;
        msg.msg_namelen = sizeof from;
        msg.msg_iov = &iov;
        msg.msg_iovlen = 1;
        msg.msg_control = control;
        msg.msg_controllen = sizeof control;
        // MSG_TRUNC: the return value is the frame's real length even when it was cut.
        ssize_t n = ::recvmsg(fd_.get(), &msg, MSG_TRUNC);
        if (n >= 0) {
            Packet p;
            p.length = static_cast<std::uint32_t>(n);
            p.data.assign(buf_.data(), std::min<std::size_t>(static_cast<std::size_t>(n), buf_.size()));
            p.outgoing = from.sll_pkttype == PACKET_OUTGOING;
            timespec ts{};
            for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c))
                if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS)
                    std::memcpy(&ts, CMSG_DATA(c), sizeof ts);
            if (ts.tv_sec == 0) ::clock_gettime(CLOCK_REALTIME, &ts);
            p.sec = ts.tv_sec;
            p.nsec = static_cast<std::uint32_t>(ts.tv_nsec);
            return p;
        }
        // The interface went down (`lab link ... down`): the kernel says so once and delivers
        // frames again when it comes back up.
        if (errno == EINTR || errno == ENETDOWN) continue;
        if (errno == ENODEV) throw Error("capture on " + endpoint_ + ": the interface is gone");
        if (errno != EAGAIN) throw SystemError("capture on " + endpoint_ + ": receive", errno);
        // A negative fd is ignored by poll.
        pollfd pf[3] = {{fd_.get(), POLLIN, 0}, {node_.get(), POLLIN, 0}, {stop_fd, POLLIN, 0}};
        int rc = ::poll(pf, 3, timeout_ms);
        if (rc < 0 && errno == EINTR) continue;
        if (rc < 0) throw SystemError("capture on " + endpoint_ + ": poll", errno);
        if (rc == 0) return std::nullopt;
        if (pf[1].revents) {
            node_gone_ = true;
            return std::nullopt;
        }
        if (pf[2].revents) return std::nullopt;
        // POLLERR: a pending socket error, which the next recvmsg reports and clears.
    }
}

std::uint64_t Capture::dropped() {
    tpacket_stats st{};
    socklen_t len = sizeof st;
    if (::getsockopt(fd_.get(), SOL_PACKET, PACKET_STATISTICS, &st, &len) < 0) return 0;
    return st.tp_drops;
}

CaptureStats run_capture(Capture& cap, const CaptureOptions& o) {
    probe::PcapWriter out;
    if (!o.path.empty()) out = probe::PcapWriter(o.path);
    CaptureStats st;
    auto take = [&](const Packet& p) {
        if (out) out.write(p.sec, p.nsec, p.data, p.length);
        ++st.packets;
        if (o.on_packet) o.on_packet(p);
    };
    using clock = std::chrono::steady_clock;
    // A stop (or the node's end) and a frame can wake the same poll: frames the kernel had
    // queued by then belong to the capture. Read them, but briefly, in case of a flood.
    auto drain = [&] {
        const auto until = clock::now() + std::chrono::milliseconds(200);
        while ((!o.count || st.packets < o.count) && clock::now() < until) {
            auto p = cap.next(0);
            if (!p) break;
            take(*p);
        }
    };
    const auto deadline = o.timeout ? clock::now() + *o.timeout : clock::time_point::max();
    for (;;) {
        if (o.count && st.packets >= o.count) {
            st.stopped_by = "count";
            break;
        }
        int wait = -1;
        if (o.timeout) {
            auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock::now()).count();
            if (left <= 0) {
                st.stopped_by = "timeout";
                break;
            }
            wait = static_cast<int>(std::min<long long>(left, 1 << 30));
        }
        auto p = cap.next(wait, o.stop_fd);
        if (!p && cap.node_gone()) {
            drain();
            st.stopped_by = "node gone";
            break;
        }
        if (!p) {
            pollfd pf{o.stop_fd, POLLIN, 0};
            if (o.stop_fd >= 0 && ::poll(&pf, 1, 0) > 0) {
                drain();
                st.stopped_by = "stop";
                break;
            }
            continue;  // the deadline, checked above
        }
        take(*p);
    }
    st.dropped = cap.dropped();
    return st;
}

}  // namespace nslab::probe
