// Pure rtnetlink request builders: the bytes here are exactly what the kernel will parse, so the
// unit tests check them attribute by attribute.
// netinet/in.h before the linux/ headers: if_tunnel.h pulls in linux/in6.h, which then
// stands back for glibc's definitions instead of clashing with them.
#include <netinet/in.h>
#include <linux/if.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/if_tunnel.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <sys/socket.h>

#include <cstring>

#include "netlink/msg_builder.hpp"
#include "netlink/netlink.hpp"

namespace nslab::nl {

namespace {

using detail::MsgBuilder;

constexpr std::uint16_t kCreate = NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL;
constexpr std::uint16_t kChange = NLM_F_REQUEST | NLM_F_ACK;

// Admin state is set in the ifinfomsg, not by a later request: the kernel applies it right
// after it registers the link (rtnl_configure_link).
void set_admin_up(ifinfomsg& ifi, bool up) {
    ifi.ifi_flags = up ? IFF_UP : 0;
    ifi.ifi_change = IFF_UP;
}

// A chosen ifindex (> 0) makes the kernel give the link that index, or fail with EBUSY.
ifinfomsg& put_ifinfomsg(MsgBuilder& b, bool up, int ifindex = 0) {
    auto& ifi = b.extra<ifinfomsg>();
    ifi.ifi_family = AF_UNSPEC;
    ifi.ifi_index = ifindex;
    // A new link is down anyway; touch the flags only to bring it up.
    if (up) set_admin_up(ifi, true);
    return ifi;
}

// The attributes both veth ends share. IFLA_NET_NS_FD creates the end directly in its
// namespace, so it never appears, even briefly, in the sender's namespace.
//
// One TX and one RX queue, said outright: veth defaults to one per possible CPU and, unless
// the request names the counts, cuts the real ones back to 1 after registering the device
// (veth_init_queues), which waits for an RCU grace period with rtnl held. That wait was
// three quarters of the time to wire a 3000-node line, during which the CPUs sat idle.
void put_end_attrs(MsgBuilder& b, const VethEnd& end) {
    b.strz(IFLA_IFNAME, end.name);
    if (end.netns_fd >= 0) b.u32(IFLA_NET_NS_FD, static_cast<std::uint32_t>(end.netns_fd));
    if (end.mtu) b.u32(IFLA_MTU, *end.mtu);
    if (end.mac) b.bytes(IFLA_ADDRESS, end.mac->data(), end.mac->size());
    b.u32(IFLA_NUM_TX_QUEUES, 1);
    b.u32(IFLA_NUM_RX_QUEUES, 1);
}

std::string or_default(std::string what, std::string fallback) {
    return what.empty() ? fallback : what;
}

std::string link_ref(int ifindex, const std::string& name) {
    return ifindex > 0 ? "ifindex " + std::to_string(ifindex) : name;
}

}  // namespace

Message new_veth(const VethEnd& self, const VethEnd& peer, int master_ifindex, std::string what) {
    MsgBuilder b(RTM_NEWLINK, kCreate);
    put_ifinfomsg(b, self.up, self.ifindex);
    put_end_attrs(b, self);
    if (master_ifindex > 0) b.u32(IFLA_MASTER, static_cast<std::uint32_t>(master_ifindex));

    nlattr* linkinfo = b.nest_start(IFLA_LINKINFO);
    b.strz(IFLA_INFO_KIND, "veth");
    nlattr* data = b.nest_start(IFLA_INFO_DATA);
    // VETH_INFO_PEER's payload is a whole ifinfomsg followed by the peer's own attributes. The
    // peer stays down: the kernel opens it before the ends are tied, which fails (ENOTCONN).
    nlattr* peer_nest = b.nest_start(VETH_INFO_PEER);
    // The kernel takes the peer's chosen ifindex only when `self` has one too (veth_newlink).
    put_ifinfomsg(b, false, peer.ifindex);
    put_end_attrs(b, peer);
    b.nest_end(peer_nest);
    b.nest_end(data);
    b.nest_end(linkinfo);

    return b.finish(or_default(std::move(what), "create veth " + self.name + "/" + peer.name));
}

Message new_bridge(const std::string& name, bool up, std::string what, int ifindex, bool vlan_filtering) {
    MsgBuilder b(RTM_NEWLINK, kCreate);
    put_ifinfomsg(b, up, ifindex);
    b.strz(IFLA_IFNAME, name);
    nlattr* linkinfo = b.nest_start(IFLA_LINKINFO);
    b.strz(IFLA_INFO_KIND, "bridge");
    nlattr* data = b.nest_start(IFLA_INFO_DATA);
    // STP off and no forward delay: a lab's ports must forward as soon as they are up.
    b.u32(IFLA_BR_STP_STATE, 0);
    b.u32(IFLA_BR_FORWARD_DELAY, 0);
    // Set at creation: turning it on later would drop every port's VLAN 1 traffic in between.
    if (vlan_filtering) {
        const std::uint8_t on = 1;
        b.bytes(IFLA_BR_VLAN_FILTERING, &on, sizeof on);
    }
    b.nest_end(data);
    b.nest_end(linkinfo);
    return b.finish(or_default(std::move(what), "create bridge " + name));
}

namespace {

// The IPv6 kinds' hop limit when none is given: iproute2's DEFAULT_TNL_HOP_LIMIT.
constexpr std::uint8_t kTunnelHopLimit = 64;

void put_tunnel_ends(MsgBuilder& b, const LinkSpec& s, std::uint16_t local, std::uint16_t remote) {
    if (s.tunnel_local) b.bytes(local, s.tunnel_local->bytes.data(), s.tunnel_local->size());
    if (s.tunnel_remote) b.bytes(remote, s.tunnel_remote->bytes.data(), s.tunnel_remote->size());
}

std::optional<std::uint8_t> tunnel_ttl(const LinkSpec& s) {
    if (s.tunnel_ttl) return s.tunnel_ttl;
    if (s.kind == "ip6gre" || s.kind == "ip6tnl") return kTunnelHopLimit;
    return std::nullopt;
}

// As iproute2's link_gre.c/link_gre6.c: the key in both directions, with GRE_KEY in both
// flags (GRE_KEY and the keys are big-endian on the wire).
void put_gre_data(MsgBuilder& b, const LinkSpec& s) {
    if (s.gre_key) {
        const std::uint16_t flags = GRE_KEY;
        const std::uint32_t key = htonl(*s.gre_key);
        b.bytes(IFLA_GRE_IFLAGS, &flags, sizeof flags);
        b.bytes(IFLA_GRE_OFLAGS, &flags, sizeof flags);
        b.bytes(IFLA_GRE_IKEY, &key, sizeof key);
        b.bytes(IFLA_GRE_OKEY, &key, sizeof key);
    }
    put_tunnel_ends(b, s, IFLA_GRE_LOCAL, IFLA_GRE_REMOTE);
    if (auto ttl = tunnel_ttl(s)) b.bytes(IFLA_GRE_TTL, &*ttl, 1);
}

// As iproute2's link_iptnl.c/link_ip6tnl.c. The inner protocol: ipip carries IPv4, sit IPv6
// (6in4), ip6tnl either (0, "any", iproute2's default for it).
void put_iptun_data(MsgBuilder& b, const LinkSpec& s) {
    const std::uint8_t proto = s.kind == "ipip" ? IPPROTO_IPIP : s.kind == "sit" ? IPPROTO_IPV6 : 0;
    b.bytes(IFLA_IPTUN_PROTO, &proto, 1);
    put_tunnel_ends(b, s, IFLA_IPTUN_LOCAL, IFLA_IPTUN_REMOTE);
    if (auto ttl = tunnel_ttl(s)) b.bytes(IFLA_IPTUN_TTL, &*ttl, 1);
}

void put_kind_data(MsgBuilder& b, const LinkSpec& s) {
    if (s.kind == "vrf") {
        b.u32(IFLA_VRF_TABLE, s.vrf_table);
    } else if (s.kind == "vlan") {
        b.bytes(IFLA_VLAN_ID, &s.vlan_id, sizeof s.vlan_id);
        const std::uint16_t proto = htons(s.qinq ? ETH_P_8021AD : ETH_P_8021Q);
        b.bytes(IFLA_VLAN_PROTOCOL, &proto, sizeof proto);
    } else if (s.kind == "macvlan") {
        b.u32(IFLA_MACVLAN_MODE, s.macvlan_mode);
    } else if (s.kind == "vxlan") {
        b.u32(IFLA_VXLAN_ID, s.vni);
        if (s.vxlan_remote) {
            const bool v6 = s.vxlan_remote->family == net::Family::V6;
            b.bytes(v6 ? IFLA_VXLAN_GROUP6 : IFLA_VXLAN_GROUP, s.vxlan_remote->bytes.data(), s.vxlan_remote->size());
        }
        if (s.vxlan_local) {
            const bool v6 = s.vxlan_local->family == net::Family::V6;
            b.bytes(v6 ? IFLA_VXLAN_LOCAL6 : IFLA_VXLAN_LOCAL, s.vxlan_local->bytes.data(), s.vxlan_local->size());
        }
        if (s.vxlan_dev > 0) b.u32(IFLA_VXLAN_LINK, static_cast<std::uint32_t>(s.vxlan_dev));
        const std::uint16_t port = htons(s.vxlan_port);
        b.bytes(IFLA_VXLAN_PORT, &port, sizeof port);
        const std::uint8_t learning = s.vxlan_learning ? 1 : 0;
        b.bytes(IFLA_VXLAN_LEARNING, &learning, sizeof learning);
    } else if (s.kind == "bond") {
        b.bytes(IFLA_BOND_MODE, &s.bond_mode, sizeof s.bond_mode);
        b.u32(IFLA_BOND_MIIMON, s.bond_miimon);
    } else if (s.kind == "gre" || s.kind == "gretap" || s.kind == "ip6gre") {
        put_gre_data(b, s);
    } else if (s.kind == "ipip" || s.kind == "sit" || s.kind == "ip6tnl") {
        put_iptun_data(b, s);
    }
}

}  // namespace

Message new_link(const LinkSpec& s, std::string what) {
    MsgBuilder b(RTM_NEWLINK, kCreate);
    put_ifinfomsg(b, s.up, s.ifindex);
    b.strz(IFLA_IFNAME, s.name);
    if (s.mtu) b.u32(IFLA_MTU, *s.mtu);
    if (s.mac) b.bytes(IFLA_ADDRESS, s.mac->data(), s.mac->size());
    if (s.master > 0) b.u32(IFLA_MASTER, static_cast<std::uint32_t>(s.master));
    if (s.link > 0) b.u32(IFLA_LINK, static_cast<std::uint32_t>(s.link));
    if (s.netns_fd >= 0) b.u32(IFLA_NET_NS_FD, static_cast<std::uint32_t>(s.netns_fd));
    nlattr* linkinfo = b.nest_start(IFLA_LINKINFO);
    b.strz(IFLA_INFO_KIND, s.kind);
    // A dummy has no settings; a wireguard's come over generic netlink (wg_set_device).
    if (s.kind != "dummy" && s.kind != "wireguard") {
        nlattr* data = b.nest_start(IFLA_INFO_DATA);
        put_kind_data(b, s);
        b.nest_end(data);
    }
    b.nest_end(linkinfo);
    return b.finish(or_default(std::move(what), "create " + s.kind + " " + s.name));
}

Message set_link(const LinkChange& change, std::string what) {
    MsgBuilder b(RTM_NEWLINK, kChange);
    auto& ifi = b.extra<ifinfomsg>();
    ifi.ifi_family = AF_UNSPEC;
    std::string desc = "set link " + link_ref(change.ifindex, change.name);
    if (change.ifindex > 0) {
        ifi.ifi_index = change.ifindex;
    } else {
        b.strz(IFLA_IFNAME, change.name);
    }
    if (change.up) {
        set_admin_up(ifi, *change.up);
        desc += *change.up ? " up" : " down";
    }
    if (change.mtu) {
        b.u32(IFLA_MTU, *change.mtu);
        desc += " mtu " + std::to_string(*change.mtu);
    }
    if (change.mac) {
        b.bytes(IFLA_ADDRESS, change.mac->data(), change.mac->size());
        desc += " address " + net::mac_str(*change.mac);
    }
    if (change.master) {
        b.u32(IFLA_MASTER, static_cast<std::uint32_t>(*change.master));
        desc += *change.master > 0 ? " master ifindex " + std::to_string(*change.master) : " nomaster";
    }
    return b.finish(or_default(std::move(what), desc));
}

Message new_address(int ifindex, const net::Prefix& addr, std::string what) {
    MsgBuilder b(RTM_NEWADDR, kCreate);
    bool v6 = addr.family == net::Family::V6;
    // Without DAD an IPv6 address is usable the moment the ack arrives, not a second later.
    std::uint32_t flags = v6 ? IFA_F_NODAD : 0;

    auto& ifa = b.extra<ifaddrmsg>();
    ifa.ifa_family = static_cast<std::uint8_t>(addr.af());
    ifa.ifa_prefixlen = static_cast<std::uint8_t>(addr.len);
    ifa.ifa_flags = static_cast<std::uint8_t>(flags);
    ifa.ifa_scope = RT_SCOPE_UNIVERSE;
    ifa.ifa_index = static_cast<std::uint32_t>(ifindex);

    // IPv4 distinguishes the local address from the peer address; for a broadcast link they
    // are the same. IPv6 only knows IFA_ADDRESS.
    if (!v6) b.bytes(IFA_LOCAL, addr.bytes.data(), addr.size());
    b.bytes(IFA_ADDRESS, addr.bytes.data(), addr.size());
    b.u32(IFA_FLAGS, flags);
    return b.finish(or_default(std::move(what), "add address " + addr.str() + " on ifindex " + std::to_string(ifindex)));
}

Message append_fdb(int ifindex, const net::Prefix& dst, std::string what) {
    MsgBuilder b(RTM_NEWNEIGH, NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_APPEND);
    auto& nd = b.extra<ndmsg>();
    nd.ndm_family = AF_BRIDGE;
    nd.ndm_ifindex = ifindex;
    nd.ndm_state = NUD_NOARP | NUD_PERMANENT;
    nd.ndm_flags = NTF_SELF;  // the VXLAN device's own table, not the bridge's
    const std::uint8_t zeros[6] = {};
    b.bytes(NDA_LLADDR, zeros, sizeof zeros);
    b.bytes(NDA_DST, dst.bytes.data(), dst.size());
    return b.finish(or_default(std::move(what), "append fdb 00:00:00:00:00:00 dst " + dst.addr_str() + " on ifindex " + std::to_string(ifindex)));
}

namespace {

// One route request: the attributes that name a route (table, destination, metric) are what
// the kernel matches a delete on; the rest say where it goes.
Message route_message(std::uint16_t type, std::uint16_t flags, const char* verb, const RouteSpec& route, std::string what) {
    MsgBuilder b(type, flags);
    auto& rtm = b.extra<rtmsg>();
    rtm.rtm_family = static_cast<std::uint8_t>(route.to.af());
    rtm.rtm_dst_len = static_cast<std::uint8_t>(route.to.len);
    const std::uint32_t table = route.table ? route.table : std::uint32_t{RT_TABLE_MAIN};
    // rtm_table has 8 bits; a larger table travels in RTA_TABLE only (rtm_table RT_TABLE_UNSPEC).
    rtm.rtm_table = static_cast<std::uint8_t>(table < 256 ? table : std::uint32_t{RT_TABLE_UNSPEC});
    rtm.rtm_protocol = RTPROT_STATIC;
    rtm.rtm_scope = route.via ? RT_SCOPE_UNIVERSE : RT_SCOPE_LINK;
    rtm.rtm_type = RTN_UNICAST;
    if (route.onlink) rtm.rtm_flags |= RTNH_F_ONLINK;

    std::string desc = std::string(verb) + " route " + route.to.str();
    if (table != RT_TABLE_MAIN) desc += " table " + std::to_string(table);
    b.u32(RTA_TABLE, table);
    if (route.to.len > 0) b.bytes(RTA_DST, route.to.bytes.data(), route.to.size());
    if (route.via) {
        desc += " via " + route.via->addr_str();
        if (route.via->family == route.to.family) {
            b.bytes(RTA_GATEWAY, route.via->bytes.data(), route.via->size());
        } else {
            // An IPv4 route through an IPv6 next hop (RFC 5549) needs RTA_VIA, which carries
            // the gateway's family.
            std::vector<std::uint8_t> via(sizeof(rtvia::rtvia_family) + route.via->size());
            auto family = static_cast<decltype(rtvia::rtvia_family)>(route.via->af());
            std::memcpy(via.data(), &family, sizeof family);
            std::memcpy(via.data() + sizeof family, route.via->bytes.data(), route.via->size());
            b.bytes(RTA_VIA, via.data(), via.size());
        }
    }
    if (route.oif > 0) {
        b.u32(RTA_OIF, static_cast<std::uint32_t>(route.oif));
        desc += " dev ifindex " + std::to_string(route.oif);
    }
    if (route.metric) {
        b.u32(RTA_PRIORITY, *route.metric);
        desc += " metric " + std::to_string(*route.metric);
    }
    if (route.onlink) desc += " onlink";
    return b.finish(or_default(std::move(what), desc));
}

}  // namespace

Message new_route(const RouteSpec& route, std::string what) {
    return route_message(RTM_NEWROUTE, kCreate, "add", route, std::move(what));
}

Message replace_route(const RouteSpec& route, std::string what) {
    return route_message(RTM_NEWROUTE, NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_REPLACE, "replace", route, std::move(what));
}

Message delete_route(const RouteSpec& route, std::string what) {
    return route_message(RTM_DELROUTE, kChange, "delete", route, std::move(what));
}

Message delete_link(int ifindex, const std::string& name, std::string what) {
    MsgBuilder b(RTM_DELLINK, kChange);
    auto& ifi = b.extra<ifinfomsg>();
    ifi.ifi_family = AF_UNSPEC;
    if (ifindex > 0) ifi.ifi_index = ifindex;
    else b.strz(IFLA_IFNAME, name);
    return b.finish(or_default(std::move(what), "delete link " + link_ref(ifindex, name)));
}

Message delete_address(int ifindex, const net::Prefix& addr, std::string what) {
    MsgBuilder b(RTM_DELADDR, kChange);
    auto& ifa = b.extra<ifaddrmsg>();
    ifa.ifa_family = static_cast<std::uint8_t>(addr.af());
    ifa.ifa_prefixlen = static_cast<std::uint8_t>(addr.len);
    ifa.ifa_index = static_cast<std::uint32_t>(ifindex);
    if (addr.family == net::Family::V4) b.bytes(IFA_LOCAL, addr.bytes.data(), addr.size());
    b.bytes(IFA_ADDRESS, addr.bytes.data(), addr.size());
    return b.finish(or_default(std::move(what), "delete address " + addr.str() + " on ifindex " + std::to_string(ifindex)));
}

}  // namespace nslab::nl
