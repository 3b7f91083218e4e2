// What a valid topology turns into, key by key, and how errors are reported as a whole.
#include <gtest/gtest.h>

#include "lab/load.hpp"
#include "nslab_testing.hpp"
#include "topology/model.hpp"
#include "util/error.hpp"

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

std::vector<std::string> strs(const std::vector<net::Prefix>& v) {
    std::vector<std::string> out;
    for (const auto& p : v) out.push_back(p.str());
    return out;
}

std::vector<topo::Issue> issues_of(std::string_view json, topo::ParseOptions opts = {}) {
    try {
        topo::parse(json, opts);
    } catch (const topo::TopologyError& e) {
        return e.issues();
    }
    ADD_FAILURE() << "accepted: " << json;
    return {};
}

TEST(TopologyParse, CommentsAndFileOrder) {
    Model m = topo::parse(R"(
        // a line comment
        {
          "name": "c", /* a block comment */
          "nodes": {
            "zz": {},   // not sorted: zz stays first
            "aa": {}
          }
        })");
    ASSERT_EQ(m.nodes.size(), 2u);
    EXPECT_EQ(m.nodes[0].name, "zz");
    EXPECT_EQ(m.nodes[1].name, "aa");
    EXPECT_EQ(m.nodes[0].pointer, "/nodes/zz");
    EXPECT_EQ(m.version, 1);
    EXPECT_TRUE(m.links.empty());
}

TEST(TopologyParse, SyntaxErrorPositionCountsCommentLines) {
    auto issues = issues_of("// one\n/* two\n three */ {\"name\": \"x\" \"nodes\": {}}");
    ASSERT_EQ(issues.size(), 1u);
    EXPECT_EQ(issues[0].pointer, "");
    // The position is the last character the parser read: the end of the unexpected "nodes".
    EXPECT_NE(issues[0].message.find("invalid JSON at line 3, column 30: syntax error"), std::string::npos)
        << issues[0].message;
}

// Found by the fuzzer: a number too large for a double used to escape the parser as a crash.
TEST(TopologyParse, NumberOutOfRangeIsAnIssueNotACrash) {
    auto issues = issues_of("{\"name\": \"x\", \"nodes\": {}, \"version\": 1" + std::string(400, '1') + "e999}");
    ASSERT_EQ(issues.size(), 1u);
    EXPECT_EQ(issues[0].pointer, "");
    EXPECT_NE(issues[0].message.find("invalid JSON: number overflow"), std::string::npos) << issues[0].message;
    EXPECT_LT(issues[0].message.size(), 200u);
}

// The second "links" replaces the first, so the duplicate inside the first names nothing in
// the document: only the replaced key is reported (found by the fuzzer).
TEST(TopologyParse, DuplicateInsideAReplacedValueIsNotReported) {
    auto issues = issues_of(R"({"name": "d", "nodes": {}, "links": {"h1": {"a": 1, "a": 2}}, "links": []})");
    ASSERT_EQ(issues.size(), 1u);
    EXPECT_EQ(issues[0].pointer, "/links");
}

TEST(TopologyParse, DuplicateKeyInsideAList) {
    auto issues = issues_of(R"({"name": "d", "nodes": {"a": {}, "b": {}},
        "links": [{"endpoints": ["a:e0", "b:e0"]}, {"endpoints": ["a:e1", "b:e1"], "mtu": 1500, "mtu": 9000}]})");
    ASSERT_EQ(issues.size(), 1u);
    EXPECT_EQ(issues[0].pointer, "/links/1/mtu");
}

TEST(TopologyParse, WhatListsEveryIssueOnItsOwnLine) {
    try {
        topo::parse(R"({"nodes": {"h1": {"kind": "hots"}}, "links": [{"endpoints": ["h1:eth0", "x:eth0"]}]})",
                    {.source = "lab.json"});
        FAIL() << "accepted";
    } catch (const topo::TopologyError& e) {
        EXPECT_EQ(e.source(), "lab.json");
        ASSERT_EQ(e.issues().size(), 3u);
        EXPECT_STREQ(e.what(),
                     "lab.json: missing \"name\" (the lab's name)\n"
                     "lab.json: /nodes/h1/kind: unknown kind \"hots\"; did you mean \"host\"?\n"
                     "lab.json: /links/0/endpoints/1: unknown node \"x\"; known nodes: h1");
    }
}

TEST(TopologyParse, NameOverride) {
    Model m = topo::parse(R"({"name": "file-name", "nodes": {}})", {.name_override = "copy-2"});
    EXPECT_EQ(m.name, "copy-2");
    // With --name the file may leave its own name out.
    EXPECT_EQ(topo::parse(R"({"nodes": {}})", {.name_override = "x"}).name, "x");
}

TEST(TopologyParse, LoadFileReportsUnreadableFiles) {
    EXPECT_THROW(lab::load_topology("/nonexistent/topology.json"), SystemError);
    EXPECT_THROW(lab::load_topology(nslab_testing::source_dir()), SystemError);  // a directory
    Model m = lab::load_topology(nslab_testing::source_dir() + "/topologies/line.json", "line-2");
    EXPECT_EQ(m.name, "line-2");
}

TEST(TopologyParse, NodeKeys) {
    Model m = topo::parse(R"({
      "$schema": "../topologies/schema.json", "version": 1, "name": "keys",
      "nodes": {
        "h1": {
          "hostname": "web.example",
          "namespaces": ["uts", "mnt", "ipc", "time"],
          "sysctls": {"net.ipv4.ip_forward": 1, "kernel.shmmax": "4096", "fs.mqueue.msg_max": "20"},
          "env": {"A": "1", "B": "two"},
          "private_dirs": ["/etc//frr/", "/run/x"],
          "files": {"/etc/frr/frr.conf": "hostname h1\n", "/run/x/./y": ""},
          "exec": ["echo hi", "true"],
          "limits": {"cpus": 0.5, "memory": "128M", "pids": 100}
        },
        "h2": {"namespaces": [], "limits": {"memory": 1048576}},
        "h3": {"rootfs": "/srv/root/", "files": {"/etc/hosts": "127.0.0.1 localhost\n"}}
      }})");
    const auto& h1 = m.nodes[0];
    EXPECT_EQ(h1.kind, NodeKind::Host);
    EXPECT_EQ(h1.hostname, "web.example");
    EXPECT_TRUE(h1.hostname_explicit);
    EXPECT_EQ(h1.namespaces, topo::NS_UTS | topo::NS_MNT | topo::NS_IPC | topo::NS_TIME);
    using Pairs = std::vector<std::pair<std::string, std::string>>;
    EXPECT_EQ(h1.sysctls, (Pairs{{"net.ipv4.ip_forward", "1"}, {"kernel.shmmax", "4096"}, {"fs.mqueue.msg_max", "20"}}));
    EXPECT_EQ(h1.env, (Pairs{{"A", "1"}, {"B", "two"}}));
    EXPECT_EQ(topo_dir_paths(h1.private_dirs), (std::vector<std::string>{"/etc/frr", "/run/x"}));
    EXPECT_EQ(h1.files, (Pairs{{"/etc/frr/frr.conf", "hostname h1\n"}, {"/run/x/y", ""}}));
    EXPECT_EQ(h1.exec, (std::vector<std::string>{"echo hi", "true"}));
    EXPECT_EQ(h1.limits.cpus, 0.5);
    EXPECT_EQ(h1.limits.memory, 128u << 20);
    EXPECT_EQ(h1.limits.pids, 100u);

    const auto& h2 = m.nodes[1];
    EXPECT_EQ(h2.hostname, "h2");
    EXPECT_FALSE(h2.hostname_explicit);
    EXPECT_EQ(h2.namespaces, 0u);
    EXPECT_EQ(h2.limits.memory, 1048576u);
    EXPECT_FALSE(h2.limits.cpus);

    const auto& h3 = m.nodes[2];
    EXPECT_EQ(h3.namespaces, topo::kDefaultNamespaces);
    EXPECT_EQ(h3.rootfs, "/srv/root");
    ASSERT_EQ(h3.files.size(), 1u);  // with a rootfs, paths are the node's own
}

TEST(TopologyParse, LinkKeys) {
    Model m = topo::parse(R"({"name": "l", "nodes": {"a": {}, "b": {}},
      "links": [
        {"endpoints": [{"node": "a", "iface": "e0", "ipv4": ["10.1.0.1/24"], "ipv6": "fd00:1::1/64", "mac": "02:aa:00:00:00:01"},
                       "b:e0"],
         "ipv6": ["fd00::1/64", "fd00::2/64"], "ipv4": [["10.0.0.1/30", "10.0.0.5/30"], null],
         "mtu": 9000, "up": false,
         "netem": {"delay": "10ms", "jitter": "1.5ms", "loss": "1%", "duplicate": 0.5, "corrupt": "0.1",
                   "reorder": "25%", "rate": "10mbit", "limit": 1000}},
        {"endpoints": ["a:e1", "a:e2"]}
      ]})");
    const auto& a = m.nodes[0];
    ASSERT_EQ(a.interfaces.size(), 3u);  // a veth loop on one node is two interfaces of it
    EXPECT_EQ(strs(a.interfaces[0].addrs),
              (std::vector<std::string>{"10.0.0.1/30", "10.0.0.5/30", "10.1.0.1/24", "fd00::1/64", "fd00:1::1/64"}));
    EXPECT_EQ(net::mac_str(*a.interfaces[0].mac), "02:aa:00:00:00:01");
    EXPECT_EQ(strs(m.nodes[1].interfaces[0].addrs), std::vector<std::string>{"fd00::2/64"});
    EXPECT_EQ(a.interfaces[2].name, "e2");
    EXPECT_EQ(a.interfaces[2].link, 1u);
    EXPECT_EQ(a.interfaces[2].end, 1);

    const auto& l = m.links[0];
    EXPECT_EQ(l.pointer, "/links/0");
    EXPECT_EQ(l.mtu, 9000u);
    EXPECT_FALSE(l.up);
    EXPECT_TRUE(m.links[1].up);
    EXPECT_TRUE(m.links[1].netem.empty());
    EXPECT_EQ(l.netem.delay_us, 10000u);
    EXPECT_EQ(l.netem.jitter_us, 1500u);
    EXPECT_EQ(l.netem.loss, 1.0);
    EXPECT_EQ(l.netem.duplicate, 0.5);
    EXPECT_EQ(l.netem.corrupt, 0.1);
    EXPECT_EQ(l.netem.reorder, 25.0);
    EXPECT_EQ(l.netem.rate_bps, 10'000'000u);
    EXPECT_EQ(l.netem.limit, 1000u);
}

TEST(TopologyParse, SwitchPortNames) {
    Model m = topo::parse(R"({"name": "sw", "nodes": {"s1": {"kind": "switch", "hostname": "bridge"},
        "h1": {}, "h2": {}, "h3": {}, "h4": {}, "h5": {}},
      "links": [
        {"endpoints": ["h1:eth0", "s1"]},
        {"endpoints": ["h2:eth0", "s1:p1"]},
        {"endpoints": ["s1", "h3:eth0"]},
        {"endpoints": ["h4:eth0", {"node": "s1", "iface": "uplink"}]},
        {"endpoints": ["h5:eth0", {"node": "s1"}]}
      ]})");
    // Port k is "p<k>" unless that name is given explicitly to another port (even a later one).
    std::vector<std::string> names;
    for (const auto& i : m.find("s1")->interfaces) names.push_back(i.name);
    EXPECT_EQ(names, (std::vector<std::string>{"p2", "p1", "p3", "uplink", "p5"}));
    EXPECT_EQ(m.endpoint_name(m.links[2].ends[0]), "s1:p3");
    EXPECT_EQ(m.find("s1")->hostname, "bridge");
}

TEST(TopologyParse, Routes) {
    Model m = topo::parse(R"({"name": "r", "nodes": {
        "h1": {"routes": [
          {"to": "default", "via": "10.0.0.1"},
          {"to": "default", "via": "fd00::1", "metric": 10},
          {"to": "default", "dev": "eth0", "metric": 5},
          {"to": "192.168.7.7", "via": "10.0.0.1"},
          {"to": "172.16.0.0/12", "via": "192.168.99.1", "dev": "eth0"},
          {"to": "fd99::/64", "via": "fe80::1", "dev": "eth0"},
          {"to": "10.9.0.0/16", "dev": "lo"}
        ]},
        "r1": {"kind": "router"}},
      "links": [{"endpoints": ["h1:eth0", "r1:eth0"], "ipv4": ["10.0.0.2/24", "10.0.0.1/24"],
                 "ipv6": ["fd00::2/64", "fd00::1/64"]}]})");
    const auto& r = m.nodes[0].routes;
    ASSERT_EQ(r.size(), 7u);
    EXPECT_EQ(r[0].to.str(), "0.0.0.0/0");
    EXPECT_EQ(r[1].to.str(), "::/0");
    EXPECT_EQ(r[1].metric, 10u);
    EXPECT_EQ(r[2].to.str(), "0.0.0.0/0");
    EXPECT_FALSE(r[2].via);
    EXPECT_EQ(r[2].dev, "eth0");
    EXPECT_EQ(r[3].to.str(), "192.168.7.7/32");
    EXPECT_FALSE(r[3].onlink);
    EXPECT_TRUE(r[4].onlink);   // gateway outside eth0's subnets: the kernel must be told
    EXPECT_FALSE(r[5].onlink);  // link-local gateways need no flag
    EXPECT_EQ(r[6].pointer, "/nodes/h1/routes/6");
}

TEST(TopologyParse, AllIssuesAreCollected) {
    auto issues = issues_of(R"({"name": "Bad", "nodes": {"H": {}, "h1": {"kind": "x", "namespaces": ["net"]}},
        "links": [{"endpoints": ["h1:lo", "h1:eth0"], "mtu": 1}]})");
    std::vector<std::string> pointers;
    for (const auto& i : issues) pointers.push_back(i.pointer);
    EXPECT_EQ(pointers, (std::vector<std::string>{"/name", "/nodes/H", "/nodes/h1/kind", "/nodes/h1/namespaces/0",
                                                  "/links/0/endpoints/0", "/links/0/mtu"}));
}

TEST(TopologyParse, LinkLocalAddressesMayRepeatAcrossLinks) {
    Model m = topo::parse(R"({"name": "ll", "nodes": {"a": {}, "b": {}, "c": {}},
      "links": [{"endpoints": ["a:e0", "b:e0"], "ipv6": ["fe80::1/64", "fe80::2/64"]},
                {"endpoints": ["b:e1", "c:e0"], "ipv6": ["fe80::1/64", "fe80::2/64"]}]})");
    EXPECT_EQ(m.links.size(), 2u);
}

TEST(TopologyParse, NamesAndKinds) {
    EXPECT_TRUE(topo::valid_lab_name("0lab-1"));
    EXPECT_FALSE(topo::valid_lab_name("-lab"));
    EXPECT_FALSE(topo::valid_lab_name("lab.1"));
    EXPECT_FALSE(topo::valid_lab_name(std::string(33, 'a')));
    EXPECT_TRUE(topo::valid_lab_name(std::string(32, 'a')));
    EXPECT_TRUE(topo::valid_node_name("r1-core"));
    EXPECT_FALSE(topo::valid_node_name("1r"));
    EXPECT_FALSE(topo::valid_node_name(std::string(16, 'r')));
    EXPECT_TRUE(topo::valid_ifname("eth0.100"));
    EXPECT_TRUE(topo::valid_ifname(std::string(15, 'e')));
    EXPECT_FALSE(topo::valid_ifname(std::string(16, 'e')));
    for (const char* bad : {"", "lo", ".", "..", "a/b", "a b", "a:b", "a\tb", "all", "default"})
        EXPECT_FALSE(topo::valid_ifname(bad)) << bad;
    EXPECT_STREQ(topo::to_string(NodeKind::Router), "router");
    EXPECT_STREQ(topo::to_string(NodeKind::Switch), "switch");
}

}  // namespace

namespace {
// A string entry is a tmpfs like /tmp (1777, root's); an object sets mode and owner.
TEST(TopologyParse, PrivateDirsAsPathsOrObjects) {
    nslab::topo::Model m = nslab::topo::parse(R"({"name": "pd", "nodes": {"r1": {"private_dirs": [
        "/var/run/frr", {"path": "/etc/frr/", "mode": "0750", "owner": "frr:frrvty"}, {"path": "/srv", "owner": "100"}]}}})");
    const auto& d = m.nodes[0].private_dirs;
    ASSERT_EQ(d.size(), 3u);
    EXPECT_EQ(d[0].path, "/var/run/frr");
    EXPECT_EQ(d[0].mode, 01777u);
    EXPECT_EQ(d[0].owner, "");
    EXPECT_EQ(d[1].path, "/etc/frr");
    EXPECT_EQ(d[1].mode, 0750u);
    EXPECT_EQ(d[1].owner, "frr:frrvty");
    EXPECT_EQ(d[2].mode, 01777u);
    EXPECT_EQ(d[2].owner, "100");
}
}  // namespace
