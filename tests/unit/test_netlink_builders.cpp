// Byte-level checks of the rtnetlink builders: each message is parsed back with libmnl and every
// attribute's type, length and value compared with what the kernel UAPI expects.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <libmnl/libmnl.h>
#include <linux/if.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/if_tunnel.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <linux/fib_rules.h>
#include <linux/if_bridge.h>

#include <cstring>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "netlink/netlink.hpp"

namespace nl = nslab::nl;
namespace net = nslab::net;

namespace {

// The attributes of one level, in order; each type at most once (asserted).
struct Attrs {
    std::vector<const nlattr*> list;

    const nlattr* get(std::uint16_t type) const {
        const nlattr* found = nullptr;
        for (auto* a : list) {
            if (mnl_attr_get_type(a) != type) continue;
            EXPECT_EQ(found, nullptr) << "attribute " << type << " appears twice";
            found = a;
        }
        return found;
    }
    bool has(std::uint16_t type) const { return get(type) != nullptr; }
    std::vector<std::uint16_t> types() const {
        std::vector<std::uint16_t> t;
        for (auto* a : list) t.push_back(mnl_attr_get_type(a));
        return t;
    }

    static int collect(const nlattr* a, void* data) {
        static_cast<Attrs*>(data)->list.push_back(a);
        return MNL_CB_OK;
    }
};

Attrs top_attrs(const nl::Message& m, std::size_t header_len);
// Attrs point into the message: a temporary one would be gone before they are read.
Attrs top_attrs(const nl::Message&&, std::size_t) = delete;
Attrs top_attrs(const nl::Message& m, std::size_t header_len) {
    Attrs out;
    auto* nlh = reinterpret_cast<const nlmsghdr*>(m.bytes.data());
    EXPECT_GE(mnl_attr_parse(nlh, header_len, Attrs::collect, &out), 0);
    return out;
}

Attrs nested(const nlattr* nest) {
    Attrs out;
    EXPECT_NE(nest, nullptr);
    if (!nest) return out;
    EXPECT_GE(mnl_attr_parse_nested(nest, Attrs::collect, &out), 0);
    return out;
}

const nlmsghdr* header(const nl::Message& m) {
    return reinterpret_cast<const nlmsghdr*>(m.bytes.data());
}

template <class T>
const T& family_header(const nl::Message& m) {
    return *static_cast<const T*>(mnl_nlmsg_get_payload(header(m)));
}

void expect_u32(const nlattr* a, std::uint32_t value) {
    ASSERT_NE(a, nullptr);
    EXPECT_EQ(mnl_attr_get_payload_len(a), 4u);
    EXPECT_EQ(mnl_attr_get_u32(a), value);
}

// Strings go out NUL-terminated, as iproute2 sends IFLA_IFNAME.
void expect_strz(const nlattr* a, const std::string& value) {
    ASSERT_NE(a, nullptr);
    ASSERT_EQ(mnl_attr_get_payload_len(a), value.size() + 1);
    EXPECT_EQ(std::string(mnl_attr_get_str(a)), value);
}

void expect_bytes(const nlattr* a, const void* data, std::size_t len) {
    ASSERT_NE(a, nullptr);
    ASSERT_EQ(mnl_attr_get_payload_len(a), len);
    EXPECT_EQ(std::memcmp(mnl_attr_get_payload(a), data, len), 0);
}

void expect_well_formed(const nl::Message& m, std::uint16_t type, std::uint16_t flags) {
    ASSERT_GE(m.bytes.size(), sizeof(nlmsghdr));
    auto* nlh = header(m);
    EXPECT_EQ(nlh->nlmsg_len, m.bytes.size());
    EXPECT_EQ(m.bytes.size() % NLMSG_ALIGNTO, 0u);
    EXPECT_EQ(nlh->nlmsg_type, type);
    EXPECT_EQ(nlh->nlmsg_flags, flags);
    EXPECT_EQ(nlh->nlmsg_seq, 0u);
    EXPECT_EQ(nlh->nlmsg_pid, 0u);
}

constexpr std::uint16_t kCreate = NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL;
constexpr std::uint16_t kChange = NLM_F_REQUEST | NLM_F_ACK;

net::Prefix P(const char* text) { return *net::Prefix::parse(text, true); }

}  // namespace

TEST(NetlinkBuilders, VethPairInTwoNamespacesWithPeerNested) {
    nl::VethEnd self{"eth1", 7, 1400, net::Mac{2, 0, 0, 0, 0, 1}, true};
    nl::VethEnd peer{"eth2", 9, 9000, net::Mac{2, 0, 0, 0, 0, 2}, true};
    auto m = nl::new_veth(self, peer, 5);
    expect_well_formed(m, RTM_NEWLINK, kCreate);
    EXPECT_EQ(m.what, "create veth eth1/eth2");

    const auto& ifi = family_header<ifinfomsg>(m);
    EXPECT_EQ(ifi.ifi_family, AF_UNSPEC);
    EXPECT_EQ(ifi.ifi_index, 0);
    EXPECT_EQ(ifi.ifi_flags, unsigned(IFF_UP));
    EXPECT_EQ(ifi.ifi_change, unsigned(IFF_UP));

    auto top = top_attrs(m, sizeof(ifinfomsg));
    EXPECT_EQ(top.types(), (std::vector<std::uint16_t>{IFLA_IFNAME, IFLA_NET_NS_FD, IFLA_MTU, IFLA_ADDRESS,
                                                       IFLA_NUM_TX_QUEUES, IFLA_NUM_RX_QUEUES, IFLA_MASTER,
                                                       IFLA_LINKINFO}));
    // One queue each way, named: else the kernel trims them after registering (an RCU wait).
    expect_u32(top.get(IFLA_NUM_TX_QUEUES), 1);
    expect_u32(top.get(IFLA_NUM_RX_QUEUES), 1);
    expect_strz(top.get(IFLA_IFNAME), "eth1");
    expect_u32(top.get(IFLA_NET_NS_FD), 7);
    expect_u32(top.get(IFLA_MTU), 1400);
    expect_bytes(top.get(IFLA_ADDRESS), self.mac->data(), 6);
    expect_u32(top.get(IFLA_MASTER), 5);

    auto linkinfo = nested(top.get(IFLA_LINKINFO));
    EXPECT_EQ(linkinfo.types(), (std::vector<std::uint16_t>{IFLA_INFO_KIND, IFLA_INFO_DATA}));
    expect_strz(linkinfo.get(IFLA_INFO_KIND), "veth");
    auto data = nested(linkinfo.get(IFLA_INFO_DATA));
    ASSERT_EQ(data.types(), (std::vector<std::uint16_t>{VETH_INFO_PEER}));

    // VETH_INFO_PEER: an ifinfomsg, then the peer's attributes.
    const nlattr* peer_attr = data.get(VETH_INFO_PEER);
    ASSERT_GE(mnl_attr_get_payload_len(peer_attr), sizeof(ifinfomsg));
    const auto* pifi = static_cast<const ifinfomsg*>(mnl_attr_get_payload(peer_attr));
    EXPECT_EQ(pifi->ifi_family, AF_UNSPEC);
    EXPECT_EQ(pifi->ifi_index, 0);
    // Never up in the creating request, even when asked: the kernel would refuse the pair.
    EXPECT_EQ(pifi->ifi_flags, 0u);
    EXPECT_EQ(pifi->ifi_change, 0u);
    Attrs pattrs;
    ASSERT_GE(mnl_attr_parse_payload(static_cast<const char*>(mnl_attr_get_payload(peer_attr)) + sizeof(ifinfomsg),
                                     mnl_attr_get_payload_len(peer_attr) - sizeof(ifinfomsg), Attrs::collect, &pattrs),
              0);
    EXPECT_EQ(pattrs.types(), (std::vector<std::uint16_t>{IFLA_IFNAME, IFLA_NET_NS_FD, IFLA_MTU, IFLA_ADDRESS,
                                                          IFLA_NUM_TX_QUEUES, IFLA_NUM_RX_QUEUES}));
    expect_u32(pattrs.get(IFLA_NUM_TX_QUEUES), 1);
    expect_u32(pattrs.get(IFLA_NUM_RX_QUEUES), 1);
    expect_strz(pattrs.get(IFLA_IFNAME), "eth2");
    expect_u32(pattrs.get(IFLA_NET_NS_FD), 9);
    expect_u32(pattrs.get(IFLA_MTU), 9000);
    expect_bytes(pattrs.get(IFLA_ADDRESS), peer.mac->data(), 6);

    // The nests end exactly at the end of the message.
    const auto* end = m.bytes.data() + m.bytes.size();
    auto nest_end = [](const nlattr* a) { return reinterpret_cast<const std::uint8_t*>(a) + a->nla_len; };
    EXPECT_EQ(nest_end(top.get(IFLA_LINKINFO)), end);
    EXPECT_EQ(nest_end(linkinfo.get(IFLA_INFO_DATA)), end);
    EXPECT_EQ(nest_end(peer_attr), end);
}

TEST(NetlinkBuilders, VethMinimalLeavesOutUnsetAttributes) {
    nl::VethEnd self{"a", -1, std::nullopt, std::nullopt, false};
    nl::VethEnd peer{"b", -1, std::nullopt, std::nullopt, false};
    auto m = nl::new_veth(self, peer, 0, "link r1:a <-> r2:b");
    expect_well_formed(m, RTM_NEWLINK, kCreate);
    EXPECT_EQ(m.what, "link r1:a <-> r2:b");
    EXPECT_EQ(family_header<ifinfomsg>(m).ifi_flags, 0u);
    EXPECT_EQ(family_header<ifinfomsg>(m).ifi_change, 0u);
    auto top = top_attrs(m, sizeof(ifinfomsg));
    EXPECT_EQ(top.types(), (std::vector<std::uint16_t>{IFLA_IFNAME, IFLA_NUM_TX_QUEUES, IFLA_NUM_RX_QUEUES, IFLA_LINKINFO}));
    auto data = nested(nested(top.get(IFLA_LINKINFO)).get(IFLA_INFO_DATA));
    const nlattr* peer_attr = data.get(VETH_INFO_PEER);
    ASSERT_NE(peer_attr, nullptr);
    const auto* pifi = static_cast<const ifinfomsg*>(mnl_attr_get_payload(peer_attr));
    EXPECT_EQ(pifi->ifi_flags, 0u);
    EXPECT_EQ(pifi->ifi_change, 0u);
    // ifinfomsg (16) + IFLA_IFNAME "b\0" (4 + 2, aligned to 8) + the two queue counts (8 each).
    EXPECT_EQ(mnl_attr_get_payload_len(peer_attr), sizeof(ifinfomsg) + 8 + 16);
}

TEST(NetlinkBuilders, VethSelfDownPeerUpStillLeavesPeerDown) {
    nl::VethEnd self{"a", 3, std::nullopt, std::nullopt, false};
    nl::VethEnd peer{"b", 4, std::nullopt, std::nullopt, true};
    auto m = nl::new_veth(self, peer);
    EXPECT_EQ(family_header<ifinfomsg>(m).ifi_flags, 0u);
    auto top = top_attrs(m, sizeof(ifinfomsg));
    auto data = nested(nested(top.get(IFLA_LINKINFO)).get(IFLA_INFO_DATA));
    const auto* pifi = static_cast<const ifinfomsg*>(mnl_attr_get_payload(data.get(VETH_INFO_PEER)));
    EXPECT_EQ(pifi->ifi_flags, 0u);
    EXPECT_FALSE(top.has(IFLA_MASTER));
}

TEST(NetlinkBuilders, SetLinkUpByNameOnly) {
    // How a veth peer comes up once both ends exist (new_veth cannot raise it).
    nl::LinkChange up;
    up.name = "eth7";
    up.up = true;
    auto m = nl::set_link(up);
    expect_well_formed(m, RTM_NEWLINK, NLM_F_REQUEST | NLM_F_ACK);
    const auto& ifi = family_header<ifinfomsg>(m);
    EXPECT_EQ(ifi.ifi_index, 0);
    EXPECT_EQ(ifi.ifi_flags, unsigned(IFF_UP));
    EXPECT_EQ(ifi.ifi_change, unsigned(IFF_UP));
    auto top = top_attrs(m, sizeof(ifinfomsg));
    EXPECT_EQ(top.types(), (std::vector<std::uint16_t>{IFLA_IFNAME}));
    expect_strz(top.get(IFLA_IFNAME), "eth7");
}

TEST(NetlinkBuilders, BridgeWithoutStpOrForwardDelay) {
    auto m = nl::new_bridge("br0", true);
    expect_well_formed(m, RTM_NEWLINK, kCreate);
    EXPECT_EQ(m.what, "create bridge br0");
    EXPECT_EQ(family_header<ifinfomsg>(m).ifi_flags, unsigned(IFF_UP));
    EXPECT_EQ(family_header<ifinfomsg>(m).ifi_change, unsigned(IFF_UP));
    auto top = top_attrs(m, sizeof(ifinfomsg));
    EXPECT_EQ(top.types(), (std::vector<std::uint16_t>{IFLA_IFNAME, IFLA_LINKINFO}));
    expect_strz(top.get(IFLA_IFNAME), "br0");
    auto linkinfo = nested(top.get(IFLA_LINKINFO));
    expect_strz(linkinfo.get(IFLA_INFO_KIND), "bridge");
    auto data = nested(linkinfo.get(IFLA_INFO_DATA));
    EXPECT_EQ(data.types(), (std::vector<std::uint16_t>{IFLA_BR_STP_STATE, IFLA_BR_FORWARD_DELAY}));
    expect_u32(data.get(IFLA_BR_STP_STATE), 0);
    expect_u32(data.get(IFLA_BR_FORWARD_DELAY), 0);

    auto down = nl::new_bridge("br1", false);
    EXPECT_EQ(family_header<ifinfomsg>(down).ifi_flags, 0u);
}

TEST(NetlinkBuilders, SetLinkByIndex) {
    nl::LinkChange c;
    c.ifindex = 3;
    c.up = true;
    c.mtu = 9000;
    c.master = 7;
    auto m = nl::set_link(c);
    expect_well_formed(m, RTM_NEWLINK, NLM_F_REQUEST | NLM_F_ACK);
    EXPECT_EQ(m.what, "set link ifindex 3 up mtu 9000 master ifindex 7");
    const auto& ifi = family_header<ifinfomsg>(m);
    EXPECT_EQ(ifi.ifi_index, 3);
    EXPECT_EQ(ifi.ifi_flags, unsigned(IFF_UP));
    EXPECT_EQ(ifi.ifi_change, unsigned(IFF_UP));
    auto top = top_attrs(m, sizeof(ifinfomsg));
    EXPECT_EQ(top.types(), (std::vector<std::uint16_t>{IFLA_MTU, IFLA_MASTER}));
    expect_u32(top.get(IFLA_MTU), 9000);
    expect_u32(top.get(IFLA_MASTER), 7);
}

TEST(NetlinkBuilders, SetLinkByNameDownAndRelease) {
    nl::LinkChange c;
    c.name = "eth0";
    c.up = false;
    c.master = 0;
    auto m = nl::set_link(c);
    EXPECT_EQ(m.what, "set link eth0 down nomaster");
    const auto& ifi = family_header<ifinfomsg>(m);
    EXPECT_EQ(ifi.ifi_index, 0);
    EXPECT_EQ(ifi.ifi_flags, 0u);
    EXPECT_EQ(ifi.ifi_change, unsigned(IFF_UP));  // down is a change too
    auto top = top_attrs(m, sizeof(ifinfomsg));
    EXPECT_EQ(top.types(), (std::vector<std::uint16_t>{IFLA_IFNAME, IFLA_MASTER}));
    expect_strz(top.get(IFLA_IFNAME), "eth0");
    expect_u32(top.get(IFLA_MASTER), 0);
}

TEST(NetlinkBuilders, SetLinkNothingTouchesNoFlags) {
    nl::LinkChange c;
    c.ifindex = 2;
    auto m = nl::set_link(c);
    EXPECT_EQ(family_header<ifinfomsg>(m).ifi_change, 0u);
    EXPECT_TRUE(top_attrs(m, sizeof(ifinfomsg)).list.empty());
}

TEST(NetlinkBuilders, AddressV4HasLocalAndAddress) {
    auto m = nl::new_address(3, P("10.0.0.1/24"));
    expect_well_formed(m, RTM_NEWADDR, kCreate);
    EXPECT_EQ(m.what, "add address 10.0.0.1/24 on ifindex 3");
    const auto& ifa = family_header<ifaddrmsg>(m);
    EXPECT_EQ(ifa.ifa_family, AF_INET);
    EXPECT_EQ(ifa.ifa_prefixlen, 24);
    EXPECT_EQ(ifa.ifa_flags, 0);
    EXPECT_EQ(ifa.ifa_scope, RT_SCOPE_UNIVERSE);
    EXPECT_EQ(ifa.ifa_index, 3u);
    auto top = top_attrs(m, sizeof(ifaddrmsg));
    EXPECT_EQ(top.types(), (std::vector<std::uint16_t>{IFA_LOCAL, IFA_ADDRESS, IFA_FLAGS}));
    const std::uint8_t addr[4] = {10, 0, 0, 1};
    expect_bytes(top.get(IFA_LOCAL), addr, 4);
    expect_bytes(top.get(IFA_ADDRESS), addr, 4);
    expect_u32(top.get(IFA_FLAGS), 0);
}

TEST(NetlinkBuilders, AddressV6IsNoDad) {
    auto p = P("fd00::1/64");
    auto m = nl::new_address(12, p);
    expect_well_formed(m, RTM_NEWADDR, kCreate);
    const auto& ifa = family_header<ifaddrmsg>(m);
    EXPECT_EQ(ifa.ifa_family, AF_INET6);
    EXPECT_EQ(ifa.ifa_prefixlen, 64);
    EXPECT_EQ(ifa.ifa_flags, IFA_F_NODAD);
    EXPECT_EQ(ifa.ifa_index, 12u);
    auto top = top_attrs(m, sizeof(ifaddrmsg));
    EXPECT_EQ(top.types(), (std::vector<std::uint16_t>{IFA_ADDRESS, IFA_FLAGS}));
    expect_bytes(top.get(IFA_ADDRESS), p.bytes.data(), 16);
    expect_u32(top.get(IFA_FLAGS), IFA_F_NODAD);
}

TEST(NetlinkBuilders, RouteViaGatewayWithMetricAndOnlink) {
    nl::RouteSpec r;
    r.to = P("10.1.0.0/16");
    r.via = P("10.0.0.2");
    r.oif = 4;
    r.metric = 20;
    r.onlink = true;
    auto m = nl::new_route(r);
    expect_well_formed(m, RTM_NEWROUTE, kCreate);
    EXPECT_EQ(m.what, "add route 10.1.0.0/16 via 10.0.0.2 dev ifindex 4 metric 20 onlink");
    const auto& rtm = family_header<rtmsg>(m);
    EXPECT_EQ(rtm.rtm_family, AF_INET);
    EXPECT_EQ(rtm.rtm_dst_len, 16);
    EXPECT_EQ(rtm.rtm_src_len, 0);
    EXPECT_EQ(rtm.rtm_table, RT_TABLE_MAIN);
    EXPECT_EQ(rtm.rtm_protocol, RTPROT_STATIC);
    EXPECT_EQ(rtm.rtm_scope, RT_SCOPE_UNIVERSE);
    EXPECT_EQ(rtm.rtm_type, RTN_UNICAST);
    EXPECT_EQ(rtm.rtm_flags, unsigned(RTNH_F_ONLINK));
    auto top = top_attrs(m, sizeof(rtmsg));
    EXPECT_EQ(top.types(), (std::vector<std::uint16_t>{RTA_TABLE, RTA_DST, RTA_GATEWAY, RTA_OIF, RTA_PRIORITY}));
    expect_u32(top.get(RTA_TABLE), RT_TABLE_MAIN);
    const std::uint8_t dst[4] = {10, 1, 0, 0}, gw[4] = {10, 0, 0, 2};
    expect_bytes(top.get(RTA_DST), dst, 4);
    expect_bytes(top.get(RTA_GATEWAY), gw, 4);
    expect_u32(top.get(RTA_OIF), 4);
    expect_u32(top.get(RTA_PRIORITY), 20);
}

TEST(NetlinkBuilders, DefaultRouteHasNoDst) {
    nl::RouteSpec r;
    r.to = P("::/0");
    r.via = P("fd00::1");
    auto m = nl::new_route(r);
    const auto& rtm = family_header<rtmsg>(m);
    EXPECT_EQ(rtm.rtm_family, AF_INET6);
    EXPECT_EQ(rtm.rtm_dst_len, 0);
    EXPECT_EQ(rtm.rtm_flags, 0u);
    auto top = top_attrs(m, sizeof(rtmsg));
    EXPECT_EQ(top.types(), (std::vector<std::uint16_t>{RTA_TABLE, RTA_GATEWAY}));
    expect_bytes(top.get(RTA_GATEWAY), r.via->bytes.data(), 16);
}

TEST(NetlinkBuilders, ConnectedRouteIsLinkScope) {
    nl::RouteSpec r;
    r.to = P("192.168.5.0/24");
    r.oif = 2;
    auto m = nl::new_route(r);
    EXPECT_EQ(family_header<rtmsg>(m).rtm_scope, RT_SCOPE_LINK);
    EXPECT_EQ(m.what, "add route 192.168.5.0/24 dev ifindex 2");
    auto top = top_attrs(m, sizeof(rtmsg));
    EXPECT_EQ(top.types(), (std::vector<std::uint16_t>{RTA_TABLE, RTA_DST, RTA_OIF}));
}

TEST(NetlinkBuilders, V4RouteOverV6NextHopUsesRtaVia) {
    nl::RouteSpec r;
    r.to = P("10.9.0.0/16");
    r.via = P("fe80::1");
    r.oif = 5;
    auto m = nl::new_route(r);
    auto top = top_attrs(m, sizeof(rtmsg));
    EXPECT_FALSE(top.has(RTA_GATEWAY));
    const nlattr* via = top.get(RTA_VIA);
    ASSERT_NE(via, nullptr);
    ASSERT_EQ(mnl_attr_get_payload_len(via), 2u + 16u);
    const auto* v = static_cast<const rtvia*>(mnl_attr_get_payload(via));
    EXPECT_EQ(v->rtvia_family, AF_INET6);
    EXPECT_EQ(std::memcmp(v->rtvia_addr, r.via->bytes.data(), 16), 0);
}

TEST(NetlinkBuilders, OversizedNameThrowsInsteadOfOverflowing) {
    nl::VethEnd self{std::string(10000, 'x'), -1, std::nullopt, std::nullopt, true};
    nl::VethEnd peer{"b", -1, std::nullopt, std::nullopt, true};
    EXPECT_THROW(nl::new_veth(self, peer), std::length_error);
}

// ---- what a live change sends to take things away again -------------------------------------

TEST(NetlinkBuilders, ReplaceRouteReplacesOrCreates) {
    nl::RouteSpec r;
    r.to = P("10.9.0.0/24");
    r.via = P("10.0.0.2");
    auto m = nl::replace_route(r);
    expect_well_formed(m, RTM_NEWROUTE, NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_REPLACE);
    EXPECT_EQ(m.what, "replace route 10.9.0.0/24 via 10.0.0.2");
}

TEST(NetlinkBuilders, DeleteRouteNamesTheSameRouteAsItsCreation) {
    nl::RouteSpec r;
    r.to = P("10.1.0.0/16");
    r.via = P("10.0.0.2");
    r.metric = 20;
    auto add = nl::new_route(r), del = nl::delete_route(r);
    expect_well_formed(del, RTM_DELROUTE, kChange);
    EXPECT_EQ(del.what, "delete route 10.1.0.0/16 via 10.0.0.2 metric 20");
    // The kernel matches a delete on table, destination, length, metric and gateway: the same
    // header and attributes as the request that made it.
    const auto& a = family_header<rtmsg>(add);
    const auto& d = family_header<rtmsg>(del);
    EXPECT_EQ(std::memcmp(&a, &d, sizeof a), 0);
    EXPECT_EQ(top_attrs(del, sizeof(rtmsg)).types(), top_attrs(add, sizeof(rtmsg)).types());
}

TEST(NetlinkBuilders, DeleteLinkByIndexOrName) {
    auto by_index = nl::delete_link(7, "eth1");
    expect_well_formed(by_index, RTM_DELLINK, kChange);
    EXPECT_EQ(family_header<ifinfomsg>(by_index).ifi_index, 7);
    EXPECT_TRUE(top_attrs(by_index, sizeof(ifinfomsg)).types().empty());
    EXPECT_EQ(by_index.what, "delete link ifindex 7");
    auto by_name = nl::delete_link(0, "eth1");
    EXPECT_EQ(family_header<ifinfomsg>(by_name).ifi_index, 0);
    auto top = top_attrs(by_name, sizeof(ifinfomsg));
    ASSERT_TRUE(top.has(IFLA_IFNAME));
    EXPECT_STREQ(mnl_attr_get_str(top.get(IFLA_IFNAME)), "eth1");
}

TEST(NetlinkBuilders, DeleteAddressOfBothFamilies) {
    auto v4 = nl::delete_address(3, P("10.0.12.1/30"));
    expect_well_formed(v4, RTM_DELADDR, kChange);
    const auto& h = family_header<ifaddrmsg>(v4);
    EXPECT_EQ(h.ifa_family, AF_INET);
    EXPECT_EQ(h.ifa_prefixlen, 30);
    EXPECT_EQ(h.ifa_index, 3u);
    EXPECT_EQ(top_attrs(v4, sizeof(ifaddrmsg)).types(), (std::vector<std::uint16_t>{IFA_LOCAL, IFA_ADDRESS}));
    auto v6 = nl::delete_address(3, P("fd00::1/64"));
    EXPECT_EQ(family_header<ifaddrmsg>(v6).ifa_family, AF_INET6);
    EXPECT_EQ(top_attrs(v6, sizeof(ifaddrmsg)).types(), (std::vector<std::uint16_t>{IFA_ADDRESS}));
    EXPECT_EQ(v6.what, "delete address fd00::1/64 on ifindex 3");
}

// ---- a node's own interfaces (`interfaces`) ------------------------------------------

namespace {

// The IFLA_INFO_DATA of a new_link message, after checking the top level and the kind.
Attrs kind_data(const nl::Message& m, const std::string& kind) {
    auto top = top_attrs(m, sizeof(ifinfomsg));
    auto linkinfo = nested(top.get(IFLA_LINKINFO));
    expect_strz(linkinfo.get(IFLA_INFO_KIND), kind);
    return nested(linkinfo.get(IFLA_INFO_DATA));
}
// Attrs point into the message: a temporary one would be gone before they are read.
Attrs kind_data(const nl::Message&&, const std::string&) = delete;

nl::LinkSpec spec(const char* kind, const char* name) {
    nl::LinkSpec s;
    s.kind = kind;
    s.name = name;
    return s;
}

// An attribute holding one unsigned integer of T's size, in host order.
template <class T>
void expect_uint(const nlattr* a, T value) {
    ASSERT_NE(a, nullptr);
    ASSERT_EQ(mnl_attr_get_payload_len(a), sizeof(T));
    T got;
    std::memcpy(&got, mnl_attr_get_payload(a), sizeof got);
    EXPECT_EQ(got, value);
}

}  // namespace

TEST(NetlinkBuilders, DummyWithIndexMtuMacAndVrfHasNoKindData) {
    nl::LinkSpec s = spec("dummy", "lo1");
    s.ifindex = 12;
    s.up = true;
    s.mtu = 1400;
    s.mac = net::Mac{2, 0, 0, 0, 0, 9};
    s.master = 11;
    auto m = nl::new_link(s);
    expect_well_formed(m, RTM_NEWLINK, kCreate);
    EXPECT_EQ(m.what, "create dummy lo1");
    EXPECT_EQ(family_header<ifinfomsg>(m).ifi_index, 12);
    EXPECT_EQ(family_header<ifinfomsg>(m).ifi_flags, unsigned(IFF_UP));
    auto top = top_attrs(m, sizeof(ifinfomsg));
    EXPECT_EQ(top.types(), (std::vector<std::uint16_t>{IFLA_IFNAME, IFLA_MTU, IFLA_ADDRESS, IFLA_MASTER, IFLA_LINKINFO}));
    expect_strz(top.get(IFLA_IFNAME), "lo1");
    expect_u32(top.get(IFLA_MTU), 1400);
    expect_bytes(top.get(IFLA_ADDRESS), s.mac->data(), 6);
    expect_u32(top.get(IFLA_MASTER), 11);
    auto linkinfo = nested(top.get(IFLA_LINKINFO));
    EXPECT_EQ(linkinfo.types(), (std::vector<std::uint16_t>{IFLA_INFO_KIND}));
    expect_strz(linkinfo.get(IFLA_INFO_KIND), "dummy");
}

TEST(NetlinkBuilders, VrfCarriesItsTable) {
    nl::LinkSpec s = spec("vrf", "red");
    s.vrf_table = 1001;
    auto m = nl::new_link(s, "interface r1:red");
    EXPECT_EQ(m.what, "interface r1:red");
    EXPECT_EQ(family_header<ifinfomsg>(m).ifi_flags, 0u);
    auto data = kind_data(m, "vrf");
    EXPECT_EQ(data.types(), (std::vector<std::uint16_t>{IFLA_VRF_TABLE}));
    expect_u32(data.get(IFLA_VRF_TABLE), 1001);
}

TEST(NetlinkBuilders, VlanOnItsLinkWithIdAndProtocolInNetworkOrder) {
    nl::LinkSpec s = spec("vlan", "eth1.10");
    s.link = 5;
    s.vlan_id = 10;
    auto m = nl::new_link(s);
    auto top = top_attrs(m, sizeof(ifinfomsg));
    expect_u32(top.get(IFLA_LINK), 5);
    auto data = kind_data(m, "vlan");
    EXPECT_EQ(data.types(), (std::vector<std::uint16_t>{IFLA_VLAN_ID, IFLA_VLAN_PROTOCOL}));
    expect_uint<std::uint16_t>(data.get(IFLA_VLAN_ID), 10);
    const std::uint8_t q[] = {0x81, 0x00};
    expect_bytes(data.get(IFLA_VLAN_PROTOCOL), q, 2);
    s.qinq = true;
    const std::uint8_t ad[] = {0x88, 0xa8};
    const nl::Message qinq = nl::new_link(s);
    expect_bytes(kind_data(qinq, "vlan").get(IFLA_VLAN_PROTOCOL), ad, 2);
}

TEST(NetlinkBuilders, MacvlanModeOnItsLink) {
    nl::LinkSpec s = spec("macvlan", "mv0");
    s.link = 3;
    s.macvlan_mode = MACVLAN_MODE_PRIVATE;
    auto m = nl::new_link(s);
    expect_u32(top_attrs(m, sizeof(ifinfomsg)).get(IFLA_LINK), 3);
    auto data = kind_data(m, "macvlan");
    EXPECT_EQ(data.types(), (std::vector<std::uint16_t>{IFLA_MACVLAN_MODE}));
    expect_u32(data.get(IFLA_MACVLAN_MODE), MACVLAN_MODE_PRIVATE);
}

TEST(NetlinkBuilders, VxlanIpv4RemoteLocalDevPortLearning) {
    auto m = nl::new_link({.kind = "vxlan", .name = "vx0", .vni = 42, .vxlan_remote = P("10.0.0.2"), .vxlan_local = P("10.0.0.1"),
                           .vxlan_dev = 4, .vxlan_port = 4789, .vxlan_learning = false});
    auto top = top_attrs(m, sizeof(ifinfomsg));
    EXPECT_FALSE(top.has(IFLA_LINK));  // the underlay goes in IFLA_VXLAN_LINK
    auto data = kind_data(m, "vxlan");
    EXPECT_EQ(data.types(), (std::vector<std::uint16_t>{IFLA_VXLAN_ID, IFLA_VXLAN_GROUP, IFLA_VXLAN_LOCAL, IFLA_VXLAN_LINK,
                                                        IFLA_VXLAN_PORT, IFLA_VXLAN_LEARNING}));
    expect_u32(data.get(IFLA_VXLAN_ID), 42);
    const std::uint8_t remote[] = {10, 0, 0, 2}, local[] = {10, 0, 0, 1};
    expect_bytes(data.get(IFLA_VXLAN_GROUP), remote, 4);
    expect_bytes(data.get(IFLA_VXLAN_LOCAL), local, 4);
    expect_u32(data.get(IFLA_VXLAN_LINK), 4);
    const std::uint8_t port[] = {0x12, 0xb5};  // 4789, big-endian
    expect_bytes(data.get(IFLA_VXLAN_PORT), port, 2);
    const std::uint8_t off = 0;
    expect_bytes(data.get(IFLA_VXLAN_LEARNING), &off, 1);
}

TEST(NetlinkBuilders, VxlanIpv6UsesTheSixAttributes) {
    nl::LinkSpec s = spec("vxlan", "vx6");
    s.vni = 7;
    s.vxlan_remote = P("ff05::100");
    s.vxlan_local = P("fd00::1");
    // The attributes point into the message: it must outlive them.
    const nl::Message m = nl::new_link(s);
    auto data = kind_data(m, "vxlan");
    EXPECT_EQ(data.types(), (std::vector<std::uint16_t>{IFLA_VXLAN_ID, IFLA_VXLAN_GROUP6, IFLA_VXLAN_LOCAL6,
                                                        IFLA_VXLAN_PORT, IFLA_VXLAN_LEARNING}));
    expect_bytes(data.get(IFLA_VXLAN_GROUP6), P("ff05::100").bytes.data(), 16);
    expect_bytes(data.get(IFLA_VXLAN_LOCAL6), P("fd00::1").bytes.data(), 16);
    const std::uint8_t on = 1;
    expect_bytes(data.get(IFLA_VXLAN_LEARNING), &on, 1);
}

TEST(NetlinkBuilders, SetLinkCarriesMacAndMaster) {
    nl::LinkChange c;
    c.ifindex = 9;
    c.up = true;
    c.mac = net::Mac{2, 0, 0, 0, 0, 3};
    c.master = 4;
    auto m = nl::set_link(c);
    auto top = top_attrs(m, sizeof(ifinfomsg));
    EXPECT_EQ(top.types(), (std::vector<std::uint16_t>{IFLA_ADDRESS, IFLA_MASTER}));
    expect_bytes(top.get(IFLA_ADDRESS), c.mac->data(), 6);
    expect_u32(top.get(IFLA_MASTER), 4);
}

// VLAN-aware switches and policy routing (TOPOLOGY.md "Switches: VLANs", `rules`, routes' `table`).

TEST(NetlinkBuilders, VlanFilteringBridgeSaysSoAtCreation) {
    auto m = nl::new_bridge("s1", true, "", 5, true);
    auto data = nested(nested(top_attrs(m, sizeof(ifinfomsg)).get(IFLA_LINKINFO)).get(IFLA_INFO_DATA));
    EXPECT_EQ(data.types(), (std::vector<std::uint16_t>{IFLA_BR_STP_STATE, IFLA_BR_FORWARD_DELAY, IFLA_BR_VLAN_FILTERING}));
    const std::uint8_t on = 1;
    expect_bytes(data.get(IFLA_BR_VLAN_FILTERING), &on, 1);
}

TEST(NetlinkBuilders, PortVlansAreBridgeVlanInfoInAfSpec) {
    auto m = nl::port_vlans(7, true, {{10, true, true}, {20, false, false}});
    expect_well_formed(m, RTM_SETLINK, kChange);
    EXPECT_EQ(m.what, "add vlan 10 pvid untagged,20 on port ifindex 7");
    const auto& ifi = family_header<ifinfomsg>(m);
    EXPECT_EQ(ifi.ifi_family, AF_BRIDGE);
    EXPECT_EQ(ifi.ifi_index, 7);
    EXPECT_EQ(ifi.ifi_flags, 0u);
    EXPECT_EQ(ifi.ifi_change, 0u);
    auto top = top_attrs(m, sizeof(ifinfomsg));
    EXPECT_EQ(top.types(), (std::vector<std::uint16_t>{IFLA_AF_SPEC}));
    // Two entries of one type: read them in order rather than through get().
    auto spec = nested(top.list[0]);
    ASSERT_EQ(spec.list.size(), 2u);
    const bridge_vlan_info want[2] = {{BRIDGE_VLAN_INFO_PVID | BRIDGE_VLAN_INFO_UNTAGGED, 10}, {0, 20}};
    for (int i = 0; i < 2; ++i) {
        EXPECT_EQ(mnl_attr_get_type(spec.list[i]), IFLA_BRIDGE_VLAN_INFO);
        expect_bytes(spec.list[i], &want[i], sizeof want[i]);
    }

    auto del = nl::port_vlans(7, false, {{1, false, false}});
    expect_well_formed(del, RTM_DELLINK, kChange);
    EXPECT_EQ(family_header<ifinfomsg>(del).ifi_family, AF_BRIDGE);
    EXPECT_EQ(del.what, "remove vlan 1 on port ifindex 7");
}

TEST(NetlinkBuilders, RouteInALargeTableCarriesItInRtaTableOnly) {
    nl::RouteSpec r;
    r.to = P("10.9.0.0/24");
    r.via = P("10.2.0.2");
    r.table = 70000;
    auto m = nl::new_route(r);
    EXPECT_EQ(m.what, "add route 10.9.0.0/24 table 70000 via 10.2.0.2");
    EXPECT_EQ(family_header<rtmsg>(m).rtm_table, RT_TABLE_UNSPEC);
    expect_u32(top_attrs(m, sizeof(rtmsg)).get(RTA_TABLE), 70000);

    r.table = 100;
    auto small = nl::new_route(r);
    EXPECT_EQ(family_header<rtmsg>(small).rtm_table, 100);
    expect_u32(top_attrs(small, sizeof(rtmsg)).get(RTA_TABLE), 100);
    auto del = nl::delete_route(r);
    expect_u32(top_attrs(del, sizeof(rtmsg)).get(RTA_TABLE), 100);
}

TEST(NetlinkBuilders, RuleWithEveryMatch) {
    nl::RuleSpec r;
    r.from = P("10.1.2.0/24");
    r.to = P("10.9.0.0/16");
    r.iif = "eth3";
    r.oif = "eth1";
    r.fwmark = 0x10;
    r.table = 70000;
    r.priority = 1000;
    auto m = nl::new_rule(r);
    expect_well_formed(m, RTM_NEWRULE, kCreate);
    EXPECT_EQ(m.what, "add rule priority 1000 from 10.1.2.0/24 to 10.9.0.0/16 iif eth3 oif eth1 fwmark 16 table 70000");
    const auto& frh = family_header<fib_rule_hdr>(m);
    EXPECT_EQ(frh.family, AF_INET);
    EXPECT_EQ(frh.src_len, 24);
    EXPECT_EQ(frh.dst_len, 16);
    EXPECT_EQ(frh.table, RT_TABLE_UNSPEC);
    EXPECT_EQ(frh.action, FR_ACT_TO_TBL);
    auto top = top_attrs(m, sizeof(fib_rule_hdr));
    EXPECT_EQ(top.types(), (std::vector<std::uint16_t>{FRA_PRIORITY, FRA_SRC, FRA_DST, FRA_IIFNAME, FRA_OIFNAME, FRA_FWMARK,
                                                       FRA_FWMASK, FRA_TABLE}));
    const std::uint8_t src[4] = {10, 1, 2, 0}, dst[4] = {10, 9, 0, 0};
    expect_bytes(top.get(FRA_SRC), src, 4);
    expect_bytes(top.get(FRA_DST), dst, 4);
    expect_strz(top.get(FRA_IIFNAME), "eth3");
    expect_strz(top.get(FRA_OIFNAME), "eth1");
    expect_u32(top.get(FRA_FWMARK), 0x10);
    expect_u32(top.get(FRA_FWMASK), 0xffffffffu);
    expect_u32(top.get(FRA_TABLE), 70000);
    expect_u32(top.get(FRA_PRIORITY), 1000);
}

TEST(NetlinkBuilders, BareIpv6RuleOnlyNamesItsTable) {
    nl::RuleSpec r;
    r.family = net::Family::V6;
    r.table = 10;
    auto m = nl::new_rule(r);
    EXPECT_EQ(m.what, "add rule -6 table 10");
    const auto& frh = family_header<fib_rule_hdr>(m);
    EXPECT_EQ(frh.family, AF_INET6);
    EXPECT_EQ(frh.table, 10);
    EXPECT_EQ(top_attrs(m, sizeof(fib_rule_hdr)).types(), (std::vector<std::uint16_t>{FRA_TABLE}));
    expect_well_formed(nl::delete_rule(r), RTM_DELRULE, kChange);
}

// ---- bonds and tunnels ------------------------------------------------------------------

TEST(NetlinkBuilders, BondCarriesModeAndMiimon) {
    nl::LinkSpec s = spec("bond", "bond0");
    s.bond_mode = 4;  // BOND_MODE_8023AD
    s.bond_miimon = 50;
    const nl::Message data_msg = nl::new_link(s);
    auto data = kind_data(data_msg, "bond");
    EXPECT_EQ(data.types(), (std::vector<std::uint16_t>{IFLA_BOND_MODE, IFLA_BOND_MIIMON}));
    expect_uint<std::uint8_t>(data.get(IFLA_BOND_MODE), 4);
    expect_u32(data.get(IFLA_BOND_MIIMON), 50);
}

TEST(NetlinkBuilders, GreWithKeyEndsAndTtlAsIproute2SendsThem) {
    nl::LinkSpec s = spec("gre", "gre1");
    s.tunnel_local = P("10.0.12.1");
    s.tunnel_remote = P("10.0.12.2");
    s.tunnel_ttl = 32;
    s.gre_key = 0x01020304;
    const nl::Message data_msg = nl::new_link(s);
    auto data = kind_data(data_msg, "gre");
    EXPECT_EQ(data.types(), (std::vector<std::uint16_t>{IFLA_GRE_IFLAGS, IFLA_GRE_OFLAGS, IFLA_GRE_IKEY, IFLA_GRE_OKEY,
                                                        IFLA_GRE_LOCAL, IFLA_GRE_REMOTE, IFLA_GRE_TTL}));
    const std::uint8_t gre_key_flag[] = {0x20, 0x00};  // GRE_KEY, big-endian
    expect_bytes(data.get(IFLA_GRE_IFLAGS), gre_key_flag, 2);
    expect_bytes(data.get(IFLA_GRE_OFLAGS), gre_key_flag, 2);
    const std::uint8_t key[] = {1, 2, 3, 4};
    expect_bytes(data.get(IFLA_GRE_IKEY), key, 4);
    expect_bytes(data.get(IFLA_GRE_OKEY), key, 4);
    const std::uint8_t local[] = {10, 0, 12, 1}, remote[] = {10, 0, 12, 2};
    expect_bytes(data.get(IFLA_GRE_LOCAL), local, 4);
    expect_bytes(data.get(IFLA_GRE_REMOTE), remote, 4);
    expect_uint<std::uint8_t>(data.get(IFLA_GRE_TTL), 32);
}

TEST(NetlinkBuilders, GretapWithoutKeyOrTtlInheritsTheTtl) {
    nl::LinkSpec s = spec("gretap", "gt1");
    s.tunnel_remote = P("10.0.12.2");
    const nl::Message data_msg = nl::new_link(s);
    auto data = kind_data(data_msg, "gretap");
    EXPECT_EQ(data.types(), (std::vector<std::uint16_t>{IFLA_GRE_REMOTE}));
}

TEST(NetlinkBuilders, Ip6greHasSixteenByteEndsAndHopLimit64) {
    nl::LinkSpec s = spec("ip6gre", "g6");
    s.tunnel_local = P("fd00::1");
    s.tunnel_remote = P("fd00::2");
    const nl::Message data_msg = nl::new_link(s);
    auto data = kind_data(data_msg, "ip6gre");
    EXPECT_EQ(data.types(), (std::vector<std::uint16_t>{IFLA_GRE_LOCAL, IFLA_GRE_REMOTE, IFLA_GRE_TTL}));
    expect_bytes(data.get(IFLA_GRE_LOCAL), P("fd00::1").bytes.data(), 16);
    expect_bytes(data.get(IFLA_GRE_REMOTE), P("fd00::2").bytes.data(), 16);
    expect_uint<std::uint8_t>(data.get(IFLA_GRE_TTL), 64);
}

TEST(NetlinkBuilders, IpipSitAndIp6tnlNameTheirInnerProtocol) {
    nl::LinkSpec s = spec("ipip", "ipip1");
    s.tunnel_local = P("10.0.0.1");
    s.tunnel_remote = P("10.0.0.2");
    s.tunnel_ttl = 0;
    const nl::Message data_msg = nl::new_link(s);
    auto data = kind_data(data_msg, "ipip");
    EXPECT_EQ(data.types(), (std::vector<std::uint16_t>{IFLA_IPTUN_PROTO, IFLA_IPTUN_LOCAL, IFLA_IPTUN_REMOTE, IFLA_IPTUN_TTL}));
    expect_uint<std::uint8_t>(data.get(IFLA_IPTUN_PROTO), IPPROTO_IPIP);
    const std::uint8_t remote[] = {10, 0, 0, 2};
    expect_bytes(data.get(IFLA_IPTUN_REMOTE), remote, 4);
    expect_uint<std::uint8_t>(data.get(IFLA_IPTUN_TTL), 0);

    s.kind = "sit";
    s.tunnel_ttl.reset();
    const nl::Message sit_msg = nl::new_link(s);
    auto sit = kind_data(sit_msg, "sit");
    EXPECT_EQ(sit.types(), (std::vector<std::uint16_t>{IFLA_IPTUN_PROTO, IFLA_IPTUN_LOCAL, IFLA_IPTUN_REMOTE}));
    expect_uint<std::uint8_t>(sit.get(IFLA_IPTUN_PROTO), IPPROTO_IPV6);

    nl::LinkSpec t = spec("ip6tnl", "t6");
    t.tunnel_remote = P("fd00::2");
    const nl::Message six_msg = nl::new_link(t);
    auto six = kind_data(six_msg, "ip6tnl");
    EXPECT_EQ(six.types(), (std::vector<std::uint16_t>{IFLA_IPTUN_PROTO, IFLA_IPTUN_REMOTE, IFLA_IPTUN_TTL}));
    expect_uint<std::uint8_t>(six.get(IFLA_IPTUN_PROTO), 0);  // any: IPv4 and IPv6 inside
    expect_bytes(six.get(IFLA_IPTUN_REMOTE), P("fd00::2").bytes.data(), 16);
    expect_uint<std::uint8_t>(six.get(IFLA_IPTUN_TTL), 64);
}

TEST(NetlinkBuilders, WireguardLinkHasNoKindData) {
    auto m = nl::new_link(spec("wireguard", "wg0"));
    auto linkinfo = nested(top_attrs(m, sizeof(ifinfomsg)).get(IFLA_LINKINFO));
    EXPECT_EQ(linkinfo.types(), (std::vector<std::uint16_t>{IFLA_INFO_KIND}));
    expect_strz(linkinfo.get(IFLA_INFO_KIND), "wireguard");
}
