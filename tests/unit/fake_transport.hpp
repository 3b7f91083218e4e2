// A stand-in for the kernel's rtnetlink socket: records what nl::Socket sends and answers from
// a script (acks, errors with an extended ACK, dump multiparts), so batching and error mapping
// are tested without root. Like the kernel, it queues one datagram per reply and can model a
// receive buffer that overflows when acks are not read in time.
#pragma once

#include <libmnl/libmnl.h>
#include <linux/netlink.h>

#include <cerrno>
#include <cstring>
#include <deque>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "netlink/netlink.hpp"

namespace nslab::nl::testing {

using Datagram = std::vector<std::uint8_t>;

// One reply message under construction (libmnl into a local buffer).
class Reply {
public:
    Reply(std::uint16_t type, std::uint16_t flags, std::uint32_t seq, std::uint32_t port = 4242) : buf_(8192) {
        nlh_ = mnl_nlmsg_put_header(buf_.data());
        nlh_->nlmsg_type = type;
        nlh_->nlmsg_flags = flags;
        nlh_->nlmsg_seq = seq;
        nlh_->nlmsg_pid = port;
    }
    template <class T>
    T& header() {
        return *static_cast<T*>(mnl_nlmsg_put_extra_header(nlh_, sizeof(T)));
    }
    Reply& u8(std::uint16_t type, std::uint8_t v) { return raw(type, &v, 1); }
    Reply& u32(std::uint16_t type, std::uint32_t v) { return raw(type, &v, sizeof v); }
    Reply& str(std::uint16_t type, const std::string& s) { return raw(type, s.c_str(), s.size() + 1); }
    Reply& raw(std::uint16_t type, const void* p, std::size_t n) {
        mnl_attr_put(nlh_, type, n, p);
        return *this;
    }
    nlattr* nest_start(std::uint16_t type) { return mnl_attr_nest_start(nlh_, type); }
    void nest_end(nlattr* n) { mnl_attr_nest_end(nlh_, n); }
    nlmsghdr* nlh() { return nlh_; }
    Datagram bytes() const { return Datagram(buf_.data(), buf_.data() + nlh_->nlmsg_len); }

private:
    std::vector<std::uint8_t> buf_;
    nlmsghdr* nlh_;
};

// Several messages in one datagram, as the kernel packs dump entries.
inline Datagram multipart(const std::vector<Datagram>& parts) {
    Datagram d;
    for (const auto& p : parts) d.insert(d.end(), p.begin(), p.end());
    return d;
}

// The kernel's NLMSG_ERROR for `request`: err 0 is an ack. With `capped` (NETLINK_CAP_ACK) only
// the request's header is echoed; otherwise the whole request. The ext-ack goes in TLVs after.
inline Datagram error_for(const nlmsghdr* request, int err, const std::string& ext_ack = {}, bool capped = true) {
    std::uint16_t flags = 0;
    if (capped) flags |= NLM_F_CAPPED;
    if (!ext_ack.empty()) flags |= NLM_F_ACK_TLVS;
    Reply r(NLMSG_ERROR, flags, request->nlmsg_seq);
    std::size_t echo = capped ? sizeof(nlmsghdr) : request->nlmsg_len;
    auto* e = static_cast<nlmsgerr*>(mnl_nlmsg_put_extra_header(r.nlh(), sizeof(int) + echo));
    e->error = -err;
    std::memcpy(&e->msg, request, echo);
    if (!ext_ack.empty()) r.str(NLMSGERR_ATTR_MSG, ext_ack);
    return r.bytes();
}

inline Datagram done(std::uint32_t seq, int status = 0, const std::string& ext_ack = {}) {
    Reply r(NLMSG_DONE, NLM_F_MULTI | (ext_ack.empty() ? 0 : NLM_F_ACK_TLVS), seq);
    r.header<int>() = status;
    if (!ext_ack.empty()) r.str(NLMSGERR_ATTR_MSG, ext_ack);
    return r.bytes();
}

// Every message in a buffer of back-to-back netlink messages.
inline std::vector<const nlmsghdr*> split(const Datagram& d) {
    std::vector<const nlmsghdr*> out;
    int left = static_cast<int>(d.size());
    for (auto* nlh = reinterpret_cast<const nlmsghdr*>(d.data()); mnl_nlmsg_ok(nlh, left); nlh = mnl_nlmsg_next(nlh, &left))
        out.push_back(nlh);
    return out;
}

// The state a test inspects and scripts; shared with the FakeTransport the Socket owns.
struct FakeKernel {
    std::size_t send_buffer = 4096;
    // Datagrams the receive queue holds; beyond that replies are dropped and the next recv
    // fails with ENOBUFS, as a full SO_RCVBUF does. 0 = unlimited.
    std::size_t rx_capacity = 0;
    // Called for each message of each send with its index across all sends; returns the
    // datagrams to queue. Unset: an ack for every message.
    std::function<std::vector<Datagram>(const nlmsghdr*, std::size_t)> respond;

    std::vector<Datagram> sent;                 // every send() as made
    std::vector<std::size_t> rx_left_at_send;   // unread datagrams at the time of each send
    std::deque<Datagram> rx;                    // what recv() hands out, one per call
    std::size_t messages = 0;
    std::size_t recv_calls = 0;
    bool overflowed = false;

    std::vector<const nlmsghdr*> sent_messages() const {
        std::vector<const nlmsghdr*> out;
        for (const auto& d : sent)
            for (auto* m : split(d)) out.push_back(m);
        return out;
    }

    void queue(Datagram d) {
        if (rx_capacity && rx.size() >= rx_capacity) {
            overflowed = true;
            return;
        }
        rx.push_back(std::move(d));
    }
};

class FakeTransport final : public Transport {
public:
    explicit FakeTransport(std::shared_ptr<FakeKernel> k) : k_(std::move(k)) {}

    void send(const void* buf, std::size_t len) override {
        if (len > k_->send_buffer) throw SystemError("fake send larger than send_buffer()", EMSGSIZE);
        k_->rx_left_at_send.push_back(k_->rx.size());
        auto& d = k_->sent.emplace_back(static_cast<const std::uint8_t*>(buf), static_cast<const std::uint8_t*>(buf) + len);
        for (auto* nlh : split(d)) {
            std::size_t index = k_->messages++;
            if (!k_->respond) {
                k_->queue(error_for(nlh, 0));
                continue;
            }
            for (auto& reply : k_->respond(nlh, index)) k_->queue(std::move(reply));
        }
    }

    std::size_t recv(void* buf, std::size_t len) override {
        ++k_->recv_calls;
        if (k_->overflowed) {
            k_->overflowed = false;
            throw SystemError("fake recv", ENOBUFS);
        }
        // A real socket would block forever: fail the test instead.
        if (k_->rx.empty()) throw std::logic_error("fake recv: nothing queued, a real socket would block forever");
        Datagram d = std::move(k_->rx.front());
        k_->rx.pop_front();
        if (d.size() > len) throw SystemError("fake recv", ENOSPC);
        std::memcpy(buf, d.data(), d.size());
        return d.size();
    }

    std::uint32_t port_id() const override { return 4242; }
    std::size_t send_buffer() const override { return k_->send_buffer; }

private:
    std::shared_ptr<FakeKernel> k_;
};

// A Socket over a fresh fake; the returned kernel is the test's handle on it.
inline std::pair<Socket, std::shared_ptr<FakeKernel>> fake_socket() {
    auto k = std::make_shared<FakeKernel>();
    return {Socket(std::make_unique<FakeTransport>(k)), k};
}

}  // namespace nslab::nl::testing
