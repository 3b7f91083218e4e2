// Order-of-magnitude guards (issue 14 item 8): generating, parsing and validating stay close to
// linear, and a hostile file cannot make suggestions expensive. The bounds are about five times
// what each case takes on a loaded 2-core machine, so they catch a quadratic step coming back
// (each case took from 10 s to over a minute when one was there), not a slow machine.
#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "topology/generate.hpp"
#include "topology/model.hpp"

namespace {

using namespace nslab;

// Unoptimised and sanitiser builds run these several times slower.
#if !defined(NDEBUG) || defined(__SANITIZE_ADDRESS__)
constexpr double kSlack = 5;
#else
constexpr double kSlack = 1;
#endif

template <class F>
double seconds(F&& f) {
    auto t0 = std::chrono::steady_clock::now();
    f();
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// The issues parse() reports for `text`, which must be invalid.
std::vector<topo::Issue> issues_of(const std::string& text) {
    try {
        topo::parse(text);
    } catch (const topo::TopologyError& e) {
        return e.issues();
    }
    ADD_FAILURE() << "the topology was accepted";
    return {};
}

// Was 20 s to generate (an ordered_json object looks each new key up) and 70 s to parse (the
// same, and every endpoint looked its node up along the node list).
TEST(TopologyScale, HundredThousandGeneratedNodes) {
    std::string text;
    double gen = seconds([&] { text = topo::generate("single", 99999); });
    topo::Model m;
    double parse = seconds([&] { m = topo::parse(text); });
    EXPECT_EQ(m.nodes.size(), 100000u);
    EXPECT_EQ(m.links.size(), 99999u);
    EXPECT_EQ(m.nodes.back().name, "h99999");
    EXPECT_EQ(m.nodes.back().interfaces.at(0).addrs.at(0).str(), "10.1.134.159/8");
    EXPECT_LT(gen, 5 * kSlack);
    EXPECT_LT(parse, 10 * kSlack);
}

// Was 10 s and 1 GB: the edit distance to each known key was a full matrix of the key's length.
TEST(TopologyScale, HugeUnknownKey) {
    const std::string key(8 << 20, 'a');
    const std::string text = R"({"name": "big", "nodes": {}, ")" + key + R"(": 1})";
    std::vector<topo::Issue> issues;
    double s = seconds([&] { issues = issues_of(text); });
    ASSERT_EQ(issues.size(), 1u);
    EXPECT_EQ(issues[0].pointer, "/" + key);
    EXPECT_EQ(issues[0].message.rfind("unknown key \"aaaa", 0), 0u);
    EXPECT_NE(issues[0].message.find("; known keys: version, name, nodes, links"), std::string::npos);
    EXPECT_LT(s, 5 * kSlack);
}

// Was 46 s: each unknown endpoint compared its name with every node's.
TEST(TopologyScale, TenThousandUnknownEndpoints) {
    constexpr int n = 10000;
    std::string text = R"({"name": "t", "nodes": {)";
    for (int i = 1; i <= n; ++i) text += (i > 1 ? ", \"n" : "\"n") + std::to_string(i) + "\": {}";
    text += R"(}, "links": [)";
    for (int i = 1; i <= n; ++i)
        text += std::string(i > 1 ? ", " : "") + R"({"endpoints": ["m)" + std::to_string(i) + R"(:eth0", "n)" +
                std::to_string(i) + R"(:eth0"]})";
    text += "]}";
    std::vector<topo::Issue> issues;
    double s = seconds([&] { issues = issues_of(text); });
    ASSERT_EQ(issues.size(), static_cast<std::size_t>(n));
    for (int i = 0; i < n; ++i) {
        const std::string name = std::to_string(i + 1);
        ASSERT_EQ(issues[i].pointer, "/links/" + std::to_string(i) + "/endpoints/0");
        ASSERT_EQ(issues[i].message, "unknown node \"m" + name + "\"; did you mean \"n" + name + "\"?");
    }
    EXPECT_LT(s, 10 * kSlack);
}

// Long unknown names against many short ones, each different: no search may cost much.
TEST(TopologyScale, UnknownEndpointsUnlikeAnyNode) {
    constexpr int n = 10000;
    std::string text = R"({"name": "t", "nodes": {)";
    for (int i = 1; i <= n; ++i) text += (i > 1 ? ", \"n" : "\"n") + std::to_string(i) + "\": {}";
    text += R"(}, "links": [)";
    for (int i = 1; i <= n; ++i)
        text += std::string(i > 1 ? ", " : "") + R"({"endpoints": ["no-such-node-)" + std::to_string(i) +
                R"(:eth0", "n1:eth)" + std::to_string(i) + R"("]})";
    text += "]}";
    std::vector<topo::Issue> issues;
    double s = seconds([&] { issues = issues_of(text); });
    ASSERT_EQ(issues.size(), static_cast<std::size_t>(n));
    EXPECT_EQ(issues.back().message, "unknown node \"no-such-node-10000\"; known nodes: n1, n2, n3, n4, n5, n6, n7, "
                                     "n8, n9, n10, n11, n12, n13, n14, n15, n16, n17, n18, n19, n20, ... (10000 in all)");
    EXPECT_LT(s, 10 * kSlack);
}

// Each duplicate used to scan the duplicates found before it, and each key the object.
TEST(TopologyScale, ManyDuplicateKeys) {
    constexpr int n = 50000;
    std::string text = R"({"name": "t", "nodes": {)";
    for (int round = 0; round < 2; ++round)
        for (int i = 1; i <= n; ++i) text += (round + i > 1 ? ", \"h" : "\"h") + std::to_string(i) + "\": {}";
    text += "}}";
    std::vector<topo::Issue> issues;
    double s = seconds([&] { issues = issues_of(text); });
    ASSERT_EQ(issues.size(), static_cast<std::size_t>(n));
    EXPECT_EQ(issues.front().pointer, "/nodes/h1");
    EXPECT_EQ(issues.back().message, "duplicate key \"h50000\" (only one would count)");
    EXPECT_LT(s, 5 * kSlack);
}

}  // namespace
