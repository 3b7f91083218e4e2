// Batching and ack bookkeeping. The kernel runs every message of one sendmsg before it returns,
// queueing one ack each on our receive buffer; nothing reads them meanwhile, so a chunk must
// be small enough that all its acks fit there, or they are dropped and we get ENOBUFS.
#include <libmnl/libmnl.h>
#include <linux/netlink.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <iterator>
#include <stdexcept>

#include "netlink/netlink.hpp"
#include "netlink/parse.hpp"

namespace nslab::nl {

namespace {

// Each ack costs the receive buffer its skb truesize, not its 36 bytes: the default 208 KiB
// overflowed here with 300 acks in flight (not with 200). 64 keeps a wide margin should the
// 1 MiB buffer have been refused, and costs nothing measurable: 2000 address adds took
// ~11 us each at 8, 64 or 256 per send (~21 us at 1 per send).
constexpr std::size_t kMaxInFlight = 64;

// A dump skb is at most 32 KiB unless one entry needs more; twice that leaves room.
constexpr std::size_t kRecvBuffer = 64 * 1024;

void check_message(const Message& m, std::size_t index) {
    nlmsghdr h;
    if (m.bytes.size() < sizeof h)
        throw std::invalid_argument("netlink message " + std::to_string(index) + " (" + m.what + ") is too short");
    std::memcpy(&h, m.bytes.data(), sizeof h);
    if (h.nlmsg_len != m.bytes.size() || m.bytes.size() % NLMSG_ALIGNTO != 0)
        throw std::invalid_argument("netlink message " + std::to_string(index) + " (" + m.what + ") has a bad length");
}

}  // namespace

// One receive buffer per thread, not per socket: a lab holds a socket per node while wiring,
// and 1000 zeroed 64 KiB buffers cost the keeper 16,000 page faults for nothing. Every use
// drains it before returning, so sockets of one thread can share it.
std::vector<std::uint8_t>& detail::rx_buffer() {
    thread_local std::vector<std::uint8_t> buf(kRecvBuffer);
    return buf;
}

Socket::Socket(std::unique_ptr<Transport> t) : t_(std::move(t)) {
    if (!t_) throw std::invalid_argument("nl::Socket needs a transport");
}
Socket::Socket(Socket&&) noexcept = default;
Socket& Socket::operator=(Socket&&) noexcept = default;
Socket::~Socket() = default;

int Socket::fd() const { return t_ ? t_->fd() : -1; }

namespace {

// Appends messages from `next` on to `out` while they fit the send limit and the ack budget,
// numbering them from seq + 1. A message larger than the limit still goes out, alone.
// Returns the index after the last one taken.
std::size_t pack_chunk(const std::vector<Message>& msgs, std::size_t next, std::size_t limit, std::uint32_t& seq,
                       std::vector<std::uint8_t>& out) {
    const std::size_t first = next;
    out.clear();
    while (next < msgs.size() && next - first < kMaxInFlight) {
        const auto& bytes = msgs[next].bytes;
        if (!out.empty() && out.size() + bytes.size() > limit) break;
        std::size_t at = out.size();
        out.insert(out.end(), bytes.begin(), bytes.end());
        auto* nlh = reinterpret_cast<nlmsghdr*>(out.data() + at);
        nlh->nlmsg_seq = ++seq;
        nlh->nlmsg_pid = 0;
        // We wait for one ack per message; without the flag the kernel stays silent on success
        // and we would wait forever.
        nlh->nlmsg_flags |= NLM_F_ACK;
        ++next;
    }
    return next;
}

// Reads until each of the `count` messages numbered from `first_seq` has its ack or error;
// appends the errors, in batch order, to `failures`. `first` is the chunk's batch index.
void await_acks(Transport& t, std::vector<std::uint8_t>& rxbuf, const std::vector<Message>& msgs, std::size_t first,
                std::size_t count, std::uint32_t first_seq, std::vector<Failure>& failures) {
    std::vector<bool> answered(count);
    std::size_t pending = count;
    std::vector<Failure> found;
    while (pending > 0) {
        std::size_t len = t.recv(rxbuf.data(), rxbuf.size());
        if (len == 0) throw SystemError("netlink: read acks", EPIPE);
        int left = static_cast<int>(len);
        for (auto* nlh = reinterpret_cast<const nlmsghdr*>(rxbuf.data()); mnl_nlmsg_ok(nlh, left);
             nlh = mnl_nlmsg_next(nlh, &left)) {
            // Replies to non-dump requests (NLMSG_DONE, echoes) carry nothing we need.
            if (nlh->nlmsg_type != NLMSG_ERROR) continue;
            auto status = detail::parse_error(nlh);
            if (!status) throw SystemError("netlink: read acks", EBADMSG, "truncated NLMSG_ERROR");
            // Unsigned arithmetic: right across the 2^32 wrap; stale acks fall outside.
            std::uint32_t offset = status->seq - first_seq;
            if (offset >= count || answered[offset]) continue;
            answered[offset] = true;
            --pending;
            if (status->err != 0) {
                const std::size_t index = first + offset;
                found.push_back(Failure{index, status->err, std::move(status->ext_ack), msgs[index].what});
            }
        }
    }
    std::sort(found.begin(), found.end(), [](const Failure& a, const Failure& b) { return a.index < b.index; });
    std::move(found.begin(), found.end(), std::back_inserter(failures));
}

}  // namespace

std::vector<Failure> Socket::execute(const std::vector<Message>& msgs) {
    if (!t_) throw std::logic_error("nl::Socket used after move");
    for (std::size_t i = 0; i < msgs.size(); ++i) check_message(msgs[i], i);

    const std::size_t limit = t_->send_buffer();
    std::vector<Failure> failures;
    std::vector<std::uint8_t> out;
    out.reserve(limit);
    for (std::size_t next = 0; next < msgs.size();) {
        const std::size_t first = next;
        const std::uint32_t first_seq = seq_ + 1;
        next = pack_chunk(msgs, next, limit, seq_, out);
        t_->send(out.data(), out.size());
        await_acks(*t_, detail::rx_buffer(), msgs, first, next - first, first_seq, failures);
    }
    return failures;
}

void Socket::execute_or_throw(const std::vector<Message>& msgs, const std::string& context) {
    auto failures = execute(msgs);
    if (!failures.empty()) throw NetlinkError(context, std::move(failures));
}

}  // namespace nslab::nl
