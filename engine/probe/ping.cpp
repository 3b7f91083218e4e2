#include "probe/ping.hpp"

#include <fcntl.h>
#include <linux/icmp.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <random>
#include <sstream>

#include "lab/node_sockets.hpp"
#include "sys/fd.hpp"
#include "sys/process.hpp"
#include "util/error.hpp"

namespace nslab::probe {

namespace {

using Clock = std::chrono::steady_clock;

constexpr std::size_t kHeader = 8;       // ICMP echo: type, code, checksum, id, sequence
constexpr std::size_t kPayload = 56;     // iputils' default, so a link too small for ping fails here too
constexpr std::size_t kPerSocket = 1u << 16;  // the 16-bit sequence number indexes a socket's targets
constexpr int kSocketBuffer = 1 << 20;   // a burst of requests (or replies) to hundreds of targets
constexpr std::size_t kManySockets = 512;

// The start of every payload: `token` tells our replies from another pinger's that drew the
// same id; the send time travels with the request, so a late reply to an earlier attempt
// still yields its own round-trip time.
struct Stamp {
    std::uint64_t token;
    std::int64_t sent_ns;
};

std::int64_t now_ns() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch()).count();
}

// One raw socket: a source node, a family, and up to kPerSocket targets.
struct Probe {
    std::string node;
    net::Family family = net::Family::V4;
    sys::Fd fd;
    std::uint16_t id = 0;
    std::uint64_t token = 0;
    std::vector<std::size_t> targets;   // sequence number -> index into the caller's targets
    std::vector<std::uint16_t> queue;   // sequence numbers this round has still to send
    std::size_t next = 0;
};

// Root may exceed net.core.{r,w}mem_max; anyone else gets what the sysctl allows.
void set_buffer(int fd, int force_opt, int opt) {
    int size = kSocketBuffer;
    if (::setsockopt(fd, SOL_SOCKET, force_opt, &size, sizeof size) == 0) return;
    (void)::setsockopt(fd, SOL_SOCKET, opt, &size, sizeof size);
}

// A raw ICMP socket made in the node (see open_node_sockets), set up to see echo replies only.
void setup_icmp(const sys::Fd& fd, net::Family f, const std::string& node) {
    bool v4 = f == net::Family::V4;
    std::string what = std::string(v4 ? "ICMP" : "ICMPv6") + " socket in node " + node;
    // The kernel copies every ICMP packet of the namespace to every raw socket; see only replies.
    int rc;
    if (v4) {
        icmp_filter filt{~(1u << ICMP_ECHOREPLY)};
        rc = ::setsockopt(fd.get(), SOL_RAW, ICMP_FILTER, &filt, sizeof filt);
    } else {
        icmp6_filter filt;
        ICMP6_FILTER_SETBLOCKALL(&filt);
        ICMP6_FILTER_SETPASS(ICMP6_ECHO_REPLY, &filt);
        rc = ::setsockopt(fd.get(), IPPROTO_ICMPV6, ICMP6_FILTER, &filt, sizeof filt);
    }
    if (rc < 0) throw SystemError("ping: set the echo-reply filter on the " + what, errno);
    set_buffer(fd.get(), SO_SNDBUFFORCE, SO_SNDBUF);
    set_buffer(fd.get(), SO_RCVBUFFORCE, SO_RCVBUF);
}

std::uint16_t checksum(const std::uint8_t* p, std::size_t n) {
    std::uint32_t sum = 0;
    for (std::size_t i = 0; i + 1 < n; i += 2) sum += static_cast<std::uint32_t>(p[i] << 8 | p[i + 1]);
    if (n & 1) sum += static_cast<std::uint32_t>(p[n - 1] << 8);
    while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
    return static_cast<std::uint16_t>(~sum);
}

// Targets grouped by source node and family, in order of first appearance.
std::vector<Probe> group(const std::vector<PingTarget>& targets) {
    std::vector<Probe> probes;
    std::map<std::pair<std::string, net::Family>, std::size_t> current;
    for (std::size_t i = 0; i < targets.size(); ++i) {
        auto key = std::make_pair(targets[i].src_node, targets[i].addr.family);
        auto it = current.find(key);
        if (it == current.end() || probes[it->second].targets.size() == kPerSocket) {
            current[key] = probes.size();
            Probe p;
            p.node = key.first;
            p.family = key.second;
            probes.push_back(std::move(p));
            it = current.find(key);
        }
        probes[it->second].targets.push_back(i);
    }
    return probes;
}

void open_sockets(const lab::Lab& lab, std::vector<Probe>& probes) {
    if (probes.size() > kManySockets) sys::raise_fd_limit();
    std::random_device rd;
    std::mt19937_64 rng((static_cast<std::uint64_t>(rd()) << 32) ^ rd());
    // Random ids keep two pingers in one node apart; within a node, ours differ by construction.
    auto base = static_cast<std::uint16_t>(rng());
    std::map<std::string, std::vector<Probe*>> by_node;
    for (auto& p : probes) by_node[p.node].push_back(&p);
    std::vector<sys::Fd> pidfds;
    std::vector<lab::SocketSpec> specs;
    std::vector<Probe*> order;
    for (auto& [node, list] : by_node) {
        pidfds.push_back(lab.init_pidfd(node));
        for (Probe* p : list) {
            bool v4 = p->family == net::Family::V4;
            specs.push_back({pidfds.back().get(), v4 ? AF_INET : AF_INET6, SOCK_RAW | SOCK_NONBLOCK,
                             v4 ? IPPROTO_ICMP : IPPROTO_ICMPV6, node});
            order.push_back(p);
        }
    }
    auto fds = lab::open_node_sockets(specs, lab.state().userns);
    std::map<std::string, std::uint16_t> next_id;
    for (std::size_t i = 0; i < order.size(); ++i) {
        Probe* p = order[i];
        p->fd = std::move(fds[i]);
        setup_icmp(p->fd, p->family, p->node);
        p->id = static_cast<std::uint16_t>(base + next_id[p->node]++);
        p->token = rng();
    }
}

// False when the socket's send buffer is full: send again once it drains.
bool send_echo(const Probe& p, std::uint16_t seq, const net::Prefix& to) {
    std::array<std::uint8_t, kHeader + kPayload> pkt{};
    bool v4 = p.family == net::Family::V4;
    pkt[0] = v4 ? ICMP_ECHO : ICMP6_ECHO_REQUEST;
    pkt[4] = static_cast<std::uint8_t>(p.id >> 8);
    pkt[5] = static_cast<std::uint8_t>(p.id);
    pkt[6] = static_cast<std::uint8_t>(seq >> 8);
    pkt[7] = static_cast<std::uint8_t>(seq);
    Stamp st{p.token, now_ns()};
    std::memcpy(pkt.data() + kHeader, &st, sizeof st);
    // The kernel sums ICMPv6 itself (it covers a pseudo-header we do not see); ICMP is ours.
    if (v4) {
        std::uint16_t sum = checksum(pkt.data(), pkt.size());
        pkt[2] = static_cast<std::uint8_t>(sum >> 8);
        pkt[3] = static_cast<std::uint8_t>(sum);
    }
    sockaddr_storage ss{};
    socklen_t len;
    if (v4) {
        auto& sin = reinterpret_cast<sockaddr_in&>(ss);
        sin.sin_family = AF_INET;
        std::memcpy(&sin.sin_addr, to.bytes.data(), 4);
        len = sizeof sin;
    } else {
        auto& sin6 = reinterpret_cast<sockaddr_in6&>(ss);
        sin6.sin6_family = AF_INET6;
        std::memcpy(&sin6.sin6_addr, to.bytes.data(), 16);
        len = sizeof sin6;
    }
    for (;;) {
        if (::sendto(p.fd.get(), pkt.data(), pkt.size(), 0, reinterpret_cast<sockaddr*>(&ss), len) >= 0) return true;
        if (errno == EINTR) continue;
        // Anything else (no route, ENOBUFS, ...) loses this request; the next round resends.
        return errno != EAGAIN && errno != EWOULDBLOCK;
    }
}


void start_round(Probe& p, const std::vector<PingOutcome>& out) {
    p.queue.clear();
    p.next = 0;
    for (std::size_t seq = 0; seq < p.targets.size(); ++seq)
        if (!out[p.targets[seq]].ok) p.queue.push_back(static_cast<std::uint16_t>(seq));
}

// Reads every queued datagram; records the replies that answer one of this socket's requests.
void drain(const Probe& p, std::vector<PingOutcome>& out, std::size_t& pending) {
    bool v4 = p.family == net::Family::V4;
    std::array<std::uint8_t, 2048> buf;
    for (;;) {
        sockaddr_storage from{};
        socklen_t fromlen = sizeof from;
        ssize_t n = ::recvfrom(p.fd.get(), buf.data(), buf.size(), 0, reinterpret_cast<sockaddr*>(&from), &fromlen);
        if (n < 0) {
            if (errno == EINTR) continue;
            return;  // EAGAIN: drained. Nothing else is worth failing the whole matrix for.
        }
        std::int64_t now = now_ns();
        const std::uint8_t* icmp = buf.data();
        auto len = static_cast<std::size_t>(n);
        const std::uint8_t* src;
        if (v4) {
            // Raw IPv4 sockets get the IP header too.
            std::size_t ihl = (buf[0] & 0x0f) * 4u;
            if (len < 20 || buf[0] >> 4 != 4 || ihl < 20 || len < ihl) continue;
            src = buf.data() + 12;
            icmp += ihl;
            len -= ihl;
        } else {
            if (from.ss_family != AF_INET6) continue;
            src = reinterpret_cast<const sockaddr_in6&>(from).sin6_addr.s6_addr;
        }
        if (len < kHeader + sizeof(Stamp)) continue;
        if (icmp[0] != (v4 ? ICMP_ECHOREPLY : ICMP6_ECHO_REPLY) || icmp[1] != 0) continue;
        if ((icmp[4] << 8 | icmp[5]) != p.id) continue;
        std::size_t seq = static_cast<std::size_t>(icmp[6] << 8 | icmp[7]);
        Stamp st;
        std::memcpy(&st, icmp + kHeader, sizeof st);
        if (seq >= p.targets.size() || st.token != p.token) continue;
        PingOutcome& o = out[p.targets[seq]];
        if (o.ok || std::memcmp(src, o.target.addr.bytes.data(), o.target.addr.size()) != 0) continue;
        o.ok = true;
        o.rtt_ms = static_cast<double>(now - st.sent_ns) / 1e6;
        --pending;
    }
}

// Sends what is left of this round's queue, until the socket's buffer is full. Reads replies
// between bursts: a request to a node in the lab is usually answered before sendto() returns
// (veth hands the packet on in the same call), so a long round would otherwise fill the
// receive buffer and drop the replies that came in time.
void flush(Probe& p, const std::vector<PingTarget>& targets, std::vector<PingOutcome>& out, std::size_t& pending) {
    constexpr std::size_t kBurst = 256;
    std::size_t sent = 0;
    while (p.next < p.queue.size()) {
        std::uint16_t seq = p.queue[p.next];
        if (!send_echo(p, seq, targets[p.targets[seq]].addr)) break;
        ++p.next;
        if (++sent % kBurst == 0) drain(p, out, pending);
    }
    drain(p, out, pending);
}

void run(std::vector<Probe>& probes, const std::vector<PingTarget>& targets, std::vector<PingOutcome>& out,
         const PingOptions& opts) {
    int attempts = std::max(1, opts.attempts);
    auto timeout = std::chrono::duration_cast<Clock::duration>(std::max(opts.timeout, std::chrono::milliseconds(0)));
    auto start = Clock::now(), deadline = start + timeout;
    auto interval = timeout / attempts;
    std::size_t pending = out.size();
    std::vector<pollfd> pfds(probes.size());
    int round = 0;
    while (pending > 0) {
        auto now = Clock::now();
        if (now >= deadline) break;
        if (round < attempts && now >= start + round * interval) {
            for (auto& p : probes) {
                start_round(p, out);
                flush(p, targets, out, pending);
            }
            ++round;
            continue;
        }
        auto wake = round < attempts ? std::min(deadline, start + round * interval) : deadline;
        for (std::size_t i = 0; i < probes.size(); ++i) {
            bool more = probes[i].next < probes[i].queue.size();
            pfds[i] = {probes[i].fd.get(), static_cast<short>(POLLIN | (more ? POLLOUT : 0)), 0};
        }
        auto left = std::chrono::duration_cast<std::chrono::nanoseconds>(wake - now).count();
        timespec ts{static_cast<time_t>(left / 1000000000), static_cast<long>(left % 1000000000)};
        if (::ppoll(pfds.data(), pfds.size(), &ts, nullptr) < 0) {
            if (errno == EINTR) continue;
            throw SystemError("ping: poll the ICMP sockets", errno);
        }
        for (std::size_t i = 0; i < probes.size(); ++i) {
            if (pfds[i].revents & (POLLIN | POLLERR)) drain(probes[i], out, pending);
            if (pfds[i].revents & POLLOUT) flush(probes[i], targets, out, pending);
        }
    }
    // Replies already queued when time ran out came in time: count them. On a loaded machine
    // sending the rounds alone can take the whole timeout (each request to a far node is
    // forwarded through the lab within sendto()), and the loop above then never polls.
    for (auto& p : probes) drain(p, out, pending);
}

bool link_local(const net::Prefix& a) {
    return a.family == net::Family::V6 && a.bytes[0] == 0xfe && (a.bytes[1] & 0xc0) == 0x80;
}

}  // namespace

std::vector<PingOutcome> ping(const lab::Lab& lab, const std::vector<PingTarget>& targets, const PingOptions& opts) {
    std::vector<PingOutcome> out(targets.size());
    for (std::size_t i = 0; i < targets.size(); ++i) {
        out[i].target = targets[i];
        out[i].target.addr.len = out[i].target.addr.max_len();
    }
    if (targets.empty()) return out;
    std::vector<Probe> probes = group(targets);
    open_sockets(lab, probes);
    run(probes, targets, out, opts);
    return out;
}

std::optional<net::Prefix> ping_address(const topo::Node& n, std::optional<net::Family> family) {
    auto first = [&](net::Family f) -> std::optional<net::Prefix> {
        std::vector<const std::vector<net::Prefix>*> lists = {&n.loopback};
        for (const auto& i : n.interfaces) lists.push_back(&i.addrs);
        for (const auto* l : lists)
            for (net::Prefix a : *l)
                if (a.family == f && !link_local(a)) {
                    a.len = a.max_len();
                    return a;
                }
        return std::nullopt;
    };
    if (family) return first(*family);
    if (auto a = first(net::Family::V4)) return a;
    return first(net::Family::V6);
}

PingTarget ping_target(const lab::Lab& l, const std::string& src, const std::string& dst,
                       std::optional<net::Family> family) {
    l.node(src);  // an unknown source is the user's mistake, whatever DST is
    if (const topo::Node* n = l.model().find(dst)) {
        auto addr = ping_address(*n, family);
        if (!addr) {
            std::string which = !family ? "" : *family == net::Family::V4 ? "IPv4 " : "IPv6 ";
            throw Error("node " + dst + " of lab " + l.name() + " has no " + which + "address to ping");
        }
        return {src, dst, *addr};
    }
    auto addr = net::Prefix::parse_addr(dst);
    if (!addr || addr->len != addr->max_len())
        throw Error("lab " + l.name() + " has no node \"" + dst + "\", and it is no IP address either");
    return {src, "", *addr};
}

std::vector<PingTarget> all_pairs(const topo::Model& m, std::optional<net::Family> family) {
    std::vector<std::optional<net::Prefix>> addr;
    for (const auto& n : m.nodes)
        addr.push_back(n.kind == topo::NodeKind::Switch ? std::nullopt : ping_address(n, family));
    std::vector<PingTarget> out;
    for (const auto& src : m.nodes) {
        if (src.kind == topo::NodeKind::Switch) continue;
        for (std::size_t d = 0; d < m.nodes.size(); ++d)
            if (addr[d] && m.nodes[d].name != src.name) out.push_back({src.name, m.nodes[d].name, *addr[d]});
    }
    return out;
}

std::uint64_t neighbour_table_overflows() {
    std::uint64_t total = 0;
    for (const char* path : {"/proc/net/stat/arp_cache", "/proc/net/stat/ndisc_cache"}) {
        std::ifstream in(path);
        std::string line, word;
        if (!std::getline(in, line)) continue;
        // A header names the columns, then one line of hex counters per CPU.
        std::istringstream header(line);
        std::size_t col = 0, want = SIZE_MAX;
        for (; header >> word; ++col)
            if (word == "table_fulls") want = col;
        while (want != SIZE_MAX && std::getline(in, line)) {
            std::istringstream fields(line);
            for (std::size_t c = 0; fields >> word; ++c)
                if (c == want) total += std::strtoull(word.c_str(), nullptr, 16);
        }
    }
    return total;
}

bool PingReport::all_ok() const {
    return std::all_of(outcomes.begin(), outcomes.end(), [](const PingOutcome& o) { return o.ok; });
}

PingReport ping_report(const lab::Lab& lab, const std::vector<PingTarget>& targets, const PingOptions& opts) {
    PingReport r;
    std::uint64_t before = neighbour_table_overflows();
    r.outcomes = ping(lab, targets, opts);
    std::uint64_t after = neighbour_table_overflows();
    // The counters only grow; "after < before" means they were unreadable once: no news.
    r.neighbour_overflows = after > before ? after - before : 0;
    return r;
}

PingReport ping_all(const lab::Lab& lab, std::optional<net::Family> family, const PingOptions& opts) {
    return ping_report(lab, all_pairs(lab.model(), family), opts);
}

}  // namespace nslab::probe
