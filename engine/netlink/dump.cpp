// Dumps: one NLM_F_DUMP request, then multipart replies until NLMSG_DONE.
#include <libmnl/libmnl.h>
#include <linux/if.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <functional>
#include <stdexcept>

#include "netlink/msg_builder.hpp"
#include "netlink/netlink.hpp"
#include "netlink/parse.hpp"

namespace nslab::nl {

namespace {

// A dump the kernel flags NLM_F_DUMP_INTR saw the table change under it; try again a few
// times, then keep the last (possibly inconsistent) answer rather than spin.
constexpr int kDumpAttempts = 3;

Message link_request() {
    detail::MsgBuilder b(RTM_GETLINK, NLM_F_REQUEST | NLM_F_DUMP);
    b.extra<ifinfomsg>().ifi_family = AF_UNSPEC;
    // Counters are most of a link's dump and we never read them.
    b.u32(IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
    return b.finish("dump links");
}

Message addr_request() {
    detail::MsgBuilder b(RTM_GETADDR, NLM_F_REQUEST | NLM_F_DUMP);
    b.extra<ifaddrmsg>().ifa_family = AF_UNSPEC;
    return b.finish("dump addresses");
}

Message route_request(net::Family family) {
    detail::MsgBuilder b(RTM_GETROUTE, NLM_F_REQUEST | NLM_F_DUMP);
    b.extra<rtmsg>().rtm_family = family == net::Family::V6 ? AF_INET6 : AF_INET;
    return b.finish(family == net::Family::V6 ? "dump IPv6 routes" : "dump IPv4 routes");
}

// Sends `request` with sequence `seq` and hands every entry of the answer to `each`.
// Returns false when the kernel flagged the dump as interrupted.
bool run_dump(Transport& t, std::uint32_t seq, std::vector<std::uint8_t>& rxbuf, Message request,
              const std::function<void(const nlmsghdr*)>& each) {
    auto* req = reinterpret_cast<nlmsghdr*>(request.bytes.data());
    req->nlmsg_seq = seq;
    req->nlmsg_pid = 0;
    t.send(request.bytes.data(), request.bytes.size());

    bool consistent = true;
    for (;;) {
        std::size_t len = t.recv(rxbuf.data(), rxbuf.size());
        if (len == 0) throw SystemError("netlink: " + request.what, EPIPE);
        int left = static_cast<int>(len);
        for (auto* nlh = reinterpret_cast<const nlmsghdr*>(rxbuf.data()); mnl_nlmsg_ok(nlh, left);
             nlh = mnl_nlmsg_next(nlh, &left)) {
            // Leftovers of an earlier exchange that was abandoned half-way.
            if (nlh->nlmsg_seq != seq) continue;
            if (nlh->nlmsg_flags & NLM_F_DUMP_INTR) consistent = false;
            if (nlh->nlmsg_type == NLMSG_DONE) {
                auto done = detail::parse_done(nlh);
                if (done.err != 0) throw NetlinkError(request.what, done.err, done.ext_ack);
                return consistent;
            }
            if (nlh->nlmsg_type == NLMSG_ERROR) {
                auto status = detail::parse_error(nlh);
                if (!status) throw SystemError("netlink: " + request.what, EBADMSG, "truncated NLMSG_ERROR");
                if (status->err != 0) throw NetlinkError(request.what, status->err, status->ext_ack);
                continue;
            }
            if (nlh->nlmsg_type < NLMSG_MIN_TYPE) continue;  // NLMSG_NOOP, NLMSG_OVERRUN
            each(nlh);
        }
    }
}

template <class Info>
std::vector<Info> dump(Transport& t, std::uint32_t& seq, std::vector<std::uint8_t>& rxbuf, const Message& request,
                       std::optional<Info> (*parse)(const nlmsghdr*)) {
    std::vector<Info> out;
    for (int attempt = 0; attempt < kDumpAttempts; ++attempt) {
        out.clear();
        bool consistent = run_dump(t, ++seq, rxbuf, request, [&](const nlmsghdr* nlh) {
            if (auto info = parse(nlh)) out.push_back(std::move(*info));
        });
        if (consistent) break;
    }
    return out;
}

}  // namespace

bool LinkInfo::up() const { return flags & IFF_UP; }
bool LinkInfo::carrier() const { return flags & IFF_LOWER_UP; }

std::vector<LinkInfo> Socket::dump_links() {
    if (!t_) throw std::logic_error("nl::Socket used after move");
    return dump<LinkInfo>(*t_, seq_, detail::rx_buffer(), link_request(), detail::parse_link);
}

std::vector<AddrInfo> Socket::dump_addrs() {
    if (!t_) throw std::logic_error("nl::Socket used after move");
    return dump<AddrInfo>(*t_, seq_, detail::rx_buffer(), addr_request(), detail::parse_addr);
}

std::vector<RouteInfo> Socket::dump_routes(net::Family family) {
    if (!t_) throw std::logic_error("nl::Socket used after move");
    return dump<RouteInfo>(*t_, seq_, detail::rx_buffer(), route_request(family), detail::parse_route);
}

}  // namespace nslab::nl
