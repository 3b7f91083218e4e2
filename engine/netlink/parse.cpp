#include "netlink/parse.hpp"

#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <linux/if.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include <array>
#include <cstring>

namespace nslab::nl::detail {

namespace {

// Attributes by type, the last of each type winning, as the kernel's own nla_parse does.
template <std::size_t Max>
struct AttrTable {
    std::array<const nlattr*, Max + 1> at{};

    const nlattr* operator[](unsigned type) const { return type <= Max ? at[type] : nullptr; }

    static int collect(const nlattr* attr, void* data) {
        auto* self = static_cast<AttrTable*>(data);
        // Unknown or newer attribute types are not an error: the kernel adds them over time.
        unsigned type = mnl_attr_get_type(attr);
        if (type <= Max) self->at[type] = attr;
        return MNL_CB_OK;
    }
};

template <std::size_t Max>
bool parse_attrs(const nlmsghdr* nlh, std::size_t header_len, AttrTable<Max>& tb) {
    if (mnl_nlmsg_get_payload_len(nlh) < header_len) return false;
    return mnl_attr_parse(nlh, static_cast<unsigned>(header_len), AttrTable<Max>::collect, &tb) >= 0;
}

template <std::size_t Max>
bool parse_nested(const nlattr* nest, AttrTable<Max>& tb) {
    return mnl_attr_parse_nested(nest, AttrTable<Max>::collect, &tb) >= 0;
}

std::optional<std::uint32_t> get_u32(const nlattr* a) {
    if (!a || mnl_attr_get_payload_len(a) < sizeof(std::uint32_t)) return std::nullopt;
    return mnl_attr_get_u32(a);
}

std::string get_str(const nlattr* a) {
    if (!a) return {};
    const char* p = static_cast<const char*>(mnl_attr_get_payload(a));
    return std::string(p, strnlen(p, mnl_attr_get_payload_len(a)));
}

// An address attribute of the family's exact size, as a Prefix of length `len`.
std::optional<net::Prefix> get_prefix(const nlattr* a, std::uint8_t af, int len) {
    if (af != AF_INET && af != AF_INET6) return std::nullopt;
    net::Prefix p;
    p.family = af == AF_INET6 ? net::Family::V6 : net::Family::V4;
    if (!a || mnl_attr_get_payload_len(a) != p.size()) return std::nullopt;
    std::memcpy(p.bytes.data(), mnl_attr_get_payload(a), p.size());
    p.len = len;
    return p;
}

std::string ext_ack_at(const nlmsghdr* nlh, std::size_t offset) {
    AttrTable<NLMSGERR_ATTR_MAX> tb;
    if (!parse_attrs(nlh, offset, tb)) return {};
    return get_str(tb[NLMSGERR_ATTR_MSG]);
}

}  // namespace

std::optional<Status> parse_error(const nlmsghdr* nlh) {
    if (mnl_nlmsg_get_payload_len(nlh) < sizeof(nlmsgerr)) return std::nullopt;
    const auto* e = static_cast<const nlmsgerr*>(mnl_nlmsg_get_payload(nlh));
    Status s;
    s.seq = nlh->nlmsg_seq;
    s.err = -e->error;
    // Successful acks may carry warnings in TLVs too; only failures are reported.
    if (s.err != 0 && (nlh->nlmsg_flags & NLM_F_ACK_TLVS)) {
        // The TLVs follow the echoed request: its header only when the kernel capped the echo
        // (NETLINK_CAP_ACK), or the whole request otherwise.
        std::size_t offset = sizeof(nlmsgerr);
        if (!(nlh->nlmsg_flags & NLM_F_CAPPED) && e->msg.nlmsg_len > sizeof(nlmsghdr))
            offset += e->msg.nlmsg_len - sizeof(nlmsghdr);
        s.ext_ack = ext_ack_at(nlh, offset);
    }
    return s;
}

Status parse_done(const nlmsghdr* nlh) {
    Status s;
    s.seq = nlh->nlmsg_seq;
    if (mnl_nlmsg_get_payload_len(nlh) < sizeof(int)) return s;
    int status = 0;
    std::memcpy(&status, mnl_nlmsg_get_payload(nlh), sizeof status);
    s.err = status < 0 ? -status : 0;
    if (s.err != 0 && (nlh->nlmsg_flags & NLM_F_ACK_TLVS)) s.ext_ack = ext_ack_at(nlh, sizeof(int));
    return s;
}

std::optional<std::uint16_t> parse_family_id(const nlmsghdr* nlh) {
    AttrTable<CTRL_ATTR_MAX> tb;
    if (!parse_attrs(nlh, GENL_HDRLEN, tb)) return std::nullopt;
    const nlattr* a = tb[CTRL_ATTR_FAMILY_ID];
    if (!a || mnl_attr_get_payload_len(a) < sizeof(std::uint16_t)) return std::nullopt;
    return mnl_attr_get_u16(a);
}

std::optional<LinkInfo> parse_link(const nlmsghdr* nlh) {
    AttrTable<IFLA_MAX> tb;
    if (!parse_attrs(nlh, sizeof(ifinfomsg), tb)) return std::nullopt;
    const auto* ifi = static_cast<const ifinfomsg*>(mnl_nlmsg_get_payload(nlh));

    LinkInfo l;
    l.ifindex = ifi->ifi_index;
    l.flags = ifi->ifi_flags;
    l.name = get_str(tb[IFLA_IFNAME]);
    l.mtu = get_u32(tb[IFLA_MTU]).value_or(0);
    // Only Ethernet-like MACs; lo has a 6-byte all-zero one, tunnels have 4- or 16-byte ones.
    if (const nlattr* a = tb[IFLA_ADDRESS]; a && mnl_attr_get_payload_len(a) == sizeof(net::Mac)) {
        net::Mac mac;
        std::memcpy(mac.data(), mnl_attr_get_payload(a), mac.size());
        l.mac = mac;
    }
    l.master = static_cast<int>(get_u32(tb[IFLA_MASTER]).value_or(0));
    l.link = static_cast<int>(get_u32(tb[IFLA_LINK]).value_or(0));
    if (auto id = get_u32(tb[IFLA_LINK_NETNSID])) l.link_netnsid = static_cast<int>(*id);
    if (const nlattr* a = tb[IFLA_OPERSTATE]; a && mnl_attr_get_payload_len(a) >= 1) l.operstate = mnl_attr_get_u8(a);
    if (const nlattr* a = tb[IFLA_LINKINFO]) {
        AttrTable<IFLA_INFO_MAX> info;
        if (parse_nested(a, info)) l.kind = get_str(info[IFLA_INFO_KIND]);
    }
    return l;
}

std::optional<AddrInfo> parse_addr(const nlmsghdr* nlh) {
    AttrTable<IFA_MAX> tb;
    if (!parse_attrs(nlh, sizeof(ifaddrmsg), tb)) return std::nullopt;
    const auto* ifa = static_cast<const ifaddrmsg*>(mnl_nlmsg_get_payload(nlh));

    // For IPv4 IFA_LOCAL is the interface's own address; IFA_ADDRESS is the peer's on a
    // point-to-point link. IPv6 has only IFA_ADDRESS.
    const nlattr* addr = ifa->ifa_family == AF_INET && tb[IFA_LOCAL] ? tb[IFA_LOCAL] : tb[IFA_ADDRESS];
    auto prefix = get_prefix(addr, ifa->ifa_family, ifa->ifa_prefixlen);
    if (!prefix) return std::nullopt;

    AddrInfo a;
    a.ifindex = static_cast<int>(ifa->ifa_index);
    a.prefix = *prefix;
    // ifa_flags is a byte; IFA_FLAGS has the flags that do not fit in it.
    a.flags = get_u32(tb[IFA_FLAGS]).value_or(ifa->ifa_flags);
    a.scope = ifa->ifa_scope;
    return a;
}

std::optional<RouteInfo> parse_route(const nlmsghdr* nlh) {
    AttrTable<RTA_MAX> tb;
    if (!parse_attrs(nlh, sizeof(rtmsg), tb)) return std::nullopt;
    const auto* rtm = static_cast<const rtmsg*>(mnl_nlmsg_get_payload(nlh));

    std::uint32_t table = get_u32(tb[RTA_TABLE]).value_or(rtm->rtm_table);
    if (table != RT_TABLE_MAIN || (rtm->rtm_flags & RTM_F_CLONED)) return std::nullopt;
    if (rtm->rtm_type == RTN_LOCAL || rtm->rtm_type == RTN_BROADCAST) return std::nullopt;
    if (rtm->rtm_family != AF_INET && rtm->rtm_family != AF_INET6) return std::nullopt;

    RouteInfo r;
    // A default route has no RTA_DST: the all-zero prefix of length 0.
    if (tb[RTA_DST]) {
        auto dst = get_prefix(tb[RTA_DST], rtm->rtm_family, rtm->rtm_dst_len);
        if (!dst) return std::nullopt;
        r.dst = *dst;
    } else {
        r.dst.family = rtm->rtm_family == AF_INET6 ? net::Family::V6 : net::Family::V4;
        r.dst.len = rtm->rtm_dst_len;
    }
    if (tb[RTA_GATEWAY]) {
        r.gateway = get_prefix(tb[RTA_GATEWAY], rtm->rtm_family, rtm->rtm_family == AF_INET6 ? 128 : 32);
    } else if (const nlattr* via = tb[RTA_VIA]; via && mnl_attr_get_payload_len(via) >= sizeof(rtvia::rtvia_family)) {
        // RTA_VIA: a gateway of another family (IPv4 over an IPv6 next hop).
        auto family = static_cast<const rtvia*>(mnl_attr_get_payload(via))->rtvia_family;
        std::size_t len = mnl_attr_get_payload_len(via) - sizeof family;
        net::Prefix gw;
        gw.family = family == AF_INET6 ? net::Family::V6 : net::Family::V4;
        if ((family == AF_INET || family == AF_INET6) && len == gw.size()) {
            std::memcpy(gw.bytes.data(), static_cast<const std::uint8_t*>(mnl_attr_get_payload(via)) + sizeof family, len);
            gw.len = gw.max_len();
            r.gateway = gw;
        }
    }
    r.oif = static_cast<int>(get_u32(tb[RTA_OIF]).value_or(0));
    r.metric = get_u32(tb[RTA_PRIORITY]);
    r.protocol = rtm->rtm_protocol;
    r.type = rtm->rtm_type;
    r.scope = rtm->rtm_scope;
    r.table = table;
    return r;
}

}  // namespace nslab::nl::detail
