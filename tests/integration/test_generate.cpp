// Generated topologies (topology/generate.hpp) come up and are reachable end to end, pinged with
// the engine's raw-socket pinger; big labs ping a sample of pairs that includes the far ends.
#include <set>

#include "harness.hpp"
#include "probe/ping.hpp"
#include "topology/generate.hpp"

namespace nslab::test {

namespace {

class GenerateTest : public LabTest {
protected:
    // Brings the shape up as lab "gen-<shape>", pings `targets` (all pairs when empty) and
    // returns the failures as "src->dst".
    std::set<std::string> up_and_ping(const std::string& shape, int n, topo::GenOptions o = {},
                                      bool sample = false) {
        o.name = "gen-" + shape;
        lab::Lab l = lab::Lab::up(topo::generate(shape, n, o), {});
        auto targets = probe::all_pairs(l.model());
        if (sample) {
            // The ends and the middle to everyone and back: the longest paths and both route
            // directions of every node.
            const std::string ends[] = {l.model().nodes.front().name, l.model().nodes[n / 2].name,
                                        l.model().nodes.back().name};
            std::vector<probe::PingTarget> picked;
            for (auto& t : targets)
                for (auto& e : ends)
                    if (t.src_node == e || t.dst_node == e) { picked.push_back(t); break; }
            targets = std::move(picked);
        }
        probe::PingOptions po;
        po.timeout = std::chrono::milliseconds(5000);
        auto out = probe::ping(l, targets, po);
        l.down();
        std::set<std::string> failed;
        for (auto& r : out)
            if (!r.ok) failed.insert(r.target.src_node + "->" + r.target.dst_node);
        EXPECT_GT(out.size(), 0u);
        return failed;
    }
};

TEST_F(GenerateTest, SingleReachable) {
    if (!root_) return;
    EXPECT_EQ(up_and_ping("single", 8), std::set<std::string>{});
}

TEST_F(GenerateTest, LinearReachable) {
    if (!root_) return;
    EXPECT_EQ(up_and_ping("linear", 6), std::set<std::string>{});
}

TEST_F(GenerateTest, TreeReachable) {
    if (!root_) return;
    topo::GenOptions o;
    o.fanout = 3;
    EXPECT_EQ(up_and_ping("tree", 2, o), std::set<std::string>{});
}

TEST_F(GenerateTest, RingStarMeshReachable) {
    if (!root_) return;
    for (int n : {3, 4, 9}) EXPECT_EQ(up_and_ping("ring", n), std::set<std::string>{}) << "ring " << n;
    EXPECT_EQ(up_and_ping("star", 6), std::set<std::string>{});
    EXPECT_EQ(up_and_ping("mesh", 6), std::set<std::string>{});
}

TEST_F(GenerateTest, RoutedLineOf200ReachableEndToEnd) {
    if (!root_) return;
    EXPECT_EQ(up_and_ping("line", 200, {}, true), std::set<std::string>{});
}

TEST_F(GenerateTest, CliGenAndUpGen) {
    if (!root_) return;
    auto g = lab_cli({"gen", "star", "3"});
    EXPECT_EQ(g.code, 0) << g.out;
    EXPECT_NE(g.out.find("\"star-3\""), std::string::npos) << g.out;
    EXPECT_EQ(lab_cli({"gen", "blob", "3"}).code, 2);
    auto up = lab_cli({"up", "--gen", "linear:3", "--name", "gen-cli", "-q"});
    EXPECT_EQ(up.code, 0) << up.out;
    auto ping = lab_cli({"pingall", "gen-cli"});
    EXPECT_EQ(ping.code, 0) << ping.out;
    EXPECT_EQ(lab_cli({"down", "gen-cli"}).code, 0);
}

}  // namespace

}  // namespace nslab::test
