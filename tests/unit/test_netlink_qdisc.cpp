// Byte-level checks of the qdisc builders against <linux/pkt_sched.h>: the netem options are a
// struct tc_netem_qopt followed by attributes (not a plain nest), which is easy to get wrong.
#include <gtest/gtest.h>
#include <libmnl/libmnl.h>
#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>

#include <cerrno>
#include <cstring>
#include <map>
#include <vector>

#include "netlink/qdisc.hpp"

namespace nl = nslab::nl;

namespace {

using AttrMap = std::map<std::uint16_t, const nlattr*>;

int collect(const nlattr* a, void* data) {
    auto& m = *static_cast<AttrMap*>(data);
    EXPECT_EQ(m.count(mnl_attr_get_type(a)), 0u) << "attribute " << mnl_attr_get_type(a) << " twice";
    m[mnl_attr_get_type(a)] = a;
    return MNL_CB_OK;
}

const nlmsghdr* header(const nl::Message& m) { return reinterpret_cast<const nlmsghdr*>(m.bytes.data()); }

AttrMap top(const nl::Message& m) {
    AttrMap out;
    EXPECT_GE(mnl_attr_parse(header(m), sizeof(tcmsg), collect, &out), 0);
    return out;
}

// The attributes after a struct of `skip` bytes inside TCA_OPTIONS, as the kernel's
// parse_attr() in sch_netem.c reads them.
AttrMap after_struct(const nlattr* opts, std::size_t skip) {
    AttrMap out;
    auto* start = static_cast<const char*>(mnl_attr_get_payload(opts)) + NLA_ALIGN(skip);
    std::size_t len = mnl_attr_get_payload_len(opts) - NLA_ALIGN(skip);
    EXPECT_GE(mnl_attr_parse_payload(start, len, collect, &out), 0);
    return out;
}

template <class T>
T payload(const nlattr* a) {
    EXPECT_EQ(mnl_attr_get_payload_len(a), sizeof(T));
    T v;
    std::memcpy(&v, mnl_attr_get_payload(a), sizeof v);
    return v;
}

void expect_root_tcmsg(const nl::Message& m, int ifindex) {
    auto* tcm = static_cast<const tcmsg*>(mnl_nlmsg_get_payload(header(m)));
    EXPECT_EQ(tcm->tcm_family, AF_UNSPEC);
    EXPECT_EQ(tcm->tcm_ifindex, ifindex);
    EXPECT_EQ(tcm->tcm_parent, TC_H_ROOT);
}

}  // namespace

TEST(NetlinkQdisc, PercentScaleIsTcs) {
    EXPECT_EQ(nl::percent_to_u32(0), 0u);
    EXPECT_EQ(nl::percent_to_u32(100), UINT32_MAX);
    EXPECT_EQ(nl::percent_to_u32(1), 42949673u);   // tc qdisc ... loss 1% sends this
    EXPECT_EQ(nl::percent_to_u32(150), UINT32_MAX);
}

TEST(NetlinkQdisc, NetemFullLayout) {
    nl::NetemSpec s;
    s.delay_ns = 20'000'000;
    s.jitter_ns = 2'000'000;
    s.loss = 1;
    s.duplicate = 0.5;
    s.corrupt = 0.1;
    s.reorder = 25;
    s.rate_bytes = 1'250'000;  // 10mbit
    s.limit = 500;
    auto m = nl::replace_netem(7, s);
    EXPECT_EQ(header(m)->nlmsg_type, RTM_NEWQDISC);
    EXPECT_EQ(header(m)->nlmsg_flags, NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_REPLACE);
    EXPECT_EQ(header(m)->nlmsg_len, m.bytes.size());
    expect_root_tcmsg(m, 7);
    EXPECT_EQ(static_cast<const tcmsg*>(mnl_nlmsg_get_payload(header(m)))->tcm_handle, 0x10000u);

    auto a = top(m);
    ASSERT_TRUE(a.count(TCA_KIND));
    EXPECT_STREQ(mnl_attr_get_str(a[TCA_KIND]), "netem");
    ASSERT_TRUE(a.count(TCA_OPTIONS));
    const nlattr* opts = a[TCA_OPTIONS];
    ASSERT_GE(mnl_attr_get_payload_len(opts), sizeof(tc_netem_qopt));
    tc_netem_qopt q;
    std::memcpy(&q, mnl_attr_get_payload(opts), sizeof q);
    EXPECT_EQ(q.latency, 20'000'000u >> 6);
    EXPECT_EQ(q.jitter, 2'000'000u >> 6);
    EXPECT_EQ(q.limit, 500u);
    EXPECT_EQ(q.loss, nl::percent_to_u32(1));
    EXPECT_EQ(q.duplicate, nl::percent_to_u32(0.5));
    EXPECT_EQ(q.gap, 1u);

    auto n = after_struct(opts, sizeof(tc_netem_qopt));
    ASSERT_TRUE(n.count(TCA_NETEM_CORR));
    auto corr = payload<tc_netem_corr>(n[TCA_NETEM_CORR]);
    EXPECT_EQ(corr.delay_corr, 0u);
    EXPECT_EQ(corr.loss_corr, 0u);
    ASSERT_TRUE(n.count(TCA_NETEM_REORDER));
    EXPECT_EQ(payload<tc_netem_reorder>(n[TCA_NETEM_REORDER]).probability, nl::percent_to_u32(25));
    ASSERT_TRUE(n.count(TCA_NETEM_CORRUPT));
    EXPECT_EQ(payload<tc_netem_corrupt>(n[TCA_NETEM_CORRUPT]).probability, nl::percent_to_u32(0.1));
    ASSERT_TRUE(n.count(TCA_NETEM_RATE));
    EXPECT_EQ(payload<tc_netem_rate>(n[TCA_NETEM_RATE]).rate, 1'250'000u);
    EXPECT_FALSE(n.count(TCA_NETEM_RATE64));
    ASSERT_TRUE(n.count(TCA_NETEM_LATENCY64));
    EXPECT_EQ(payload<std::int64_t>(n[TCA_NETEM_LATENCY64]), 20'000'000);
    ASSERT_TRUE(n.count(TCA_NETEM_JITTER64));
    EXPECT_EQ(payload<std::int64_t>(n[TCA_NETEM_JITTER64]), 2'000'000);
}

TEST(NetlinkQdisc, NetemMinimalOmitsUnsetFeatures) {
    nl::NetemSpec s;
    s.delay_ns = 50'000'000;
    auto m = nl::replace_netem(3, s);
    auto a = top(m);
    tc_netem_qopt q;
    std::memcpy(&q, mnl_attr_get_payload(a[TCA_OPTIONS]), sizeof q);
    EXPECT_EQ(q.limit, 1000u);
    EXPECT_EQ(q.loss, 0u);
    EXPECT_EQ(q.gap, 0u);
    auto n = after_struct(a[TCA_OPTIONS], sizeof(tc_netem_qopt));
    EXPECT_FALSE(n.count(TCA_NETEM_REORDER));
    EXPECT_FALSE(n.count(TCA_NETEM_CORRUPT));
    EXPECT_FALSE(n.count(TCA_NETEM_RATE));
    EXPECT_EQ(payload<std::int64_t>(n[TCA_NETEM_LATENCY64]), 50'000'000);
}

TEST(NetlinkQdisc, NetemRateOver32BitsUsesRate64) {
    nl::NetemSpec s;
    s.rate_bytes = 100'000'000'000ull;  // 800 gbit
    auto m = nl::replace_netem(3, s);
    auto n = after_struct(top(m)[TCA_OPTIONS], sizeof(tc_netem_qopt));
    EXPECT_EQ(payload<tc_netem_rate>(n[TCA_NETEM_RATE]).rate, UINT32_MAX);
    EXPECT_EQ(payload<std::uint64_t>(n[TCA_NETEM_RATE64]), 100'000'000'000ull);
}

TEST(NetlinkQdisc, TbfLayout) {
    nl::TbfSpec s;
    s.rate_bytes = 1'250'000;
    auto m = nl::replace_tbf(9, s);
    expect_root_tcmsg(m, 9);
    auto a = top(m);
    EXPECT_STREQ(mnl_attr_get_str(a[TCA_KIND]), "tbf");
    AttrMap n;
    ASSERT_GE(mnl_attr_parse_nested(a[TCA_OPTIONS], collect, &n), 0);
    auto q = payload<tc_tbf_qopt>(n[TCA_TBF_PARMS]);
    EXPECT_EQ(q.rate.rate, 1'250'000u);
    EXPECT_EQ(q.rate.linklayer, TC_LINKLAYER_ETHERNET);  // no TCA_TBF_RTAB needed
    EXPECT_EQ(q.limit, 125'000u);
    EXPECT_EQ(mnl_attr_get_u32(n[TCA_TBF_BURST]), 16384u);
    EXPECT_EQ(q.buffer, static_cast<std::uint32_t>((16384ull * 1'000'000'000ull / 1'250'000) >> 6));
    EXPECT_FALSE(n.count(TCA_TBF_RTAB));
}

TEST(NetlinkQdisc, DeleteRoot) {
    auto m = nl::delete_root_qdisc(4);
    EXPECT_EQ(header(m)->nlmsg_type, RTM_DELQDISC);
    expect_root_tcmsg(m, 4);
}

TEST(NetlinkQdisc, AbsentNetemIsRecognised) {
    EXPECT_TRUE(nl::means_netem_absent({0, ENOENT, "Specified qdisc kind is unknown", ""}));
    EXPECT_TRUE(nl::means_netem_absent({0, EOPNOTSUPP, "", ""}));
    EXPECT_TRUE(nl::means_netem_absent({0, EINVAL, "Unknown qdisc \"netem\"", ""}));
    EXPECT_FALSE(nl::means_netem_absent({0, EINVAL, "bad limit", ""}));
    EXPECT_FALSE(nl::means_netem_absent({0, ENODEV, "", ""}));
}
