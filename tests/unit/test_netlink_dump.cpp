// Dump requests and the parsing of scripted multipart answers into LinkInfo/AddrInfo/RouteInfo.
#include <gtest/gtest.h>
#include <linux/if.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>

#include "fake_transport.hpp"
#include "netlink/netlink.hpp"

namespace nl = nslab::nl;
namespace net = nslab::net;
using nl::testing::Datagram;
using nl::testing::done;
using nl::testing::fake_socket;
using nl::testing::multipart;
using nl::testing::Reply;

namespace {

constexpr std::uint16_t kMulti = NLM_F_MULTI;

Datagram link(std::uint32_t seq, int index, const std::string& name, unsigned flags, std::uint32_t mtu,
              const std::vector<std::uint8_t>& addr, const std::string& kind, std::uint16_t extra_flags = 0) {
    Reply r(RTM_NEWLINK, kMulti | extra_flags, seq);
    auto& ifi = r.header<ifinfomsg>();
    ifi.ifi_index = index;
    ifi.ifi_flags = flags;
    r.str(IFLA_IFNAME, name).u32(IFLA_MTU, mtu);
    if (!addr.empty()) r.raw(IFLA_ADDRESS, addr.data(), addr.size());
    if (!kind.empty()) {
        auto* li = r.nest_start(IFLA_LINKINFO);
        r.str(IFLA_INFO_KIND, kind);
        r.nest_end(li);
    }
    return r.bytes();
}

Datagram addr(std::uint32_t seq, int index, const char* local, const char* address, int len, std::uint8_t byte_flags,
              std::optional<std::uint32_t> flags) {
    Reply r(RTM_NEWADDR, kMulti, seq);
    auto a = *net::Prefix::parse_addr(address);
    auto& ifa = r.header<ifaddrmsg>();
    ifa.ifa_family = static_cast<std::uint8_t>(a.af());
    ifa.ifa_prefixlen = static_cast<std::uint8_t>(len);
    ifa.ifa_flags = byte_flags;
    ifa.ifa_scope = RT_SCOPE_UNIVERSE;
    ifa.ifa_index = static_cast<std::uint32_t>(index);
    r.raw(IFA_ADDRESS, a.bytes.data(), a.size());
    if (local) {
        auto l = *net::Prefix::parse_addr(local);
        r.raw(IFA_LOCAL, l.bytes.data(), l.size());
    }
    if (flags) r.u32(IFA_FLAGS, *flags);
    return r.bytes();
}

struct RouteMsg {
    const char* dst = nullptr;
    int dst_len = 0;
    const char* gw = nullptr;
    int oif = 0;
    std::optional<std::uint32_t> prio;
    std::uint8_t table = RT_TABLE_MAIN;
    std::optional<std::uint32_t> rta_table = RT_TABLE_MAIN;
    std::uint8_t type = RTN_UNICAST;
    std::uint8_t protocol = RTPROT_STATIC;
    std::uint8_t scope = RT_SCOPE_UNIVERSE;
    unsigned flags = 0;
    std::uint8_t family = AF_INET;
};

Datagram route(std::uint32_t seq, const RouteMsg& m) {
    Reply r(RTM_NEWROUTE, kMulti, seq);
    auto& rtm = r.header<rtmsg>();
    rtm.rtm_family = m.family;
    rtm.rtm_dst_len = static_cast<std::uint8_t>(m.dst_len);
    rtm.rtm_table = m.table;
    rtm.rtm_type = m.type;
    rtm.rtm_protocol = m.protocol;
    rtm.rtm_scope = m.scope;
    rtm.rtm_flags = m.flags;
    if (m.rta_table) r.u32(RTA_TABLE, *m.rta_table);
    if (m.dst) {
        auto d = *net::Prefix::parse_addr(m.dst);
        r.raw(RTA_DST, d.bytes.data(), d.size());
    }
    if (m.gw) {
        auto g = *net::Prefix::parse_addr(m.gw);
        r.raw(RTA_GATEWAY, g.bytes.data(), g.size());
    }
    if (m.oif) r.u32(RTA_OIF, static_cast<std::uint32_t>(m.oif));
    if (m.prio) r.u32(RTA_PRIORITY, *m.prio);
    return r.bytes();
}

net::Prefix P(const char* text) { return *net::Prefix::parse(text, true); }

}  // namespace

TEST(NetlinkDump, LinksRequestAndMultipartAnswer) {
    auto [sock, k] = fake_socket();
    const nlmsghdr* request = nullptr;
    k->respond = [&](const nlmsghdr* nlh, std::size_t) -> std::vector<Datagram> {
        request = nlh;
        auto seq = nlh->nlmsg_seq;
        Datagram veth = link(seq, 5, "eth1", IFF_UP | IFF_LOWER_UP | IFF_BROADCAST, 1400, {2, 0, 0, 0, 0, 1}, "veth");
        {
            // The veth's peer, its master and its operstate.
            Reply r(RTM_NEWLINK, kMulti, seq);
            auto& ifi = r.header<ifinfomsg>();
            ifi.ifi_index = 6;
            ifi.ifi_flags = IFF_UP;
            r.str(IFLA_IFNAME, "eth2").u32(IFLA_MTU, 1500).u32(IFLA_LINK, 9).u32(IFLA_LINK_NETNSID, 0);
            r.u32(IFLA_MASTER, 7).u8(IFLA_OPERSTATE, IF_OPER_UP);
            auto* li = r.nest_start(IFLA_LINKINFO);
            r.str(IFLA_INFO_KIND, "veth");
            auto* data = r.nest_start(IFLA_INFO_DATA);
            r.nest_end(data);
            r.nest_end(li);
            veth = multipart({veth, r.bytes()});
        }
        return {multipart({link(seq, 1, "lo", IFF_UP | IFF_LOOPBACK, 65536, {0, 0, 0, 0, 0, 0}, "")}), veth,
                link(seq, 8, "tun0", 0, 1480, {10, 0, 0, 1}, "ipip"), done(seq)};
    };
    auto links = sock.dump_links();

    ASSERT_NE(request, nullptr);
    EXPECT_EQ(request->nlmsg_type, RTM_GETLINK);
    EXPECT_EQ(request->nlmsg_flags, NLM_F_REQUEST | NLM_F_DUMP);
    auto* ifi = static_cast<const ifinfomsg*>(mnl_nlmsg_get_payload(request));
    EXPECT_EQ(ifi->ifi_family, AF_UNSPEC);

    ASSERT_EQ(links.size(), 4u);
    EXPECT_EQ(links[0].name, "lo");
    EXPECT_EQ(links[0].kind, "");
    EXPECT_EQ(links[0].mtu, 65536u);
    EXPECT_TRUE(links[0].up());

    EXPECT_EQ(links[1].ifindex, 5);
    EXPECT_EQ(links[1].name, "eth1");
    EXPECT_EQ(links[1].kind, "veth");
    ASSERT_TRUE(links[1].mac);
    EXPECT_EQ(net::mac_str(*links[1].mac), "02:00:00:00:00:01");
    EXPECT_TRUE(links[1].up());
    EXPECT_TRUE(links[1].carrier());
    EXPECT_EQ(links[1].master, 0);
    EXPECT_FALSE(links[1].link_netnsid);

    EXPECT_EQ(links[2].name, "eth2");
    EXPECT_EQ(links[2].link, 9);
    EXPECT_EQ(links[2].link_netnsid, 0);
    EXPECT_EQ(links[2].master, 7);
    EXPECT_EQ(links[2].operstate, IF_OPER_UP);
    EXPECT_FALSE(links[2].carrier());
    EXPECT_FALSE(links[2].mac);

    // A 4-byte link-layer address is not a MAC.
    EXPECT_EQ(links[3].kind, "ipip");
    EXPECT_FALSE(links[3].mac);
    EXPECT_FALSE(links[3].up());
}

TEST(NetlinkDump, AddressesBothFamilies) {
    auto [sock, k] = fake_socket();
    const nlmsghdr* request = nullptr;
    k->respond = [&](const nlmsghdr* nlh, std::size_t) -> std::vector<Datagram> {
        request = nlh;
        auto seq = nlh->nlmsg_seq;
        return {multipart({addr(seq, 2, "10.0.0.1", "10.0.0.1", 24, 0, 0x80),
                           // Point-to-point: the peer in IFA_ADDRESS, ours in IFA_LOCAL.
                           addr(seq, 3, "10.9.9.1", "10.9.9.2", 32, 0, std::nullopt),
                           addr(seq, 2, nullptr, "fd00::1", 64, IFA_F_NODAD, IFA_F_NODAD | IFA_F_PERMANENT)}),
                done(seq)};
    };
    auto addrs = sock.dump_addrs();
    ASSERT_NE(request, nullptr);
    EXPECT_EQ(request->nlmsg_type, RTM_GETADDR);
    EXPECT_EQ(request->nlmsg_flags, NLM_F_REQUEST | NLM_F_DUMP);
    EXPECT_EQ(static_cast<const ifaddrmsg*>(mnl_nlmsg_get_payload(request))->ifa_family, AF_UNSPEC);

    ASSERT_EQ(addrs.size(), 3u);
    EXPECT_EQ(addrs[0].ifindex, 2);
    EXPECT_EQ(addrs[0].prefix, P("10.0.0.1/24"));
    EXPECT_EQ(addrs[0].flags, 0x80u);
    EXPECT_EQ(addrs[1].prefix, P("10.9.9.1/32"));
    EXPECT_EQ(addrs[1].flags, 0u);  // from ifa_flags when IFA_FLAGS is absent
    EXPECT_EQ(addrs[2].prefix, P("fd00::1/64"));
    EXPECT_EQ(addrs[2].flags, unsigned(IFA_F_NODAD | IFA_F_PERMANENT));
    EXPECT_EQ(addrs[2].scope, RT_SCOPE_UNIVERSE);
}

TEST(NetlinkDump, RoutesOfTheMainTableOnly) {
    auto [sock, k] = fake_socket();
    const nlmsghdr* request = nullptr;
    k->respond = [&](const nlmsghdr* nlh, std::size_t) -> std::vector<Datagram> {
        request = nlh;
        auto seq = nlh->nlmsg_seq;
        RouteMsg dflt{.gw = "10.0.0.254", .oif = 2, .prio = 100};
        RouteMsg connected{.dst = "10.0.0.0", .dst_len = 24, .oif = 2, .protocol = RTPROT_KERNEL, .scope = RT_SCOPE_LINK};
        RouteMsg local{.dst = "10.0.0.1", .dst_len = 32, .oif = 2, .table = RT_TABLE_LOCAL,
                       .rta_table = RT_TABLE_LOCAL, .type = RTN_LOCAL};
        RouteMsg bcast{.dst = "10.0.0.255", .dst_len = 32, .oif = 2, .type = RTN_BROADCAST};
        RouteMsg cloned{.dst = "10.5.0.1", .dst_len = 32, .oif = 2, .flags = RTM_F_CLONED};
        RouteMsg other_table{.dst = "10.6.0.0", .dst_len = 16, .oif = 2, .table = RT_TABLE_COMPAT, .rta_table = 1000};
        // Old-style: the table only in rtm_table.
        RouteMsg no_rta_table{.dst = "10.7.0.0", .dst_len = 16, .gw = "10.0.0.9", .rta_table = std::nullopt};
        return {multipart({route(seq, dflt), route(seq, connected), route(seq, local)}),
                multipart({route(seq, bcast), route(seq, cloned), route(seq, other_table), route(seq, no_rta_table)}),
                done(seq)};
    };
    auto routes = sock.dump_routes(net::Family::V4);
    ASSERT_NE(request, nullptr);
    EXPECT_EQ(request->nlmsg_type, RTM_GETROUTE);
    EXPECT_EQ(request->nlmsg_flags, NLM_F_REQUEST | NLM_F_DUMP);
    EXPECT_EQ(static_cast<const rtmsg*>(mnl_nlmsg_get_payload(request))->rtm_family, AF_INET);

    ASSERT_EQ(routes.size(), 3u);
    EXPECT_EQ(routes[0].dst, P("0.0.0.0/0"));
    ASSERT_TRUE(routes[0].gateway);
    EXPECT_EQ(*routes[0].gateway, P("10.0.0.254"));
    EXPECT_EQ(routes[0].oif, 2);
    EXPECT_EQ(routes[0].metric, 100u);
    EXPECT_EQ(routes[0].table, unsigned(RT_TABLE_MAIN));
    EXPECT_EQ(routes[0].protocol, RTPROT_STATIC);
    EXPECT_EQ(routes[0].type, RTN_UNICAST);

    EXPECT_EQ(routes[1].dst, P("10.0.0.0/24"));
    EXPECT_FALSE(routes[1].gateway);
    EXPECT_FALSE(routes[1].metric);
    EXPECT_EQ(routes[1].scope, RT_SCOPE_LINK);
    EXPECT_EQ(routes[1].protocol, RTPROT_KERNEL);

    EXPECT_EQ(routes[2].dst, P("10.7.0.0/16"));
    EXPECT_EQ(*routes[2].gateway, P("10.0.0.9"));
}

TEST(NetlinkDump, V6DefaultRoute) {
    auto [sock, k] = fake_socket();
    k->respond = [&](const nlmsghdr* nlh, std::size_t) -> std::vector<Datagram> {
        EXPECT_EQ(static_cast<const rtmsg*>(mnl_nlmsg_get_payload(nlh))->rtm_family, AF_INET6);
        RouteMsg dflt{.gw = "fd00::fe", .oif = 3, .prio = 1024, .family = AF_INET6};
        return {route(nlh->nlmsg_seq, dflt), done(nlh->nlmsg_seq)};
    };
    auto routes = sock.dump_routes(net::Family::V6);
    ASSERT_EQ(routes.size(), 1u);
    EXPECT_EQ(routes[0].dst, P("::/0"));
    EXPECT_EQ(*routes[0].gateway, P("fd00::fe"));
}

TEST(NetlinkDump, ErrorInsteadOfAnswerThrows) {
    auto [sock, k] = fake_socket();
    k->respond = [&](const nlmsghdr* nlh, std::size_t) -> std::vector<Datagram> {
        return {nl::testing::error_for(nlh, EOPNOTSUPP, "not today")};
    };
    try {
        sock.dump_links();
        FAIL() << "no exception";
    } catch (const nl::NetlinkError& e) {
        EXPECT_EQ(e.err(), EOPNOTSUPP);
        EXPECT_EQ(e.detail(), "not today");
        EXPECT_EQ(e.op(), "dump links");
    }
}

TEST(NetlinkDump, DoneWithNegativeStatusThrows) {
    auto [sock, k] = fake_socket();
    k->respond = [&](const nlmsghdr* nlh, std::size_t) -> std::vector<Datagram> {
        return {addr(nlh->nlmsg_seq, 2, "10.0.0.1", "10.0.0.1", 24, 0, 0), done(nlh->nlmsg_seq, -EMSGSIZE, "too big")};
    };
    try {
        sock.dump_addrs();
        FAIL() << "no exception";
    } catch (const nl::NetlinkError& e) {
        EXPECT_EQ(e.err(), EMSGSIZE);
        EXPECT_EQ(e.detail(), "too big");
    }
}

TEST(NetlinkDump, InterruptedDumpIsRetried) {
    auto [sock, k] = fake_socket();
    k->respond = [&](const nlmsghdr* nlh, std::size_t index) -> std::vector<Datagram> {
        auto seq = nlh->nlmsg_seq;
        if (index == 0)
            return {multipart({link(seq, 1, "lo", IFF_UP, 65536, {}, ""),
                               link(seq, 2, "old", 0, 1500, {}, "veth", NLM_F_DUMP_INTR)}),
                    done(seq)};
        return {link(seq, 1, "lo", IFF_UP, 65536, {}, ""), link(seq, 3, "new", 0, 1500, {}, "veth"), done(seq)};
    };
    auto links = sock.dump_links();
    EXPECT_EQ(k->sent.size(), 2u);
    ASSERT_EQ(links.size(), 2u);
    EXPECT_EQ(links[1].name, "new");
    auto sent = k->sent_messages();
    EXPECT_NE(sent[0]->nlmsg_seq, sent[1]->nlmsg_seq);
}

TEST(NetlinkDump, LeftoversFromOtherSequenceNumbersAreIgnored) {
    auto [sock, k] = fake_socket();
    k->respond = [&](const nlmsghdr* nlh, std::size_t) -> std::vector<Datagram> {
        auto seq = nlh->nlmsg_seq;
        nlmsghdr old = *nlh;
        old.nlmsg_seq = seq - 1;
        return {nl::testing::error_for(&old, EEXIST), link(seq - 1, 9, "stale", 0, 1500, {}, ""), done(seq - 1),
                link(seq, 1, "lo", IFF_UP, 65536, {}, ""), done(seq)};
    };
    auto links = sock.dump_links();
    ASSERT_EQ(links.size(), 1u);
    EXPECT_EQ(links[0].name, "lo");
    EXPECT_TRUE(k->rx.empty());
}

TEST(NetlinkDump, DumpAfterExecuteUsesFreshSeq) {
    auto [sock, k] = fake_socket();
    EXPECT_TRUE(sock.execute({nl::new_bridge("br0", true)}).empty());
    k->respond = [&](const nlmsghdr* nlh, std::size_t) -> std::vector<Datagram> {
        return {link(nlh->nlmsg_seq, 4, "br0", IFF_UP, 1500, {2, 0, 0, 0, 0, 9}, "bridge"), done(nlh->nlmsg_seq)};
    };
    auto links = sock.dump_links();
    ASSERT_EQ(links.size(), 1u);
    EXPECT_EQ(links[0].kind, "bridge");
    auto sent = k->sent_messages();
    EXPECT_EQ(sent[1]->nlmsg_seq, sent[0]->nlmsg_seq + 1);
}
