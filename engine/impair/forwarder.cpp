#include "impair/forwarder.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include <cerrno>
#include <cstring>
#include <iostream>

#include "impair/frame.hpp"
#include "impair/queue.hpp"
#include "impair/spec.hpp"
#include "sys/process.hpp"
#include "sys/sync_record.hpp"
#include "util/error.hpp"

namespace nslab::impair {

namespace {

// A TSO burst from a veth is at most 64 KiB plus headers; anything larger is dropped.
constexpr std::size_t kMaxFrame = 256 * 1024;
// Frames read per socket per wake-up, so one busy direction cannot starve the others.
constexpr int kBatch = 64;

std::int64_t now_ns() {
    timespec ts;
    ::clock_gettime(CLOCK_MONOTONIC, &ts);
    return std::int64_t{ts.tv_sec} * 1000000000 + ts.tv_nsec;
}

void setopt(int fd, int level, int name, int value, const std::string& what) {
    if (::setsockopt(fd, level, name, &value, sizeof value) < 0) throw SystemError(what, errno);
}

// One socket per inner end, both to read what the node sent and to send what the other node
// sent. PACKET_IGNORE_OUTGOING keeps our own sends out of our capture (they would loop), and
// PACKET_QDISC_BYPASS hands them straight to the veth. PACKET_VNET_HDR keeps checksum and GSO
// state, without which a locally generated TCP segment arrives with a checksum never filled in.
sys::Fd open_end(const std::string& ifname) {
    sys::Fd fd(::socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));  // protocol 0: nothing until bound
    if (!fd) throw SystemError("AF_PACKET socket for " + ifname, errno);
    setopt(fd.get(), SOL_PACKET, PACKET_VNET_HDR, 1, "PACKET_VNET_HDR on " + ifname);
    setopt(fd.get(), SOL_PACKET, PACKET_QDISC_BYPASS, 1, "PACKET_QDISC_BYPASS on " + ifname);
    setopt(fd.get(), SOL_PACKET, PACKET_IGNORE_OUTGOING, 1, "PACKET_IGNORE_OUTGOING on " + ifname);
    // VLAN tags come beside the frame (see insert_vlan_tag).
    setopt(fd.get(), SOL_PACKET, PACKET_AUXDATA, 1, "PACKET_AUXDATA on " + ifname);
    setopt(fd.get(), SOL_SOCKET, SO_RCVBUFFORCE, 8 << 20, "SO_RCVBUFFORCE on " + ifname);
    setopt(fd.get(), SOL_SOCKET, SO_SNDBUFFORCE, 8 << 20, "SO_SNDBUFFORCE on " + ifname);
    sockaddr_ll sll{};
    sll.sll_family = AF_PACKET;
    sll.sll_protocol = htons(ETH_P_ALL);
    sll.sll_ifindex = static_cast<int>(::if_nametoindex(ifname.c_str()));
    if (sll.sll_ifindex == 0) throw SystemError("find " + ifname + " in the impairment namespace", errno);
    if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&sll), sizeof sll) < 0) throw SystemError("bind AF_PACKET to " + ifname, errno);
    return fd;
}

sockaddr_un unix_addr(const std::string& path) {
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    if (path.size() >= sizeof a.sun_path) throw Error("control socket path too long: " + path);
    std::memcpy(a.sun_path, path.c_str(), path.size());
    return a;
}

struct LinkRun {
    ForwardedLink cfg;
    sys::Fd sock[2];          // [0] on a (faces end 0's node), [1] on b
    DirectionQueue dir[2];    // [0]: frames end 0 sent, leaving on sock[1]
};

class Loop {
public:
    Loop(std::vector<ForwardedLink> links, const std::string& control_path) {
        for (auto& l : links) {
            auto run = std::make_unique<LinkRun>();
            run->cfg = std::move(l);
            for (int e = 0; e < 2; ++e) {
                run->sock[e] = open_end(run->cfg.inner[e]);
                run->dir[e].set(run->cfg.netem);
            }
            links_.push_back(std::move(run));
        }
        ::unlink(control_path.c_str());
        control_ = sys::Fd(::socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0));
        sockaddr_un a = unix_addr(control_path);
        if (!control_ || ::bind(control_.get(), reinterpret_cast<sockaddr*>(&a), sizeof a) < 0 || ::listen(control_.get(), 8) < 0)
            throw SystemError("control socket " + control_path, errno);
        timer_ = sys::Fd(::timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC));
        epoll_ = sys::Fd(::epoll_create1(EPOLL_CLOEXEC));
        if (!timer_ || !epoll_) throw SystemError("timerfd/epoll", errno);
        add(control_.get(), kControl);
        add(timer_.get(), kTimer);
        for (std::size_t i = 0; i < links_.size(); ++i)
            for (int e = 0; e < 2; ++e) add(links_[i]->sock[e].get(), i * 2 + static_cast<std::size_t>(e));
        rng_.seed(std::random_device{}());
    }

    [[noreturn]] void run() {
        epoll_event evs[32];
        for (;;) {
            arm_timer();
            int n = ::epoll_wait(epoll_.get(), evs, 32, -1);
            if (n < 0 && errno != EINTR) throw SystemError("epoll_wait", errno);
            for (int i = 0; i < n; ++i) {
                std::uint64_t tag = evs[i].data.u64;
                if (tag == kControl) handle_control();
                else if (tag == kTimer) {
                    std::uint64_t ticks;
                    [[maybe_unused]] auto r = ::read(timer_.get(), &ticks, sizeof ticks);
                } else receive(tag / 2, static_cast<int>(tag % 2));
            }
            flush();
        }
    }

private:
    static constexpr std::uint64_t kControl = ~0ull, kTimer = ~0ull - 1;

    void add(int fd, std::uint64_t tag) {
        epoll_event ev{};
        ev.events = EPOLLIN;
        ev.data.u64 = tag;
        if (::epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, fd, &ev) < 0) throw SystemError("epoll_ctl", errno);
    }

    void receive(std::size_t li, int end) {
        LinkRun& l = *links_[li];
        for (int k = 0; k < kBatch; ++k) {
            iovec iov{buf_.data(), buf_.size()};
            alignas(cmsghdr) char control[CMSG_SPACE(sizeof(tpacket_auxdata))];
            msghdr msg{};
            msg.msg_iov = &iov;
            msg.msg_iovlen = 1;
            msg.msg_control = control;
            msg.msg_controllen = sizeof control;
            ssize_t len = ::recvmsg(l.sock[end].get(), &msg, MSG_TRUNC);
            if (len < 0) return;  // EAGAIN: drained
            if (static_cast<std::size_t>(len) > buf_.size() || static_cast<std::size_t>(len) <= kVnetHdrLen) continue;
            std::vector<std::uint8_t> pkt(buf_.begin(), buf_.begin() + len);
            for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
                if (c->cmsg_level != SOL_PACKET || c->cmsg_type != PACKET_AUXDATA) continue;
                tpacket_auxdata aux;
                std::memcpy(&aux, CMSG_DATA(c), sizeof aux);
                if (aux.tp_status & TP_STATUS_VLAN_VALID)
                    insert_vlan_tag(pkt, (aux.tp_status & TP_STATUS_VLAN_TPID_VALID) ? aux.tp_vlan_tpid : ETH_P_8021Q, aux.tp_vlan_tci);
            }
            Verdict v = decide(l.dir[end].netem(), rng_);
            std::int64_t now = now_ns();
            for (int c = 0; c < v.copies; ++c) {
                std::vector<std::uint8_t> copy = c + 1 < v.copies ? pkt : std::move(pkt);
                if (v.corrupt && c == 0) corrupt_frame(copy, rng_);
                std::size_t wire = wire_length(copy);
                l.dir[end].push(std::move(copy), wire, now, rng_);
            }
        }
    }

    void flush() {
        std::int64_t now = now_ns();
        for (auto& l : links_)
            for (int d = 0; d < 2; ++d)
                while (auto pkt = l->dir[d].pop_due(now)) {
                    // A full device queue loses the frame, as a real one would.
                    [[maybe_unused]] auto r = ::send(l->sock[1 - d].get(), pkt->data(), pkt->size(), MSG_DONTWAIT);
                }
    }

    void arm_timer() {
        std::optional<std::int64_t> next;
        for (auto& l : links_)
            for (auto& d : l->dir)
                if (auto due = d.next_due()) next = next ? std::min(*next, *due) : *due;
        itimerspec its{};
        if (next) {
            std::int64_t t = std::max<std::int64_t>(*next, 1);
            its.it_value.tv_sec = t / 1000000000;
            its.it_value.tv_nsec = t % 1000000000;
        }
        ::timerfd_settime(timer_.get(), TFD_TIMER_ABSTIME, &its, nullptr);
    }

    // One request per connection: {"link": N, "netem": {...}} -> "ok" or an error text.
    void handle_control() {
        sys::Fd c(::accept4(control_.get(), nullptr, nullptr, SOCK_CLOEXEC));
        if (!c) return;
        timeval tv{1, 0};
        ::setsockopt(c.get(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        char req[4096];
        ssize_t n = ::recv(c.get(), req, sizeof req, 0);
        if (n <= 0) return;
        std::string reply = "ok";
        try {
            auto j = nlohmann::json::parse(std::string(req, static_cast<std::size_t>(n)));
            std::size_t link = j.at("link").get<std::size_t>();
            topo::Netem netem = netem_from_json(j.at("netem"));
            bool found = false;
            for (auto& l : links_)
                if (l->cfg.link == link) {
                    l->cfg.netem = netem;
                    for (auto& d : l->dir) d.set(netem);
                    found = true;
                }
            if (!found) reply = "link " + std::to_string(link) + " does not go through the userspace path";
        } catch (const std::exception& e) {
            reply = std::string("bad request: ") + e.what();
        }
        [[maybe_unused]] auto r = ::send(c.get(), reply.data(), reply.size(), MSG_NOSIGNAL);
    }

    std::vector<std::unique_ptr<LinkRun>> links_;
    sys::Fd control_, timer_, epoll_;
    std::vector<std::uint8_t> buf_ = std::vector<std::uint8_t>(kMaxFrame);
    Rng rng_;
};

[[noreturn]] void child_main(pid_t parent, int hidden_netns, int ready, std::vector<ForwardedLink> links,
                             const std::string& control_path) {
    // Dies with the keeper, even on SIGKILL; the race with a parent that died before the
    // prctl is closed by the getppid() check.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(1);
    ::prctl(PR_SET_NAME, "nslab-impair");
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);  // the keeper blocks signals for its signalfd
    sys::close_fds_except(hidden_netns, ready);
    // #1: the forwarder is listening and its frames flow, or the step that failed.
    sys::SyncRecord rec;
    rec.point = 1;
    try {
        if (::setns(hidden_netns, CLONE_NEWNET) < 0) throw SystemError("enter the impairment namespace", errno);
        ::close(hidden_netns);
        Loop loop(std::move(links), control_path);
        sys::write_record(ready, rec);
        ::close(ready);
        loop.run();
    } catch (const SystemError& e) {
        sys::fail(rec, e.err(), e.op().c_str());
        sys::set_detail(rec, e.detail().c_str());
        sys::write_record(ready, rec);
        std::cerr << "nslab-impair: " << e.what() << std::endl;
    } catch (const std::exception& e) {
        sys::fail(rec, EIO, "run", "", "", "");
        sys::set_detail(rec, e.what());
        sys::write_record(ready, rec);
        std::cerr << "nslab-impair: " << e.what() << std::endl;
    }
    ::_exit(1);
}

}  // namespace

Forwarder& Forwarder::operator=(Forwarder&& o) noexcept {
    if (this != &o) {
        stop();
        pid_ = std::exchange(o.pid_, 0);
        pidfd_ = std::move(o.pidfd_);
    }
    return *this;
}

Forwarder::~Forwarder() { stop(); }

void Forwarder::stop() noexcept {
    if (pid_ <= 0) return;
    if (pidfd_) sys::pidfd_signal(pidfd_.get(), SIGKILL);
    ::waitpid(pid_, nullptr, 0);  // ECHILD if the keeper's teardown reaped it already
    pidfd_.reset();
    pid_ = 0;
}

Forwarder Forwarder::start(int hidden_netns, std::vector<ForwardedLink> links, const std::string& control_path) {
    sys::Pipe p = sys::make_pipe();
    pid_t parent = ::getpid();
    pid_t pid = ::fork();
    if (pid < 0) throw SystemError("fork the impairment forwarder", errno);
    if (pid == 0) child_main(parent, hidden_netns, p.write.get(), std::move(links), control_path);
    Forwarder f;
    f.pid_ = pid;
    f.pidfd_ = sys::pidfd_open(pid);
    p.write.reset();
    auto rec = sys::read_record(p.read.get());
    if (!rec) throw Error("userspace impairment forwarder: died at start");
    if (rec->err) sys::throw_failure(*rec, "userspace impairment forwarder: ");
    return f;
}

void tell_forwarder(const std::string& control_path, std::size_t link, const topo::Netem& netem) {
    sys::Fd s(::socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0));
    sockaddr_un a = unix_addr(control_path);
    if (!s || ::connect(s.get(), reinterpret_cast<sockaddr*>(&a), sizeof a) < 0)
        throw SystemError("reach the impairment forwarder at " + control_path, errno);
    timeval tv{5, 0};
    ::setsockopt(s.get(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    std::string req = nlohmann::json{{"link", link}, {"netem", netem_to_json(netem)}}.dump();
    if (::send(s.get(), req.data(), req.size(), MSG_NOSIGNAL) < 0) throw SystemError("send to the impairment forwarder", errno);
    char buf[512];
    ssize_t n = ::recv(s.get(), buf, sizeof buf, 0);
    if (n < 0) throw SystemError("answer from the impairment forwarder", errno);
    std::string reply(buf, static_cast<std::size_t>(n));
    if (reply != "ok") throw Error("impairment forwarder: " + reply);
}

}  // namespace nslab::impair
