// Generic netlink: the CTRL_CMD_GETFAMILY request and its reply read through the fake kernel,
// and WireGuard's WG_CMD_SET_DEVICE requests checked attribute by attribute against the uapi.
#include <netinet/in.h>
#include <gtest/gtest.h>
#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <linux/wireguard.h>
#include <arpa/inet.h>

#include <cstring>
#include <map>

#include "fake_transport.hpp"
#include "netlink/netlink.hpp"

namespace nl = nslab::nl;
namespace net = nslab::net;
using namespace nl::testing;  // the fake kernel: Reply, Datagram, error_for, fake_socket

namespace {

// Attributes of one level by type, and their order.
struct Level {
    std::map<std::uint16_t, const nlattr*> by_type;
    std::vector<std::uint16_t> order;
    std::vector<const nlattr*> all;

    static int add(const nlattr* a, void* data) {
        auto* self = static_cast<Level*>(data);
        self->by_type[mnl_attr_get_type(a)] = a;
        self->order.push_back(mnl_attr_get_type(a));
        self->all.push_back(a);
        return MNL_CB_OK;
    }
    const nlattr* operator[](std::uint16_t type) const {
        auto it = by_type.find(type);
        return it == by_type.end() ? nullptr : it->second;
    }
};

Level genl_attrs(const nl::Message& m) {
    Level l;
    EXPECT_GE(mnl_attr_parse(reinterpret_cast<const nlmsghdr*>(m.bytes.data()), GENL_HDRLEN, Level::add, &l), 0);
    return l;
}

Level inside(const nlattr* nest) {
    Level l;
    EXPECT_NE(nest, nullptr);
    if (nest) {
        EXPECT_GE(mnl_attr_parse_nested(nest, Level::add, &l), 0);
    }
    return l;
}

const genlmsghdr& genl_header(const nl::Message& m) {
    return *static_cast<const genlmsghdr*>(mnl_nlmsg_get_payload(reinterpret_cast<const nlmsghdr*>(m.bytes.data())));
}

std::vector<std::uint8_t> payload(const nlattr* a) {
    if (!a) return {};
    auto* p = static_cast<const std::uint8_t*>(mnl_attr_get_payload(a));
    return {p, p + mnl_attr_get_payload_len(a)};
}

nl::WgDevice device() {
    nl::WgDevice d;
    d.ifindex = 7;
    for (std::size_t i = 0; i < 32; ++i) d.private_key[i] = static_cast<std::uint8_t>(i);
    d.listen_port = 51820;
    nl::WgPeer a;
    a.public_key.fill(0xaa);
    a.endpoint = net::Prefix::parse_addr("10.0.12.2");
    a.endpoint_port = 51821;
    a.keepalive = 25;
    a.allowed_ips = {*net::Prefix::parse("10.99.0.2/32"), *net::Prefix::parse("fd00:2::/64")};
    nl::WgPeer b;
    b.public_key.fill(0xbb);
    b.endpoint = net::Prefix::parse_addr("fd00::2");
    b.endpoint_port = 51822;
    d.peers = {a, b};
    return d;
}

}  // namespace

TEST(NetlinkGeneric, GetFamilyAsksTheControllerByName) {
    auto m = nl::get_family("wireguard");
    auto* nlh = reinterpret_cast<const nlmsghdr*>(m.bytes.data());
    EXPECT_EQ(nlh->nlmsg_type, GENL_ID_CTRL);
    EXPECT_EQ(nlh->nlmsg_flags, NLM_F_REQUEST | NLM_F_ACK);
    EXPECT_EQ(genl_header(m).cmd, CTRL_CMD_GETFAMILY);
    auto attrs = genl_attrs(m);
    EXPECT_EQ(attrs.order, (std::vector<std::uint16_t>{CTRL_ATTR_FAMILY_NAME}));
    EXPECT_STREQ(mnl_attr_get_str(attrs[CTRL_ATTR_FAMILY_NAME]), "wireguard");
}

TEST(NetlinkGeneric, ResolveFamilyReadsTheIdFromTheReplyBeforeTheAck) {
    auto [sock, k] = fake_socket();
    k->respond = [](const nlmsghdr* req, std::size_t) {
        Reply r(GENL_ID_CTRL, 0, req->nlmsg_seq);
        auto& g = r.header<genlmsghdr>();
        g.cmd = CTRL_CMD_NEWFAMILY;
        r.str(CTRL_ATTR_FAMILY_NAME, "wireguard");
        std::uint16_t id = 0x1d;
        r.raw(CTRL_ATTR_FAMILY_ID, &id, sizeof id);
        return std::vector<Datagram>{r.bytes(), error_for(req, 0)};
    };
    EXPECT_EQ(sock.resolve_family("wireguard"), 0x1d);
}

TEST(NetlinkGeneric, AMissingFamilyIsANetlinkErrorWithTheKernelsWords) {
    auto [sock, k] = fake_socket();
    k->respond = [](const nlmsghdr* req, std::size_t) {
        return std::vector<Datagram>{error_for(req, ENOENT, "Unknown family")};
    };
    try {
        sock.resolve_family("wireguard");
        FAIL() << "no error";
    } catch (const nl::NetlinkError& e) {
        EXPECT_EQ(e.err(), ENOENT);
        EXPECT_EQ(e.detail(), "Unknown family");
        EXPECT_NE(std::string(e.what()).find("resolve generic netlink family wireguard"), std::string::npos) << e.what();
    }
}

TEST(NetlinkGeneric, WireguardSetDeviceFirstTheKeyAndPortThenOnePeerPerRequest) {
    auto msgs = nl::wg_set_device(0x1d, device(), "interface r1:wg0");
    ASSERT_EQ(msgs.size(), 3u);
    for (const auto& m : msgs) {
        auto* nlh = reinterpret_cast<const nlmsghdr*>(m.bytes.data());
        EXPECT_EQ(nlh->nlmsg_type, 0x1d);
        EXPECT_EQ(nlh->nlmsg_flags, NLM_F_REQUEST | NLM_F_ACK);
        EXPECT_EQ(genl_header(m).cmd, WG_CMD_SET_DEVICE);
        EXPECT_EQ(genl_header(m).version, WG_GENL_VERSION);
        EXPECT_EQ(mnl_attr_get_u32(genl_attrs(m)[WGDEVICE_A_IFINDEX]), 7u);
    }
    EXPECT_EQ(msgs[0].what, "interface r1:wg0: private key and listen port 51820");
    auto dev = genl_attrs(msgs[0]);
    EXPECT_EQ(dev.order, (std::vector<std::uint16_t>{WGDEVICE_A_IFINDEX, WGDEVICE_A_FLAGS, WGDEVICE_A_PRIVATE_KEY, WGDEVICE_A_LISTEN_PORT}));
    EXPECT_EQ(mnl_attr_get_u32(dev[WGDEVICE_A_FLAGS]), unsigned(WGDEVICE_F_REPLACE_PEERS));
    const auto key = device().private_key;
    EXPECT_EQ(payload(dev[WGDEVICE_A_PRIVATE_KEY]), std::vector<std::uint8_t>(key.begin(), key.end()));
    // NLA_U16 in host order, as the kernel's nla_get_u16 reads it.
    EXPECT_EQ(mnl_attr_get_payload_len(dev[WGDEVICE_A_LISTEN_PORT]), 2u);
    EXPECT_EQ(mnl_attr_get_u16(dev[WGDEVICE_A_LISTEN_PORT]), 51820);

    auto peers = inside(genl_attrs(msgs[1])[WGDEVICE_A_PEERS]);
    ASSERT_EQ(peers.all.size(), 1u);
    auto peer = inside(peers.all[0]);
    EXPECT_EQ(peer.order, (std::vector<std::uint16_t>{WGPEER_A_PUBLIC_KEY, WGPEER_A_FLAGS, WGPEER_A_ENDPOINT,
                                                      WGPEER_A_PERSISTENT_KEEPALIVE_INTERVAL, WGPEER_A_ALLOWEDIPS}));
    EXPECT_EQ(payload(peer[WGPEER_A_PUBLIC_KEY]), std::vector<std::uint8_t>(32, 0xaa));
    EXPECT_EQ(mnl_attr_get_u32(peer[WGPEER_A_FLAGS]), unsigned(WGPEER_F_REPLACE_ALLOWEDIPS));
    ASSERT_EQ(mnl_attr_get_payload_len(peer[WGPEER_A_ENDPOINT]), sizeof(sockaddr_in));
    sockaddr_in sa;
    std::memcpy(&sa, mnl_attr_get_payload(peer[WGPEER_A_ENDPOINT]), sizeof sa);
    EXPECT_EQ(sa.sin_family, AF_INET);
    EXPECT_EQ(ntohs(sa.sin_port), 51821);
    EXPECT_EQ(ntohl(sa.sin_addr.s_addr), 0x0a000c02u);
    EXPECT_EQ(mnl_attr_get_u16(peer[WGPEER_A_PERSISTENT_KEEPALIVE_INTERVAL]), 25);
    auto ips = inside(peer[WGPEER_A_ALLOWEDIPS]);
    ASSERT_EQ(ips.all.size(), 2u);
    auto v4 = inside(ips.all[0]), v6 = inside(ips.all[1]);
    EXPECT_EQ(v4.order, (std::vector<std::uint16_t>{WGALLOWEDIP_A_FAMILY, WGALLOWEDIP_A_IPADDR, WGALLOWEDIP_A_CIDR_MASK}));
    EXPECT_EQ(mnl_attr_get_u16(v4[WGALLOWEDIP_A_FAMILY]), AF_INET);
    EXPECT_EQ(payload(v4[WGALLOWEDIP_A_IPADDR]), (std::vector<std::uint8_t>{10, 99, 0, 2}));
    EXPECT_EQ(mnl_attr_get_u8(v4[WGALLOWEDIP_A_CIDR_MASK]), 32);
    EXPECT_EQ(mnl_attr_get_u16(v6[WGALLOWEDIP_A_FAMILY]), AF_INET6);
    EXPECT_EQ(mnl_attr_get_payload_len(v6[WGALLOWEDIP_A_IPADDR]), 16u);
    EXPECT_EQ(mnl_attr_get_u8(v6[WGALLOWEDIP_A_CIDR_MASK]), 64);

    // An IPv6 endpoint is a whole sockaddr_in6; a peer without keepalive has none.
    auto peer6 = inside(inside(genl_attrs(msgs[2])[WGDEVICE_A_PEERS]).all[0]);
    EXPECT_EQ(peer6[WGPEER_A_PERSISTENT_KEEPALIVE_INTERVAL], nullptr);
    ASSERT_EQ(mnl_attr_get_payload_len(peer6[WGPEER_A_ENDPOINT]), sizeof(sockaddr_in6));
    sockaddr_in6 sa6;
    std::memcpy(&sa6, mnl_attr_get_payload(peer6[WGPEER_A_ENDPOINT]), sizeof sa6);
    EXPECT_EQ(sa6.sin6_family, AF_INET6);
    EXPECT_EQ(ntohs(sa6.sin6_port), 51822);
    EXPECT_EQ(std::memcmp(&sa6.sin6_addr, net::Prefix::parse_addr("fd00::2")->bytes.data(), 16), 0);
}
