// Pure builders of the two requests that are not about one link's own attributes: the VLANs of
// a bridge port (AF_BRIDGE link messages, as `bridge vlan` sends them) and FIB rules.
#include <linux/fib_rules.h>
#include <linux/if_bridge.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include "netlink/msg_builder.hpp"
#include "netlink/netlink.hpp"

namespace nslab::nl {

namespace {

using detail::MsgBuilder;

constexpr std::uint16_t kCreate = NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL;
constexpr std::uint16_t kChange = NLM_F_REQUEST | NLM_F_ACK;

std::string vlan_list(const std::vector<PortVlan>& vlans) {
    std::string s;
    for (const auto& v : vlans)
        s += (s.empty() ? "" : ",") + std::to_string(v.vid) + (v.pvid ? " pvid" : "") + (v.untagged ? " untagged" : "");
    return s;
}

Message rule_message(std::uint16_t type, std::uint16_t flags, const char* verb, const RuleSpec& r, std::string what) {
    MsgBuilder b(type, flags);
    auto& frh = b.extra<fib_rule_hdr>();
    const bool v6 = r.family == net::Family::V6;
    frh.family = v6 ? AF_INET6 : AF_INET;
    frh.action = FR_ACT_TO_TBL;
    // The header's table has 8 bits; FRA_TABLE carries any table.
    frh.table = static_cast<std::uint8_t>(r.table < 256 ? r.table : std::uint32_t{RT_TABLE_UNSPEC});
    std::string desc = std::string(verb) + " rule" + (v6 ? " -6" : "");
    if (r.priority) {
        b.u32(FRA_PRIORITY, *r.priority);
        desc += " priority " + std::to_string(*r.priority);
    }
    if (r.from) {
        frh.src_len = static_cast<std::uint8_t>(r.from->len);
        b.bytes(FRA_SRC, r.from->bytes.data(), r.from->size());
        desc += " from " + r.from->str();
    }
    if (r.to) {
        frh.dst_len = static_cast<std::uint8_t>(r.to->len);
        b.bytes(FRA_DST, r.to->bytes.data(), r.to->size());
        desc += " to " + r.to->str();
    }
    if (!r.iif.empty()) {
        b.strz(FRA_IIFNAME, r.iif);
        desc += " iif " + r.iif;
    }
    if (!r.oif.empty()) {
        b.strz(FRA_OIFNAME, r.oif);
        desc += " oif " + r.oif;
    }
    if (r.fwmark) {
        // The whole mark must match, as `ip rule add fwmark N` without a mask.
        b.u32(FRA_FWMARK, *r.fwmark);
        b.u32(FRA_FWMASK, 0xffffffffu);
        desc += " fwmark " + std::to_string(*r.fwmark);
    }
    b.u32(FRA_TABLE, r.table);
    desc += " table " + std::to_string(r.table);
    return b.finish(what.empty() ? desc : std::move(what));
}

}  // namespace

Message port_vlans(int ifindex, bool add, const std::vector<PortVlan>& vlans, std::string what) {
    // AF_BRIDGE reaches the bridge's own handlers (rtnl_bridge_setlink / _dellink): RTM_DELLINK
    // there removes VLANs from the port, never the port itself.
    MsgBuilder b(add ? RTM_SETLINK : RTM_DELLINK, kChange);
    auto& ifi = b.extra<ifinfomsg>();
    ifi.ifi_family = AF_BRIDGE;
    ifi.ifi_index = ifindex;
    nlattr* spec = b.nest_start(IFLA_AF_SPEC);
    for (const auto& v : vlans) {
        bridge_vlan_info info{};
        info.vid = v.vid;
        info.flags = static_cast<std::uint16_t>((v.pvid ? BRIDGE_VLAN_INFO_PVID : 0) | (v.untagged ? BRIDGE_VLAN_INFO_UNTAGGED : 0));
        b.bytes(IFLA_BRIDGE_VLAN_INFO, &info, sizeof info);
    }
    b.nest_end(spec);
    if (what.empty())
        what = std::string(add ? "add" : "remove") + " vlan " + vlan_list(vlans) + " on port ifindex " + std::to_string(ifindex);
    return b.finish(std::move(what));
}

Message new_rule(const RuleSpec& rule, std::string what) { return rule_message(RTM_NEWRULE, kCreate, "add", rule, std::move(what)); }

Message delete_rule(const RuleSpec& rule, std::string what) {
    return rule_message(RTM_DELRULE, kChange, "delete", rule, std::move(what));
}

}  // namespace nslab::nl
