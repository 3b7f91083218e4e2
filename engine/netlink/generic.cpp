// Generic netlink, as far as nslab needs it: resolving a family's id, and WireGuard's
// WG_CMD_SET_DEVICE (the kernel makes a wireguard link over rtnetlink, but takes its keys,
// port and peers only here). Builders are pure like the rtnetlink ones; the socket part reads
// the one reply a CTRL_CMD_GETFAMILY gets.
#include <netinet/in.h>
#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <linux/wireguard.h>
#include <arpa/inet.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "netlink/msg_builder.hpp"
#include "netlink/netlink.hpp"
#include "netlink/parse.hpp"

namespace nslab::nl {

namespace {

using detail::MsgBuilder;

constexpr std::uint16_t kRequest = NLM_F_REQUEST | NLM_F_ACK;

void put_genl_header(MsgBuilder& b, std::uint8_t cmd, std::uint8_t version) {
    auto& g = b.extra<genlmsghdr>();
    g.cmd = cmd;
    g.version = version;
}

// WGPEER_A_ENDPOINT is a whole sockaddr_in or sockaddr_in6, port and address in network order.
void put_endpoint(MsgBuilder& b, const WgPeer& p) {
    if (p.endpoint->family == net::Family::V4) {
        sockaddr_in sa{};
        sa.sin_family = AF_INET;
        sa.sin_port = htons(p.endpoint_port);
        std::memcpy(&sa.sin_addr, p.endpoint->bytes.data(), 4);
        b.bytes(WGPEER_A_ENDPOINT, &sa, sizeof sa);
    } else {
        sockaddr_in6 sa{};
        sa.sin6_family = AF_INET6;
        sa.sin6_port = htons(p.endpoint_port);
        std::memcpy(&sa.sin6_addr, p.endpoint->bytes.data(), 16);
        b.bytes(WGPEER_A_ENDPOINT, &sa, sizeof sa);
    }
}

// Entries of a list nest (peers, allowed IPs) are nests of type 0, as wireguard-tools sends
// them; the kernel walks them without looking at the type.
void put_peer(MsgBuilder& b, const WgPeer& p) {
    nlattr* peer = b.nest_start(0);
    b.bytes(WGPEER_A_PUBLIC_KEY, p.public_key.data(), p.public_key.size());
    b.u32(WGPEER_A_FLAGS, WGPEER_F_REPLACE_ALLOWEDIPS);
    if (p.endpoint) put_endpoint(b, p);
    if (p.keepalive) b.bytes(WGPEER_A_PERSISTENT_KEEPALIVE_INTERVAL, &*p.keepalive, sizeof *p.keepalive);
    nlattr* ips = b.nest_start(WGPEER_A_ALLOWEDIPS);
    for (const auto& ip : p.allowed_ips) {
        nlattr* one = b.nest_start(0);
        const std::uint16_t family = static_cast<std::uint16_t>(ip.af());
        const std::uint8_t mask = static_cast<std::uint8_t>(ip.len);
        b.bytes(WGALLOWEDIP_A_FAMILY, &family, sizeof family);
        b.bytes(WGALLOWEDIP_A_IPADDR, ip.bytes.data(), ip.size());
        b.bytes(WGALLOWEDIP_A_CIDR_MASK, &mask, sizeof mask);
        b.nest_end(one);
    }
    b.nest_end(ips);
    b.nest_end(peer);
}

}  // namespace

Message get_family(const std::string& name, std::string what) {
    MsgBuilder b(GENL_ID_CTRL, kRequest);
    put_genl_header(b, CTRL_CMD_GETFAMILY, 1);
    b.strz(CTRL_ATTR_FAMILY_NAME, name);
    return b.finish(what.empty() ? "resolve generic netlink family " + name : std::move(what));
}

std::vector<Message> wg_set_device(std::uint16_t family_id, const WgDevice& dev, const std::string& what) {
    std::vector<Message> out;
    {
        MsgBuilder b(family_id, kRequest);
        put_genl_header(b, WG_CMD_SET_DEVICE, WG_GENL_VERSION);
        b.u32(WGDEVICE_A_IFINDEX, static_cast<std::uint32_t>(dev.ifindex));
        b.u32(WGDEVICE_A_FLAGS, WGDEVICE_F_REPLACE_PEERS);
        b.bytes(WGDEVICE_A_PRIVATE_KEY, dev.private_key.data(), dev.private_key.size());
        if (dev.listen_port) b.bytes(WGDEVICE_A_LISTEN_PORT, &*dev.listen_port, sizeof *dev.listen_port);
        out.push_back(b.finish(what + ": private key" + (dev.listen_port ? " and listen port " + std::to_string(*dev.listen_port) : "")));
    }
    for (std::size_t i = 0; i < dev.peers.size(); ++i) {
        MsgBuilder b(family_id, kRequest);
        put_genl_header(b, WG_CMD_SET_DEVICE, WG_GENL_VERSION);
        b.u32(WGDEVICE_A_IFINDEX, static_cast<std::uint32_t>(dev.ifindex));
        nlattr* peers = b.nest_start(WGDEVICE_A_PEERS);
        put_peer(b, dev.peers[i]);
        b.nest_end(peers);
        out.push_back(b.finish(what + ": peer " + std::to_string(i)));
    }
    return out;
}

std::uint16_t Socket::resolve_family(const std::string& name) {
    if (!t_) throw std::logic_error("nl::Socket used after move");
    Message request = get_family(name);
    auto* req = reinterpret_cast<nlmsghdr*>(request.bytes.data());
    const std::uint32_t seq = req->nlmsg_seq = ++seq_;
    t_->send(request.bytes.data(), request.bytes.size());
    auto& rx = detail::rx_buffer();
    std::optional<std::uint16_t> id;
    // The reply comes first, then the ack (NLM_F_ACK), or only an error.
    for (;;) {
        const std::size_t len = t_->recv(rx.data(), rx.size());
        if (len == 0) throw SystemError("netlink: " + request.what, EPIPE);
        int left = static_cast<int>(len);
        for (auto* nlh = reinterpret_cast<const nlmsghdr*>(rx.data()); mnl_nlmsg_ok(nlh, left); nlh = mnl_nlmsg_next(nlh, &left)) {
            if (nlh->nlmsg_seq != seq) continue;  // leftovers of an abandoned exchange
            if (nlh->nlmsg_type == NLMSG_ERROR) {
                auto status = detail::parse_error(nlh);
                if (!status) throw SystemError("netlink: " + request.what, EBADMSG, "truncated NLMSG_ERROR");
                if (status->err != 0) throw NetlinkError(request.what, status->err, status->ext_ack);
                if (!id) throw SystemError("netlink: " + request.what, EBADMSG, "the reply carried no family id");
                return *id;
            }
            if (nlh->nlmsg_type == GENL_ID_CTRL) id = detail::parse_family_id(nlh);
        }
    }
}

}  // namespace nslab::nl
