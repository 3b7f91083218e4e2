// `defaults`: merged into every host and router, never into a switch; the node's own keys win,
// objects merge key by key, lists are replaced; a bad default is reported under /defaults.
#include <gtest/gtest.h>

#include "topology/model.hpp"

// The paths of a node's private dirs, in order.
inline std::vector<std::string> topo_dir_paths(const std::vector<nslab::topo::PrivateDir>& dirs) {
    std::vector<std::string> out;
    for (const auto& d : dirs) out.push_back(d.path);
    return out;
}

namespace {

using namespace nslab;
using topo::Model;
using topo::NodeKind;
using Pairs = std::vector<std::pair<std::string, std::string>>;

Model parse(std::string_view json) { return topo::parse(json); }

std::vector<topo::Issue> issues_of(std::string_view json) {
    try {
        topo::parse(json);
    } catch (const topo::TopologyError& e) {
        return e.issues();
    }
    ADD_FAILURE() << "accepted: " << json;
    return {};
}

TEST(TopologyDefaults, ObjectsMergeKeyByKey) {
    Model m = parse(R"({"name": "d",
      "defaults": {"sysctls": {"net.a": "1", "net.b": "2"}, "env": {"X": "x", "Y": "y"}, "limits": {"cpus": 1, "pids": 50}},
      "nodes": {"h1": {"sysctls": {"net.b": "3", "net.c": "4"}, "env": {"Y": "own"}, "limits": {"pids": 10}}}})");
    const auto& h1 = m.nodes[0];
    // The defaults' order, the node's values, then the node's new keys.
    EXPECT_EQ(h1.sysctls, (Pairs{{"net.a", "1"}, {"net.b", "3"}, {"net.c", "4"}}));
    EXPECT_EQ(h1.env, (Pairs{{"X", "x"}, {"Y", "own"}}));
    EXPECT_EQ(h1.limits.cpus, 1.0);
    EXPECT_EQ(h1.limits.pids, 10u);
}

TEST(TopologyDefaults, ListsAreReplaced) {
    Model m = parse(R"({"name": "d",
      "defaults": {"private_dirs": ["/a", "/b"], "exec": ["one"], "loopback": ["10.0.0.1/32"]},
      "nodes": {"h1": {"private_dirs": ["/c"], "exec": [], "loopback": ["10.0.0.2/32"]}, "h2": {"loopback": []}}})");
    EXPECT_EQ(topo_dir_paths(m.nodes[0].private_dirs), std::vector<std::string>{"/c"});
    EXPECT_TRUE(m.nodes[0].exec.empty());
    ASSERT_EQ(m.nodes[0].loopback.size(), 1u);
    EXPECT_EQ(m.nodes[0].loopback[0].str(), "10.0.0.2/32");
    EXPECT_EQ(topo_dir_paths(m.nodes[1].private_dirs), (std::vector<std::string>{"/a", "/b"}));
    EXPECT_EQ(m.nodes[1].exec, std::vector<std::string>{"one"});
    EXPECT_TRUE(m.nodes[1].loopback.empty());
}

TEST(TopologyDefaults, KindAndScalars) {
    Model m = parse(R"({"name": "d", "defaults": {"kind": "router", "hostname": "same", "namespaces": ["uts"]},
      "nodes": {"r1": {}, "h1": {"kind": "host", "hostname": "mine"}}})");
    EXPECT_EQ(m.nodes[0].kind, NodeKind::Router);
    EXPECT_EQ(m.nodes[0].hostname, "same");
    EXPECT_TRUE(m.nodes[0].hostname_explicit);
    EXPECT_EQ(m.nodes[0].namespaces, topo::NS_UTS);
    EXPECT_EQ(m.nodes[1].kind, NodeKind::Host);
    EXPECT_EQ(m.nodes[1].hostname, "mine");
}

TEST(TopologyDefaults, SwitchesTakeNone) {
    // Every one of these defaults would be an error on a switch, and a switch takes none.
    Model m = parse(R"({"name": "d",
      "defaults": {"kind": "router", "loopback": ["10.0.0.1/32"], "routes": [{"to": "default", "dev": "lo"}],
                   "sysctls": {"net.x": "1"}, "private_dirs": ["/etc/frr"]},
      "nodes": {"s1": {"kind": "switch"}}})");
    const auto& s1 = m.nodes[0];
    EXPECT_EQ(s1.kind, NodeKind::Switch);
    EXPECT_TRUE(s1.loopback.empty());
    EXPECT_TRUE(s1.routes.empty());
    EXPECT_TRUE(s1.sysctls.empty());
    EXPECT_TRUE(s1.private_dirs.empty());
}

TEST(TopologyDefaults, FilesMayUseTheNodesPrivateDirs) {
    Model m = parse(R"({"name": "d", "defaults": {"files": {"/etc/frr/daemons": "ospfd=yes\n"}},
      "nodes": {"r1": {"private_dirs": ["/etc/frr"]}}})");
    EXPECT_EQ(m.nodes[0].files, (Pairs{{"/etc/frr/daemons", "ospfd=yes\n"}}));
}

TEST(TopologyDefaults, ABadDefaultIsReportedOnceUnderDefaults) {
    auto issues = issues_of(R"({"name": "d", "defaults": {"exec": "not a list"},
      "nodes": {"h1": {}, "h2": {}, "h3": {}}})");
    ASSERT_EQ(issues.size(), 1u);
    EXPECT_EQ(issues[0].pointer, "/defaults/exec");
    EXPECT_EQ(issues[0].message, "expected a list, got a string");
}

TEST(TopologyDefaults, ANodeDependentProblemNamesTheNode) {
    auto issues = issues_of(R"({"name": "d", "defaults": {"sysctls": {"kernel.sem": "1 2 3 4"}},
      "nodes": {"h1": {}, "h2": {"namespaces": ["uts"]}}})");
    ASSERT_EQ(issues.size(), 1u);
    EXPECT_EQ(issues[0].pointer, "/defaults/sysctls/kernel.sem");
    EXPECT_NE(issues[0].message.find("node \"h2\""), std::string::npos) << issues[0].message;
}

TEST(TopologyDefaults, ANodesOwnBadValueIsReportedAtTheNode) {
    auto issues = issues_of(R"({"name": "d", "defaults": {"limits": {"cpus": 1}},
      "nodes": {"h1": {"limits": {"cpus": -1}}}})");
    ASSERT_EQ(issues.size(), 1u);
    EXPECT_EQ(issues[0].pointer, "/nodes/h1/limits/cpus");
}

}  // namespace
