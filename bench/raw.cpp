#include "raw.hpp"

#include <fcntl.h>
#include <libmnl/libmnl.h>
#include <linux/if.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <linux/sched.h>
#include <linux/net_namespace.h>
#include <linux/veth.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace bench {

namespace {
[[noreturn]] void fail(const std::string& what) { throw std::runtime_error(what + ": " + std::strerror(errno)); }
constexpr std::size_t kMsgMax = 512;  // one request is far below this
}  // namespace

void* Batch::put(int type, int flags, std::size_t hdr) {
    std::size_t at = buf_.size();
    buf_.resize(at + kMsgMax);
    nlmsghdr* nlh = mnl_nlmsg_put_header(buf_.data() + at);
    nlh->nlmsg_type = type;
    nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
    nlh->nlmsg_seq = ++count_;
    mnl_nlmsg_put_extra_header(nlh, hdr);
    return nlh;
}

// put() reserved kMsgMax bytes; trim to the message's real length once it is complete.
#define BENCH_DONE(nlh) buf_.resize(buf_.size() - kMsgMax + NLMSG_ALIGN((nlh)->nlmsg_len))

void Batch::veth(const std::string& name, int index, const std::string& peer, int peer_index, int peer_nsfd,
                 int master) {
    auto* nlh = static_cast<nlmsghdr*>(put(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, sizeof(ifinfomsg)));
    auto* ifi = static_cast<ifinfomsg*>(mnl_nlmsg_get_payload(nlh));
    ifi->ifi_index = index;              // chosen here, so no dump is needed to learn it
    ifi->ifi_flags = ifi->ifi_change = IFF_UP;
    mnl_attr_put_strz(nlh, IFLA_IFNAME, name.c_str());
    if (master) mnl_attr_put_u32(nlh, IFLA_MASTER, master);
    nlattr* li = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
    mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "veth");
    nlattr* data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
    nlattr* p = mnl_attr_nest_start(nlh, VETH_INFO_PEER);
    auto* pifi = static_cast<ifinfomsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(ifinfomsg)));
    pifi->ifi_index = peer_index;        // the peer cannot come up in this request (ENOTCONN)
    mnl_attr_put_strz(nlh, IFLA_IFNAME, peer.c_str());
    mnl_attr_put_u32(nlh, IFLA_NET_NS_FD, peer_nsfd);
    mnl_attr_nest_end(nlh, p);
    mnl_attr_nest_end(nlh, data);
    mnl_attr_nest_end(nlh, li);
    BENCH_DONE(nlh);
}

void Batch::bridge(const std::string& name, int index) {
    auto* nlh = static_cast<nlmsghdr*>(put(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, sizeof(ifinfomsg)));
    auto* ifi = static_cast<ifinfomsg*>(mnl_nlmsg_get_payload(nlh));
    ifi->ifi_index = index;
    ifi->ifi_flags = ifi->ifi_change = IFF_UP;
    mnl_attr_put_strz(nlh, IFLA_IFNAME, name.c_str());
    nlattr* li = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
    mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "bridge");
    nlattr* data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
    mnl_attr_put_u32(nlh, IFLA_BR_STP_STATE, 0);
    mnl_attr_put_u32(nlh, IFLA_BR_FORWARD_DELAY, 0);
    mnl_attr_nest_end(nlh, data);
    mnl_attr_nest_end(nlh, li);
    BENCH_DONE(nlh);
}

void Batch::link_up(int index, int master) {
    auto* nlh = static_cast<nlmsghdr*>(put(RTM_NEWLINK, 0, sizeof(ifinfomsg)));
    auto* ifi = static_cast<ifinfomsg*>(mnl_nlmsg_get_payload(nlh));
    ifi->ifi_index = index;
    ifi->ifi_flags = ifi->ifi_change = IFF_UP;
    if (master) mnl_attr_put_u32(nlh, IFLA_MASTER, master);
    BENCH_DONE(nlh);
}

void Batch::addr4(int index, std::uint32_t addr, int len) {
    auto* nlh = static_cast<nlmsghdr*>(put(RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, sizeof(ifaddrmsg)));
    auto* ifa = static_cast<ifaddrmsg*>(mnl_nlmsg_get_payload(nlh));
    ifa->ifa_family = AF_INET;
    ifa->ifa_prefixlen = len;
    ifa->ifa_index = index;
    std::uint32_t a = htonl(addr);
    mnl_attr_put_u32(nlh, IFA_LOCAL, a);
    mnl_attr_put_u32(nlh, IFA_ADDRESS, a);
    BENCH_DONE(nlh);
}

void Batch::route4(std::uint32_t dst, int len, std::uint32_t gw) {
    auto* nlh = static_cast<nlmsghdr*>(put(RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL, sizeof(rtmsg)));
    auto* rt = static_cast<rtmsg*>(mnl_nlmsg_get_payload(nlh));
    rt->rtm_family = AF_INET;
    rt->rtm_dst_len = len;
    rt->rtm_table = RT_TABLE_MAIN;
    rt->rtm_protocol = RTPROT_STATIC;
    rt->rtm_scope = RT_SCOPE_UNIVERSE;
    rt->rtm_type = RTN_UNICAST;
    mnl_attr_put_u32(nlh, RTA_DST, htonl(dst));
    mnl_attr_put_u32(nlh, RTA_GATEWAY, htonl(gw));
    BENCH_DONE(nlh);
}

void Batch::run(int fd) {
    // Send in chunks the socket buffer takes, reading the acks of each chunk before the next.
    std::size_t off = 0;
    std::vector<char> rx(1 << 16);
    while (off < buf_.size()) {
        std::size_t end = off, n = 0;
        while (end < buf_.size() && end - off < (1 << 18)) {
            end += NLMSG_ALIGN(reinterpret_cast<nlmsghdr*>(buf_.data() + end)->nlmsg_len);
            ++n;
        }
        if (::send(fd, buf_.data() + off, end - off, 0) < 0) fail("netlink send");
        while (n > 0) {
            ssize_t r = ::recv(fd, rx.data(), rx.size(), 0);
            if (r < 0) fail("netlink recv");
            for (auto* h = reinterpret_cast<nlmsghdr*>(rx.data()); NLMSG_OK(h, r); h = NLMSG_NEXT(h, r)) {
                if (h->nlmsg_type != NLMSG_ERROR) continue;
                int err = -static_cast<nlmsgerr*>(NLMSG_DATA(h))->error;
                if (err) {
                    errno = err;
                    fail("netlink request " + std::to_string(h->nlmsg_seq));
                }
                --n;
            }
        }
        off = end;
    }
    buf_.clear();
    count_ = 0;
}

int nl_socket() {
    int fd = ::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
    if (fd < 0) fail("netlink socket");
    int one = 1, big = 1 << 20;
    ::setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof one);
    ::setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &big, sizeof big);
    ::setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof big);
    sockaddr_nl sa{};
    sa.nl_family = AF_NETLINK;
    if (::bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) < 0) fail("netlink bind");
    return fd;
}

namespace {
int self_netns() {
    static int fd = ::open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
    return fd;
}
}  // namespace

int nl_socket_in(int nsfd) {
    if (::setns(nsfd, CLONE_NEWNET) < 0) fail("setns");
    int fd = nl_socket();
    if (::setns(self_netns(), CLONE_NEWNET) < 0) fail("setns back");
    return fd;
}

int new_netns() {
    self_netns();
    if (::unshare(CLONE_NEWNET) < 0) fail("unshare");
    int fd = ::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
    if (fd < 0) fail("open netns");
    if (::setns(self_netns(), CLONE_NEWNET) < 0) fail("setns back");
    return fd;
}

Proc clone_node(unsigned long flags) {
    int p[2];
    if (::pipe2(p, O_CLOEXEC) < 0) fail("pipe");
    int pidfd = -1;
    clone_args args{};
    args.flags = flags | CLONE_PIDFD;
    args.pidfd = reinterpret_cast<std::uint64_t>(&pidfd);
    args.exit_signal = SIGCHLD;
    long pid = ::syscall(SYS_clone3, &args, sizeof args);
    if (pid < 0) fail("clone3");
    if (pid == 0) {
        // The child: as little as a node init can do. It dies with the benchmark.
        ::prctl(PR_SET_PDEATHSIG, SIGKILL);
        // IPv6 off before any link exists, as nslab's inits do: at the kernel's defaults a chain
        // of bridges floods itself with DAD/MLD/RS multicast for minutes.
        for (const char* f : {"/proc/sys/net/ipv6/conf/all/disable_ipv6", "/proc/sys/net/ipv6/conf/default/disable_ipv6"}) {
            int fd = ::open(f, O_WRONLY | O_CLOEXEC);
            if (fd >= 0) {
                (void)!::write(fd, "1", 1);
                ::close(fd);
            }
        }
        char b = 1;
        (void)!::write(p[1], &b, 1);
        for (;;) ::pause();
    }
    ::close(p[1]);
    return {static_cast<pid_t>(pid), pidfd, p[0]};
}

void await_ready(Proc& p) {
    char b;
    if (::read(p.ready, &b, 1) != 1) fail("node process died");
    ::close(p.ready);
    p.ready = -1;
}

int netns_of(pid_t pid) {
    int fd = ::open(("/proc/" + std::to_string(pid) + "/ns/net").c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) fail("open /proc/pid/ns/net");
    return fd;
}

void kill_all(std::vector<Proc>& procs) {
    for (auto& p : procs) ::syscall(SYS_pidfd_send_signal, p.pidfd, SIGKILL, nullptr, 0);
    for (auto& p : procs) {
        ::waitpid(p.pid, nullptr, 0);
        ::close(p.pidfd);
        if (p.ready >= 0) ::close(p.ready);
    }
    procs.clear();
}

namespace {
int probe_ns() {
    static int fd = new_netns();
    return fd;
}
}  // namespace

KernelWatch::KernelWatch() {
    req_ = nl_socket_in(probe_ns());
    events_ = nl_socket_in(probe_ns());
    int big = 32 << 20;   // a 2000-namespace lab announces 4000 events
    ::setsockopt(events_, SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof big);
    int group = RTNLGRP_NSID;
    if (::setsockopt(events_, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &group, sizeof group) < 0) fail("join RTNLGRP_NSID");
}

void KernelWatch::watch(int nsfd) {
    // RTM_NEWNSID: give `nsfd` an id in the probe namespace, so its death is announced there.
    char buf[128] = {};
    nlmsghdr* nlh = mnl_nlmsg_put_header(buf);
    nlh->nlmsg_type = RTM_NEWNSID;
    nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
    auto* g = static_cast<rtgenmsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(rtgenmsg)));
    g->rtgen_family = AF_UNSPEC;
    mnl_attr_put_u32(nlh, NETNSA_FD, nsfd);
    mnl_attr_put_u32(nlh, NETNSA_NSID, static_cast<std::uint32_t>(-1));   // kernel picks
    if (::send(req_, buf, nlh->nlmsg_len, 0) < 0) fail("RTM_NEWNSID");
    char rx[512];
    ssize_t r = ::recv(req_, rx, sizeof rx, 0);
    if (r < 0) fail("RTM_NEWNSID ack");
    auto* h = reinterpret_cast<nlmsghdr*>(rx);
    if (h->nlmsg_type == NLMSG_ERROR && static_cast<nlmsgerr*>(NLMSG_DATA(h))->error) {
        errno = -static_cast<nlmsgerr*>(NLMSG_DATA(h))->error;
        fail("RTM_NEWNSID");
    }
    ++pending_;
    drain(false);
}

// Counts the RTM_DELNSID events that have arrived; waits for one batch when `block`.
void KernelWatch::drain(bool block) {
    std::vector<char> rx(1 << 16);
    for (;;) {
        ssize_t r = ::recv(events_, rx.data(), rx.size(), block ? 0 : MSG_DONTWAIT);
        if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
        if (r < 0) fail("recv RTNLGRP_NSID");
        for (auto* h = reinterpret_cast<nlmsghdr*>(rx.data()); NLMSG_OK(h, r); h = NLMSG_NEXT(h, r))
            if (h->nlmsg_type == RTM_DELNSID) --pending_;
        if (block) return;
    }
}

double KernelWatch::wait(double timeout_s) {
    const double t0 = now_s();
    while (pending_ > 0) {
        pollfd p{events_, POLLIN, 0};
        int left_ms = static_cast<int>((timeout_s - (now_s() - t0)) * 1000);
        if (left_ms <= 0 || ::poll(&p, 1, left_ms) <= 0) {
            pending_ = 0;
            return -1;
        }
        drain(true);
    }
    // The namespaces' RTM_DELNSID goes out before their devices are dismantled, and the
    // kernel takes the rtnl lock in bursts while it frees them: done is when, three times in a
    // row, a new namespace is made and a request needing rtnl is answered within 2 ms.
    for (int quiet = 0; quiet < 3;) {
        const double t = now_s();
        ::close(new_netns());
        Batch b;
        b.link_up(1);
        b.run(req_);
        quiet = now_s() - t < 0.002 ? quiet + 1 : 0;
        if (now_s() - t0 > timeout_s) return -1;
    }
    return now_s() - t0;
}

double now_s() {
    timespec ts;
    ::clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

std::string machine() {
    utsname u{};
    ::uname(&u);
    std::ostringstream o;
    o << "nproc " << std::thread::hardware_concurrency() << ", kernel " << u.release;
    return o.str();
}

}  // namespace bench
