// Pure RTM_NEWQDISC/RTM_DELQDISC builders (see qdisc.hpp for the layouts).
#include "netlink/qdisc.hpp"

#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <limits>

#include "netlink/msg_builder.hpp"

namespace nslab::nl {

namespace {

using detail::MsgBuilder;

constexpr std::uint16_t kReplace = NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_REPLACE;
constexpr std::uint32_t kRootHandle = 1u << 16;  // "1:"

void put_tcmsg(MsgBuilder& b, int ifindex) {
    auto& tcm = b.extra<tcmsg>();
    tcm.tcm_family = AF_UNSPEC;
    tcm.tcm_ifindex = ifindex;
    tcm.tcm_handle = kRootHandle;
    tcm.tcm_parent = TC_H_ROOT;
}

// The kernel's psched tick is 64 ns (PSCHED_SHIFT 6). Only old kernels read these fields; newer
// ones take LATENCY64/JITTER64, which we always send.
std::uint32_t ns_to_ticks(std::uint64_t ns) {
    return static_cast<std::uint32_t>(std::min<std::uint64_t>(ns >> 6, std::numeric_limits<std::uint32_t>::max()));
}

std::string ifname(int ifindex) { return "ifindex " + std::to_string(ifindex); }

}  // namespace

std::uint32_t percent_to_u32(double percent) {
    double p = std::clamp(percent, 0.0, 100.0) / 100.0;
    return static_cast<std::uint32_t>(std::rint(p * std::numeric_limits<std::uint32_t>::max()));
}

Message replace_netem(int ifindex, const NetemSpec& s, std::string what) {
    MsgBuilder b(RTM_NEWQDISC, kReplace);
    put_tcmsg(b, ifindex);
    b.strz(TCA_KIND, "netem");

    tc_netem_qopt qopt{};
    qopt.latency = ns_to_ticks(s.delay_ns);
    qopt.jitter = ns_to_ticks(s.jitter_ns);
    qopt.limit = s.limit;
    qopt.loss = percent_to_u32(s.loss);
    qopt.duplicate = percent_to_u32(s.duplicate);
    // netem reorders by sending every gap-th packet early; tc sets gap 1 with reorder, so each
    // packet is sent early with the reorder probability.
    qopt.gap = s.reorder > 0 ? 1 : 0;

    // Not a plain nest: the payload starts with the qopt struct, attributes follow it (the
    // kernel parses them from NLA_ALIGN(sizeof(qopt)) on).
    nlattr* opts = b.nest_start(TCA_OPTIONS);
    auto& q = b.extra<tc_netem_qopt>();
    q = qopt;
    tc_netem_corr corr{};  // no correlation: the topology format has none
    b.bytes(TCA_NETEM_CORR, &corr, sizeof corr);
    if (s.reorder > 0) {
        tc_netem_reorder r{percent_to_u32(s.reorder), 0};
        b.bytes(TCA_NETEM_REORDER, &r, sizeof r);
    }
    if (s.corrupt > 0) {
        tc_netem_corrupt c{percent_to_u32(s.corrupt), 0};
        b.bytes(TCA_NETEM_CORRUPT, &c, sizeof c);
    }
    if (s.rate_bytes > 0) {
        tc_netem_rate r{};
        if (s.rate_bytes >= (1ull << 32)) {
            r.rate = std::numeric_limits<std::uint32_t>::max();
            std::uint64_t r64 = s.rate_bytes;
            b.bytes(TCA_NETEM_RATE64, &r64, sizeof r64);
        } else {
            r.rate = static_cast<std::uint32_t>(s.rate_bytes);
        }
        b.bytes(TCA_NETEM_RATE, &r, sizeof r);
    }
    auto latency = static_cast<std::int64_t>(s.delay_ns), jitter = static_cast<std::int64_t>(s.jitter_ns);
    b.bytes(TCA_NETEM_LATENCY64, &latency, sizeof latency);
    b.bytes(TCA_NETEM_JITTER64, &jitter, sizeof jitter);
    b.nest_end(opts);
    return b.finish(what.empty() ? "add netem qdisc to " + ifname(ifindex) : std::move(what));
}

Message replace_tbf(int ifindex, const TbfSpec& s, std::string what) {
    MsgBuilder b(RTM_NEWQDISC, kReplace);
    put_tcmsg(b, ifindex);
    b.strz(TCA_KIND, "tbf");

    std::uint32_t burst = s.burst ? s.burst : static_cast<std::uint32_t>(std::max<std::uint64_t>(s.rate_bytes / 250, 16384));
    std::uint32_t limit = s.limit ? s.limit : static_cast<std::uint32_t>(std::clamp<std::uint64_t>(s.rate_bytes / 10, 65536, 1u << 30));

    tc_tbf_qopt q{};
    q.rate.rate = s.rate_bytes >= (1ull << 32) ? std::numeric_limits<std::uint32_t>::max() : static_cast<std::uint32_t>(s.rate_bytes);
    q.rate.linklayer = TC_LINKLAYER_ETHERNET;
    q.limit = limit;
    // The bucket size in ticks (time to send `burst` at `rate`); TCA_TBF_BURST below carries
    // the same in bytes and is what current kernels use.
    q.buffer = ns_to_ticks(s.rate_bytes ? static_cast<std::uint64_t>(burst) * 1000000000ull / s.rate_bytes : 0);

    nlattr* opts = b.nest_start(TCA_OPTIONS);
    b.bytes(TCA_TBF_PARMS, &q, sizeof q);
    if (s.rate_bytes >= (1ull << 32)) {
        std::uint64_t r64 = s.rate_bytes;
        b.bytes(TCA_TBF_RATE64, &r64, sizeof r64);
    }
    b.u32(TCA_TBF_BURST, burst);
    b.nest_end(opts);
    return b.finish(what.empty() ? "add tbf qdisc to " + ifname(ifindex) : std::move(what));
}

Message delete_root_qdisc(int ifindex, std::string what) {
    MsgBuilder b(RTM_DELQDISC, NLM_F_REQUEST | NLM_F_ACK);
    auto& tcm = b.extra<tcmsg>();
    tcm.tcm_family = AF_UNSPEC;
    tcm.tcm_ifindex = ifindex;
    tcm.tcm_parent = TC_H_ROOT;
    return b.finish(what.empty() ? "delete root qdisc of " + ifname(ifindex) : std::move(what));
}

bool means_netem_absent(const Failure& f) {
    if (f.err == ENOENT || f.err == EOPNOTSUPP) return true;
    return f.err == EINVAL && (f.ext_ack.find("nknown qdisc") != std::string::npos || f.ext_ack.find("kind is unknown") != std::string::npos);
}

}  // namespace nslab::nl
