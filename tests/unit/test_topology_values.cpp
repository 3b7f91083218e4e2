// The unit-bearing strings of TOPOLOGY.md and the did-you-mean helpers.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <random>

#include "topology/detail/suggest.hpp"
#include "topology/detail/values.hpp"

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

// The full-matrix distance edit_distance() used to compute: the bounded one must agree.
std::size_t reference_distance(std::string_view a, std::string_view b) {
    auto low = [](char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); };
    const std::size_t n = a.size(), m = b.size();
    std::vector<std::vector<std::size_t>> d(n + 1, std::vector<std::size_t>(m + 1));
    for (std::size_t i = 0; i <= n; ++i) d[i][0] = i;
    for (std::size_t j = 0; j <= m; ++j) d[0][j] = j;
    for (std::size_t i = 1; i <= n; ++i)
        for (std::size_t j = 1; j <= m; ++j) {
            std::size_t cost = low(a[i - 1]) == low(b[j - 1]) ? 0 : 1;
            d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
            if (i > 1 && j > 1 && low(a[i - 1]) == low(b[j - 2]) && low(a[i - 2]) == low(b[j - 1]))
                d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
        }
    return d[n][m];
}

// Short words over a small alphabet, so that close pairs, swaps and ties are common.
std::vector<std::string> random_words(std::mt19937& rng, std::size_t count, std::size_t max_len) {
    std::uniform_int_distribution<std::size_t> len(0, max_len);
    std::uniform_int_distribution<int> letter(0, 4);
    std::vector<std::string> out;
    for (std::size_t i = 0; i < count; ++i) {
        std::string w;
        for (std::size_t k = len(rng); k > 0; --k) w += "abAB1"[letter(rng)];
        out.push_back(w);
    }
    return out;
}

TEST(TopologySuggest, BoundedDistanceAgrees) {
    std::mt19937 rng(8);
    auto words = random_words(rng, 300, 9);
    for (std::size_t i = 0; i + 1 < words.size(); i += 2) {
        const std::string &a = words[i], &b = words[i + 1];
        const std::size_t full = reference_distance(a, b);
        EXPECT_EQ(edit_distance(a, b), full) << a << " " << b;
        for (std::size_t limit = 0; limit <= 10; ++limit)
            EXPECT_EQ(edit_distance(a, b, limit), std::min(full, limit + 1)) << a << " " << b << " " << limit;
    }
}

TEST(TopologySuggest, LongWordsGetNoGuess) {
    std::vector<std::string_view> keys{"version", "name", "nodes", "links"};
    std::string huge(kMaxSuggestedWord + 1, 'x');
    huge.replace(0, 5, "links");
    EXPECT_EQ(closest(huge, keys), std::nullopt);
    EXPECT_EQ(did_you_mean(huge, keys, "keys"), "; known keys: version, name, nodes, links");
    // Far longer or shorter than the word is out of reach at once, whatever the letters.
    EXPECT_EQ(edit_distance(std::string(1 << 20, 'a'), "a", 3), 4u);
}

// closest() as it was: every candidate's full distance, the unique smallest within the limit.
std::optional<std::string_view> reference_closest(std::string_view word, const std::vector<std::string_view>& known) {
    const std::size_t limit = word.size() <= 2 ? 1 : std::max<std::size_t>(2, word.size() / 3);
    std::optional<std::string_view> best;
    std::size_t best_distance = limit + 1;
    bool tie = false;
    for (std::string_view c : known) {
        std::size_t d = reference_distance(word, c);
        if (d < best_distance) {
            best = c;
            best_distance = d;
            tie = false;
        } else if (d == best_distance && best) {
            tie = true;
        }
    }
    return tie ? std::nullopt : best;
}

// Both searches must give the old answer, ties and case-insensitivity included.
TEST(TopologySuggest, SearchesAgreeWithFullComparison) {
    std::mt19937 rng(14);
    for (int round = 0; round < 24; ++round) {
        const std::size_t longest = round % 2 ? 14 : 7;  // longer words allow more edits
        auto names = random_words(rng, 1 + round * 10, longest);
        std::vector<std::string_view> views(names.begin(), names.end());
        Suggester s(views);
        for (const auto& w : random_words(rng, 80, longest + 1)) {
            auto want = reference_closest(w, views);
            EXPECT_EQ(closest(w, views), want) << "word " << w << " round " << round;
            EXPECT_EQ(s.closest(w), want) << "word " << w << " round " << round;
        }
    }
    std::vector<std::string_view> nodes{"r1", "r2", "R3", "r3", "router"};
    Suggester s(nodes);
    EXPECT_EQ(s.did_you_mean("r9", "nodes"), "; known nodes: r1, r2, R3, r3, router");  // a tie
    EXPECT_EQ(s.did_you_mean("ruoter", "nodes"), "; did you mean \"router\"?");
    EXPECT_EQ(s.did_you_mean("ruoter", "nodes"), "; did you mean \"router\"?");  // answered again
    EXPECT_EQ(s.closest("r3x"), std::nullopt);  // "R3" and "r3" differ only in case: a tie
    EXPECT_EQ(Suggester({}).did_you_mean("x", "nodes"), "; there are no nodes");
}

}  // namespace
