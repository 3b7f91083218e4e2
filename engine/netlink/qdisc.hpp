// Root qdiscs over rtnetlink, without the `tc` binary: sch_netem (delay, jitter, loss, duplicate,
// corrupt, reorder, rate, limit) and tbf (rate alone). Builders are pure, like those in
// netlink.hpp, so unit tests check them byte for byte against <linux/pkt_sched.h>.
#pragma once

#include <cstdint>
#include <string>

#include "netlink/netlink.hpp"

namespace nslab::nl {

// netem's parameters in the units the kernel takes them. Percentages are 0..100.
struct NetemSpec {
    std::uint64_t delay_ns = 0, jitter_ns = 0;
    double loss = 0, duplicate = 0, corrupt = 0, reorder = 0;
    std::uint64_t rate_bytes = 0;      // bytes per second; 0 = no rate limit
    std::uint32_t limit = 1000;        // packets (tc's default)
};

// tc's probability scale: 100 % is UINT32_MAX (rint, as iproute2 does).
std::uint32_t percent_to_u32(double percent);

// RTM_NEWQDISC (NLM_F_CREATE|NLM_F_REPLACE) of netem as the root qdisc of `ifindex`, handle 1:.
// TCA_OPTIONS is struct tc_netem_qopt followed by netlink attributes, the layout iproute2's
// q_netem.c sends: TCA_NETEM_CORR, TCA_NETEM_REORDER, TCA_NETEM_CORRUPT, TCA_NETEM_RATE(+RATE64
// when the rate does not fit 32 bits), TCA_NETEM_LATENCY64 and TCA_NETEM_JITTER64 in ns (which
// win over the qopt's 32-bit tick fields).
Message replace_netem(int ifindex, const NetemSpec& spec, std::string what = {});

struct TbfSpec {
    std::uint64_t rate_bytes = 0;      // bytes per second, > 0
    std::uint32_t burst = 0;           // bytes; 0 = rate/250 (tc's rule of thumb), at least 16 KiB
    std::uint32_t limit = 0;           // queue bytes; 0 = 100 ms worth of rate, at least 64 KiB
};
// RTM_NEWQDISC (NLM_F_CREATE|NLM_F_REPLACE) of tbf as the root qdisc, handle 1:. The ratespec
// says linklayer ethernet, so the kernel needs no rate table (TCA_TBF_RTAB).
Message replace_tbf(int ifindex, const TbfSpec& spec, std::string what = {});

// RTM_DELQDISC of the root qdisc (the kernel answers ENOENT when there is none to delete).
Message delete_root_qdisc(int ifindex, std::string what = {});

// True when the kernel's answer to replace_netem() means "no sch_netem here" rather than a bad
// request: ENOENT ("Specified qdisc kind is unknown"), EOPNOTSUPP, or EINVAL naming the kind.
bool means_netem_absent(const Failure& f);

}  // namespace nslab::nl
