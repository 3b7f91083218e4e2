// The unit-bearing strings of TOPOLOGY.md and the did-you-mean helper.
#include <gtest/gtest.h>

#include "topology/suggest.hpp"
#include "topology/values.hpp"

namespace {

using namespace nslab::topo::detail;

TEST(TopologyValues, Durations) {
    EXPECT_EQ(parse_duration_us("10ms"), 10000u);
    EXPECT_EQ(parse_duration_us("1.5s"), 1500000u);
    EXPECT_EQ(parse_duration_us("200us"), 200u);
    EXPECT_EQ(parse_duration_us("2sec"), 2000000u);
    EXPECT_EQ(parse_duration_us("3msec"), 3000u);
    EXPECT_EQ(parse_duration_us("0.5MS"), 500u);
    EXPECT_EQ(parse_duration_us("0ms"), 0u);
    for (const char* bad : {"", "10", "ms", "10 ms", "-1ms", "1e3ms", "1.2.3ms", "10m", "infms", "nanms", " 10ms"})
        EXPECT_FALSE(parse_duration_us(bad)) << bad;
}

TEST(TopologyValues, Percents) {
    EXPECT_EQ(parse_percent("1%"), 1.0);
    EXPECT_EQ(parse_percent("0.5%"), 0.5);
    EXPECT_EQ(parse_percent("100%"), 100.0);
    EXPECT_EQ(parse_percent("25"), 25.0);  // tc reads a bare number as percent too
    for (const char* bad : {"", "%", "1 %", "-1%", "1%%", "one"}) EXPECT_FALSE(parse_percent(bad)) << bad;
}

TEST(TopologyValues, Rates) {
    EXPECT_EQ(parse_rate_bps("100mbit"), 100'000'000u);
    EXPECT_EQ(parse_rate_bps("1gbit"), 1'000'000'000u);
    EXPECT_EQ(parse_rate_bps("512kbit"), 512'000u);
    EXPECT_EQ(parse_rate_bps("1.5Mbit"), 1'500'000u);
    EXPECT_EQ(parse_rate_bps("2tbit"), 2'000'000'000'000u);
    EXPECT_EQ(parse_rate_bps("1kibit"), 1024u);
    EXPECT_EQ(parse_rate_bps("300bit"), 300u);
    EXPECT_EQ(parse_rate_bps("300"), 300u);            // bits, as tc
    EXPECT_EQ(parse_rate_bps("1mbps"), 8'000'000u);    // bytes, as tc
    EXPECT_EQ(parse_rate_bps("10bps"), 80u);
    EXPECT_EQ(parse_rate_bps("1MiBps"), 8u * 1024 * 1024);
    for (const char* bad : {"", "mbit", "10 mbit", "10mb", "fast", "-1mbit"}) EXPECT_FALSE(parse_rate_bps(bad)) << bad;
}

TEST(TopologyValues, Sizes) {
    EXPECT_EQ(parse_size_bytes("128M"), 128u << 20);
    EXPECT_EQ(parse_size_bytes("1G"), 1u << 30);
    EXPECT_EQ(parse_size_bytes("512k"), 512u << 10);
    EXPECT_EQ(parse_size_bytes("64Mi"), 64u << 20);
    EXPECT_EQ(parse_size_bytes("1GiB"), 1u << 30);
    EXPECT_EQ(parse_size_bytes("2MB"), 2u << 20);
    EXPECT_EQ(parse_size_bytes("1T"), 1ull << 40);
    EXPECT_EQ(parse_size_bytes("1.5K"), 1536u);
    EXPECT_EQ(parse_size_bytes("4096"), 4096u);
    EXPECT_EQ(parse_size_bytes("100b"), 100u);
    for (const char* bad : {"", "M", "1X", "1 M", "1Mx", "1KiBB", "-1M"}) EXPECT_FALSE(parse_size_bytes(bad)) << bad;
}

TEST(TopologySuggest, EditDistance) {
    EXPECT_EQ(edit_distance("links", "links"), 0u);
    EXPECT_EQ(edit_distance("lnks", "links"), 1u);
    EXPECT_EQ(edit_distance("endpionts", "endpoints"), 1u);  // a swap is one edit
    EXPECT_EQ(edit_distance("Links", "links"), 0u);
    EXPECT_EQ(edit_distance("", "abc"), 3u);
    EXPECT_EQ(edit_distance("kitten", "sitting"), 3u);
}

TEST(TopologySuggest, DidYouMean) {
    std::vector<std::string_view> keys{"version", "name", "nodes", "links"};
    EXPECT_EQ(did_you_mean("lnks", keys, "keys"), "; did you mean \"links\"?");
    EXPECT_EQ(did_you_mean("nmae", keys, "keys"), "; did you mean \"name\"?");
    EXPECT_EQ(did_you_mean("zzzzzz", keys, "keys"), "; known keys: version, name, nodes, links");
    // Two equally close candidates: no guess, the list instead.
    std::vector<std::string_view> nodes{"r1", "r2"};
    EXPECT_EQ(did_you_mean("r9", nodes, "nodes"), "; known nodes: r1, r2");
    EXPECT_EQ(did_you_mean("x", {}, "nodes"), "; there are no nodes");
    std::vector<std::string> many;
    for (int i = 0; i < 30; ++i) many.push_back("node" + std::to_string(i));
    std::vector<std::string_view> views(many.begin(), many.end());
    EXPECT_NE(did_you_mean("zzzzzzzzzz", views, "nodes").find("... (30 in all)"), std::string::npos);
}

}  // namespace
