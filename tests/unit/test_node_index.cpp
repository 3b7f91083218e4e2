// Model::index_of on a big model: the name index it keeps answers as a scan would, also after
// the nodes changed under it (a live change adds, removes and renames), and in a copy.
#include <gtest/gtest.h>

#include "topology/model.hpp"

namespace nslab::topo {
namespace {

Model with_nodes(std::size_t n) {
    Model m;
    for (std::size_t i = 0; i < n; ++i) {
        Node nd;
        nd.name = "r" + std::to_string(i + 1);
        m.nodes.push_back(nd);
    }
    return m;
}

TEST(NodeIndex, FindsEveryNodeOfABigModel) {
    Model m = with_nodes(1000);
    for (std::size_t i = 0; i < m.nodes.size(); ++i) EXPECT_EQ(m.index_of(m.nodes[i].name), i);
    EXPECT_EQ(m.index_of("r1001"), std::nullopt);
    EXPECT_EQ(m.index_of(""), std::nullopt);
}

TEST(NodeIndex, FollowsNodesRemovedAddedAndRenamed) {
    Model m = with_nodes(100);
    ASSERT_EQ(m.index_of("r50"), 49u);
    m.nodes.erase(m.nodes.begin() + 10);   // r11 goes; everything after it moves up one
    EXPECT_EQ(m.index_of("r11"), std::nullopt);
    EXPECT_EQ(m.index_of("r50"), 48u);
    EXPECT_EQ(m.index_of("r100"), 98u);
    Node extra;
    extra.name = "extra";
    m.nodes.push_back(extra);
    EXPECT_EQ(m.index_of("extra"), 99u);
    m.nodes[0].name = "first";
    EXPECT_EQ(m.index_of("r1"), std::nullopt);
    EXPECT_EQ(m.index_of("first"), 0u);
}

TEST(NodeIndex, ACopyAnswersForItsOwnNodes) {
    Model a = with_nodes(100);
    ASSERT_EQ(a.index_of("r7"), 6u);
    Model b = a;
    b.nodes.erase(b.nodes.begin());
    EXPECT_EQ(b.index_of("r7"), 5u);
    EXPECT_EQ(a.index_of("r7"), 6u);
    Model c = std::move(b);
    EXPECT_EQ(c.index_of("r7"), 5u);
    a = c;
    EXPECT_EQ(a.index_of("r7"), 5u);
}

}  // namespace
}  // namespace nslab::topo
