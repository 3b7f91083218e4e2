// The netlink layer against the real kernel. Every test runs in a forked child that first moves
// into a fresh network namespace (unshare), so nothing is ever created in the root namespace and
// everything dies with the child; the test process itself never changes namespace. Needs root:
// skips with a reason otherwise, or fails when NSLAB_REQUIRE_ROOT=1 (CI).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <linux/if.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>
#include <sched.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>
#include <iostream>

#include "netlink/netlink.hpp"
#include "nslab_testing.hpp"

namespace nl = nslab::nl;
namespace net = nslab::net;

namespace {

// ---- running a body in a throwaway namespace ----------------------------------------------

constexpr int kCannotUnshare = 77;

// Child-side assertions: gtest's would be recorded in the child's copy of the process and lost.
struct CheckFailed : std::runtime_error {
    using std::runtime_error::runtime_error;
};

#define KCHECK(cond)                                                                                  \
    do {                                                                                              \
        if (!(cond)) throw CheckFailed(std::string(__FILE__ ":") + std::to_string(__LINE__) + ": " #cond); \
    } while (0)

#define KCHECK_EQ(a, b)                                                                              \
    do {                                                                                             \
        auto&& va_ = (a);                                                                            \
        auto&& vb_ = (b);                                                                            \
        if (!(va_ == vb_)) {                                                                         \
            std::ostringstream os_;                                                                  \
            os_ << __FILE__ ":" << __LINE__ << ": " #a " == " #b ": " << va_ << " vs " << vb_;         \
            throw CheckFailed(os_.str());                                                            \
        }                                                                                            \
    } while (0)

// Notes (timings) the child sends back to be printed by the parent.
std::string* g_notes = nullptr;
void note(const std::string& s) {
    if (g_notes) *g_notes += s + "\n";
}

void write_all(int fd, const std::string& s) {
    std::size_t off = 0;
    while (off < s.size()) {
        ssize_t n = ::write(fd, s.data() + off, s.size() - off);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return;
        off += static_cast<std::size_t>(n);
    }
}

struct ChildResult {
    int status = 0;      // exit code, or 128 + signal
    std::string text;    // failure text, or notes on success
};

ChildResult run_in_fresh_netns(const std::function<void()>& body) {
    int p[2];
    if (pipe2(p, O_CLOEXEC) < 0) return {1, std::string("pipe: ") + std::strerror(errno)};
    pid_t pid = fork();
    if (pid < 0) return {1, std::string("fork: ") + std::strerror(errno)};
    if (pid == 0) {
        ::close(p[0]);
        // Before anything else: leave the root namespace, or do nothing at all.
        if (unshare(CLONE_NEWNET) < 0) {
            write_all(p[1], std::string("unshare(CLONE_NEWNET): ") + std::strerror(errno));
            _exit(kCannotUnshare);
        }
        alarm(120);  // a hung recv must not hang the test run
        std::string notes;
        g_notes = &notes;
        int code = 0;
        try {
            body();
            write_all(p[1], notes);
        } catch (const std::exception& e) {
            write_all(p[1], notes + e.what());
            code = 1;
        }
        _exit(code);
    }
    ::close(p[1]);
    ChildResult r;
    char buf[4096];
    for (;;) {
        ssize_t n = ::read(p[0], buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        r.text.append(buf, static_cast<std::size_t>(n));
    }
    ::close(p[0]);
    int st = 0;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {
    }
    r.status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    if (WIFSIGNALED(st)) r.text += "\nchild killed by signal " + std::to_string(WTERMSIG(st));
    return r;
}

// The test's whole body: skips (or fails, under NSLAB_REQUIRE_ROOT=1) when namespaces cannot be
// made here, fails with the child's message, prints the child's notes.
void in_fresh_netns(const std::function<void()>& body) {
    NSLAB_TEST_NEEDS_ROOT("creates network namespaces");
    ChildResult r = run_in_fresh_netns(body);
    if (r.status == kCannotUnshare) {
        if (nslab_testing::root_required()) FAIL() << r.text;
        GTEST_SKIP() << "cannot create a network namespace here: " << r.text;
    }
    ASSERT_EQ(r.status, 0) << r.text;
    if (!r.text.empty()) std::cout << r.text;
}

// ---- helpers for the bodies ----------------------------------------------------------------

class OwnedFd {
public:
    explicit OwnedFd(int fd) : fd_(fd) {
        if (fd_ < 0) throw std::runtime_error(std::string("open: ") + std::strerror(errno));
    }
    OwnedFd(OwnedFd&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
    OwnedFd& operator=(OwnedFd&&) = delete;
    ~OwnedFd() {
        if (fd_ >= 0) ::close(fd_);
    }
    int get() const { return fd_; }

private:
    int fd_;
};

OwnedFd current_netns() { return OwnedFd(::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC)); }

ino_t current_netns_inode() {
    struct stat st {};
    if (::stat("/proc/thread-self/ns/net", &st) < 0) throw std::runtime_error("stat netns");
    return st.st_ino;
}

// Moves this (child) process into yet another fresh namespace and returns an fd of the old one.
OwnedFd unshare_again() {
    OwnedFd old = current_netns();
    if (unshare(CLONE_NEWNET) < 0) throw std::runtime_error(std::string("unshare: ") + std::strerror(errno));
    return old;
}

const nl::LinkInfo& find_link(const std::vector<nl::LinkInfo>& links, const std::string& name) {
    auto it = std::find_if(links.begin(), links.end(), [&](const nl::LinkInfo& l) { return l.name == name; });
    if (it == links.end()) throw CheckFailed("no link named " + name);
    return *it;
}

bool has_link(const std::vector<nl::LinkInfo>& links, const std::string& name) {
    return std::any_of(links.begin(), links.end(), [&](const nl::LinkInfo& l) { return l.name == name; });
}

nl::VethEnd end(std::string name, int netns_fd = -1, std::optional<std::uint32_t> mtu = std::nullopt,
                std::optional<net::Mac> mac = std::nullopt, bool up = true) {
    return nl::VethEnd{std::move(name), netns_fd, mtu, mac, up};
}

// A veth peer is brought up by name once both ends exist (new_veth cannot raise it).
nl::Message peer_up(std::string name) {
    nl::LinkChange c;
    c.name = std::move(name);
    c.up = true;
    return nl::set_link(c);
}

net::Prefix P(const char* text) { return *net::Prefix::parse(text, true); }

double ms_since(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

std::string fmt(double v) {
    std::ostringstream os;
    os.precision(3);
    os << v;
    return os.str();
}

}  // namespace

TEST(NetlinkKernel, VethPairWithPeerInAnotherNamespace) {
    in_fresh_netns([] {
        OwnedFd a = unshare_again();  // the child is now in B; A is the namespace it came from
        OwnedFd b = current_netns();
        auto sock_b = nl::Socket::open();
        KCHECK(sock_b.fd() >= 0);

        net::Mac mac1{2, 0, 0, 0, 0, 1}, mac2{2, 0, 0, 0, 0, 2};
        sock_b.execute_or_throw({nl::new_veth(end("eth1", -1, 1400, mac1), end("peer1", a.get(), 1400, mac2))},
                                "veth test");

        auto in_b = sock_b.dump_links();
        const auto& e1 = find_link(in_b, "eth1");
        KCHECK_EQ(e1.mtu, 1400u);
        KCHECK(e1.mac == mac1);
        KCHECK(e1.up());
        KCHECK(!e1.carrier());  // the peer is still down
        KCHECK_EQ(e1.kind, std::string("veth"));
        KCHECK(e1.link_netnsid.has_value());  // the peer lives elsewhere
        KCHECK(!has_link(in_b, "peer1"));

        ino_t before = current_netns_inode();
        auto sock_a = nl::Socket::open_in(a.get());
        KCHECK_EQ(current_netns_inode(), before);  // back home after opening
        KCHECK(!find_link(sock_a.dump_links(), "peer1").up());
        sock_a.execute_or_throw({peer_up("peer1")});
        KCHECK(find_link(sock_b.dump_links(), "eth1").carrier());  // both ends up: carrier at once
        auto in_a = sock_a.dump_links();
        const auto& p1 = find_link(in_a, "peer1");
        KCHECK_EQ(p1.mtu, 1400u);
        KCHECK(p1.mac == mac2);
        KCHECK(p1.up());
        KCHECK(p1.carrier());
        KCHECK_EQ(p1.link, e1.ifindex);  // IFLA_LINK is the peer's index in its namespace
        KCHECK_EQ(e1.link, p1.ifindex);
        KCHECK(!has_link(in_a, "eth1"));

        // Neither end in the sender's namespace: both placed by IFLA_NET_NS_FD, one down, and
        // `x` enslaved at creation to a bridge of its target namespace (index valid there).
        sock_a.execute_or_throw({nl::new_bridge("br0", true)});
        int br0 = find_link(sock_a.dump_links(), "br0").ifindex;
        auto c = unshare_again();  // now in C, c is B
        auto sock_c = nl::Socket::open();
        sock_c.execute_or_throw(
            {nl::new_veth(end("x", a.get(), 9000), end("y", b.get(), std::nullopt, std::nullopt, false), br0)});
        KCHECK_EQ(sock_c.dump_links().size(), 1u);  // only lo
        auto links_a = sock_a.dump_links(), links_b = sock_b.dump_links();
        const auto& x = find_link(links_a, "x");
        const auto& y = find_link(links_b, "y");
        KCHECK(x.up());
        KCHECK(!y.up());
        KCHECK(!x.carrier());
        KCHECK_EQ(x.mtu, 9000u);
        KCHECK_EQ(x.master, br0);
    });
}

TEST(NetlinkKernel, OpenInBadFdLeavesThreadWhereItWas) {
    in_fresh_netns([] {
        ino_t before = current_netns_inode();
        bool threw = false;
        try {
            nl::Socket::open_in(-1);
        } catch (const nslab::SystemError& e) {
            threw = true;
            KCHECK_EQ(e.err(), EBADF);
        }
        KCHECK(threw);
        KCHECK_EQ(current_netns_inode(), before);
    });
}

TEST(NetlinkKernel, AddressesRoutesBridgeAndLinkChanges) {
    in_fresh_netns([] {
        auto sock = nl::Socket::open();
        // The peer brought up by name in the same batch that creates it.
        sock.execute_or_throw({nl::new_veth(end("eth1"), end("eth2")), peer_up("eth2"),
                               nl::new_bridge("br0", true)});
        auto links = sock.dump_links();
        int eth1 = find_link(links, "eth1").ifindex, eth2 = find_link(links, "eth2").ifindex;
        int br0 = find_link(links, "br0").ifindex;
        KCHECK_EQ(find_link(links, "br0").kind, std::string("bridge"));

        nl::RouteSpec v4;
        v4.to = P("10.1.0.0/16");
        v4.via = P("10.0.0.2");
        v4.metric = 50;
        nl::RouteSpec v6;
        v6.to = P("fd01::/64");
        v6.via = P("fd00::2");
        v6.oif = eth1;
        nl::RouteSpec dflt;
        dflt.to = P("0.0.0.0/0");
        dflt.via = P("10.0.0.254");
        nl::RouteSpec onlink;
        onlink.to = P("10.2.0.0/16");
        onlink.via = P("192.0.2.1");
        onlink.oif = eth1;
        onlink.onlink = true;
        nl::RouteSpec direct;
        direct.to = P("10.3.0.0/16");
        direct.oif = eth1;
        nl::LinkChange mtu{eth1, {}, std::nullopt, 1300, std::nullopt};
        nl::LinkChange port{eth2, {}, std::nullopt, std::nullopt, br0};
        sock.execute_or_throw({nl::new_address(eth1, P("10.0.0.1/24")), nl::new_address(eth1, P("fd00::1/64")),
                               nl::new_route(v4), nl::new_route(v6), nl::new_route(dflt), nl::new_route(onlink),
                               nl::new_route(direct), nl::set_link(mtu), nl::set_link(port)});

        links = sock.dump_links();
        KCHECK(find_link(links, "eth1").carrier());
        KCHECK(find_link(links, "eth2").up());
        KCHECK_EQ(find_link(links, "eth1").mtu, 1300u);
        KCHECK_EQ(find_link(links, "eth2").master, br0);

        auto addrs = sock.dump_addrs();
        auto has_addr = [&](const char* text, unsigned flag) {
            return std::any_of(addrs.begin(), addrs.end(), [&](const nl::AddrInfo& a) {
                return a.ifindex == eth1 && a.prefix == P(text) && (a.flags & flag) == flag;
            });
        };
        KCHECK(has_addr("10.0.0.1/24", 0));
        KCHECK(has_addr("fd00::1/64", IFA_F_NODAD));

        auto r4 = sock.dump_routes(net::Family::V4);
        auto find_route = [](const std::vector<nl::RouteInfo>& rs, const char* dst) -> const nl::RouteInfo& {
            for (const auto& r : rs)
                if (r.dst == P(dst)) return r;
            throw CheckFailed(std::string("no route to ") + dst);
        };
        const auto& r = find_route(r4, "10.1.0.0/16");
        KCHECK(r.gateway && *r.gateway == P("10.0.0.2"));
        KCHECK_EQ(r.oif, eth1);
        KCHECK(r.metric && *r.metric == 50u);
        KCHECK_EQ(int(r.protocol), int(RTPROT_STATIC));
        KCHECK_EQ(r.table, unsigned(RT_TABLE_MAIN));
        KCHECK(find_route(r4, "0.0.0.0/0").gateway == P("10.0.0.254"));
        KCHECK(find_route(r4, "10.2.0.0/16").gateway == P("192.0.2.1"));
        KCHECK_EQ(int(find_route(r4, "10.3.0.0/16").scope), int(RT_SCOPE_LINK));
        KCHECK_EQ(int(find_route(r4, "10.0.0.0/24").protocol), int(RTPROT_KERNEL));  // connected
        for (const auto& x : r4) KCHECK(x.type != RTN_LOCAL && x.type != RTN_BROADCAST && x.table == RT_TABLE_MAIN);

        auto r6 = sock.dump_routes(net::Family::V6);
        const auto& s6 = find_route(r6, "fd01::/64");
        KCHECK(s6.gateway && *s6.gateway == P("fd00::2"));
        KCHECK_EQ(s6.oif, eth1);
    });
}

TEST(NetlinkKernel, RefusalsCarryTheKernelsExtendedAck) {
    in_fresh_netns([] {
        auto sock = nl::Socket::open();
        nl::RouteSpec host_bits;
        host_bits.to = P("10.9.0.1/16");
        host_bits.oif = 1;
        nl::LinkChange tiny_mtu;
        tiny_mtu.name = "ok1";
        tiny_mtu.mtu = 10;
        std::vector<nl::Message> msgs{
            nl::new_veth(end("ok1"), end("ok2")),
            nl::new_veth(end("tiny1", -1, 10), end("tiny2")),    // veth_validate: EINVAL, no ext-ack
            nl::new_veth(end("ok1"), end("other")),              // duplicate name
            nl::new_route(host_bits),                            // host bits set
            nl::set_link(tiny_mtu),                              // dev_validate_mtu says why
            nl::new_veth(end("ok3"), end("ok4")),
        };
        auto failures = sock.execute(msgs);
        for (const auto& f : failures)
            note("kernel said: [" + std::to_string(f.index) + "] " + f.what + ": " + std::strerror(f.err) + " [" +
                 f.ext_ack + "]");
        KCHECK_EQ(failures.size(), 4u);
        KCHECK_EQ(failures[0].index, 1u);
        KCHECK_EQ(failures[0].err, EINVAL);
        KCHECK_EQ(failures[0].what, std::string("create veth tiny1/tiny2"));
        KCHECK_EQ(failures[1].index, 2u);
        KCHECK_EQ(failures[1].err, EEXIST);
        KCHECK_EQ(failures[2].index, 3u);
        KCHECK_EQ(failures[2].err, EINVAL);
        KCHECK(!failures[2].ext_ack.empty());
        KCHECK_EQ(failures[3].index, 4u);
        KCHECK_EQ(failures[3].err, EINVAL);
        KCHECK(!failures[3].ext_ack.empty());

        // Messages after a failure still ran.
        auto links = sock.dump_links();
        KCHECK(has_link(links, "ok3") && has_link(links, "ok4"));
        KCHECK(!has_link(links, "tiny1") && !has_link(links, "other"));
        KCHECK_EQ(find_link(links, "ok1").mtu, 1500u);

        bool threw = false;
        try {
            sock.execute_or_throw({msgs[4], msgs[2]}, "node r1");
        } catch (const nl::NetlinkError& e) {
            threw = true;
            note(std::string("execute_or_throw: ") + e.what());
            std::string text = e.what();
            KCHECK(text.rfind("node r1: set link ok1 mtu 10: Invalid argument (" + failures[3].ext_ack + ")", 0) == 0);
            KCHECK(text.find("(and 1 more failure)") != std::string::npos);
        }
        KCHECK(threw);
    });
}

TEST(NetlinkKernel, FiveHundredAddressesInOneExecute) {
    in_fresh_netns([] {
        auto sock = nl::Socket::open();
        sock.execute_or_throw({nl::new_veth(end("eth1"), end("eth2"))});
        int eth1 = find_link(sock.dump_links(), "eth1").ifindex;

        std::vector<nl::Message> msgs;
        auto v4 = P("10.0.0.0/16"), v6 = P("fd00::/64");
        for (std::uint64_t i = 1; i <= 500; ++i) msgs.push_back(nl::new_address(eth1, v4.host(i)));
        for (std::uint64_t i = 1; i <= 500; ++i) msgs.push_back(nl::new_address(eth1, v6.host(i)));

        auto t0 = std::chrono::steady_clock::now();
        auto failures = sock.execute(msgs);
        double ms = ms_since(t0);
        KCHECK_EQ(failures.size(), 0u);
        note("1000 addresses (500 v4 + 500 v6) in one execute: " + fmt(ms) + " ms, " + fmt(ms * 1000 / 1000) +
             " us/address");

        std::size_t ours = 0;
        for (const auto& a : sock.dump_addrs()) ours += a.ifindex == eth1 && (v4.contains(a.prefix) || v6.contains(a.prefix));
        KCHECK_EQ(ours, 1000u);

        // All of them again: 1000 refusals, each a bigger ack; none may overflow the buffer.
        t0 = std::chrono::steady_clock::now();
        failures = sock.execute(msgs);
        note("1000 refused addresses: " + fmt(ms_since(t0)) + " ms");
        KCHECK_EQ(failures.size(), 1000u);
        for (std::size_t i = 0; i < failures.size(); ++i) {
            KCHECK_EQ(failures[i].index, i);
            KCHECK_EQ(failures[i].err, EEXIST);
        }
    });
}

TEST(NetlinkKernel, ManyVethPairsAcrossNamespacesInOneBatch) {
    in_fresh_netns([] {
        OwnedFd a = unshare_again();
        auto sock = nl::Socket::open();
        constexpr int kPairs = 300;
        std::vector<nl::Message> msgs;
        for (int i = 0; i < kPairs; ++i)
            msgs.push_back(nl::new_veth(end("l" + std::to_string(i), -1, 1500), end("r" + std::to_string(i), a.get(), 1500)));
        auto t0 = std::chrono::steady_clock::now();
        sock.execute_or_throw(msgs);
        double ms = ms_since(t0);
        note(std::to_string(kPairs) + " veth pairs across two namespaces in one execute: " + fmt(ms) + " ms, " +
             fmt(ms * 1000 / kPairs) + " us/pair");
        KCHECK_EQ(sock.dump_links().size(), std::size_t(kPairs) + 1);

        auto sock_a = nl::Socket::open_in(a.get());
        std::vector<nl::Message> ups;
        for (int i = 0; i < kPairs; ++i) ups.push_back(peer_up("r" + std::to_string(i)));
        t0 = std::chrono::steady_clock::now();
        sock_a.execute_or_throw(ups);
        ms = ms_since(t0);
        note(std::to_string(kPairs) + " peers brought up by name: " + fmt(ms) + " ms, " + fmt(ms * 1000 / kPairs) +
             " us/link");
        auto in_a = sock_a.dump_links();
        KCHECK_EQ(in_a.size(), std::size_t(kPairs) + 1);
        for (const auto& l : in_a) KCHECK(l.name == "lo" || l.carrier());
    });
}
