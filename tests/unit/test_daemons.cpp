// Routing daemons as part of a node: what the `frr` and `bird` keys become (daemons in the
// package's order with the implied ones, private dirs, config text or a path resolved against
// the topology's directory), and the start script and config files nslab makes of them. Pure.
#include <gtest/gtest.h>

#include <algorithm>

#include "lab/daemons.hpp"
#include "topology/model.hpp"

namespace {

using namespace nslab;

topo::Model parse(const std::string& nodes, std::string base_dir = "") {
    return topo::parse(R"({"name": "t", "nodes": {)" + nodes + "}}", topo::ParseOptions{.base_dir = std::move(base_dir)});
}

const topo::PrivateDir* dir(const topo::Node& n, const std::string& path) {
    for (const auto& d : n.private_dirs)
        if (d.path == path) return &d;
    return nullptr;
}

std::string file(const topo::Node& n, const std::string& path) {
    for (const auto& [p, content] : n.files)
        if (p == path) return content;
    return "<none>";
}

TEST(Daemons, FrrDaemonsInThePackagesOrderWithZebraAndStaticd) {
    auto m = parse(R"("r1": {"frr": {"daemons": ["bfdd", "bgpd", "ospfd", "zebra"]}})");
    const auto& frr = *m.nodes[0].frr;
    EXPECT_EQ(frr.daemons, (std::vector<std::string>{"zebra", "bgpd", "ospfd", "staticd", "bfdd"}));
    EXPECT_EQ(frr.pointer, "/nodes/r1/frr");
    EXPECT_EQ(lab::node_daemons(m.nodes[0]), frr.daemons);
    // No list at all: what the package starts when every daemon is "no".
    EXPECT_EQ(parse(R"("r1": {"frr": {}})").nodes[0].frr->daemons, (std::vector<std::string>{"zebra", "staticd"}));
}

TEST(Daemons, FrrGetsPrivateDirsOfItsUserUnlessTheNodeListsThem) {
    auto m = parse(R"("r1": {"frr": {}}, "r2": {"frr": {}, "private_dirs": ["/var/run/frr"]})");
    for (const char* path : {"/etc/frr", "/var/run/frr", "/var/log/frr", "/var/tmp/frr"}) {
        const auto* d = dir(m.nodes[0], path);
        ASSERT_TRUE(d) << path;
        EXPECT_EQ(d->mode, 0755u);
        EXPECT_EQ(d->owner, "frr:frr");
    }
    // The node's own entry stands as written (1777, root's).
    const auto* own = dir(m.nodes[1], "/var/run/frr");
    ASSERT_TRUE(own);
    EXPECT_EQ(own->mode, 01777u);
    EXPECT_EQ(own->owner, "");
    EXPECT_EQ(std::count_if(m.nodes[1].private_dirs.begin(), m.nodes[1].private_dirs.end(),
                            [](const auto& d) { return d.path == "/var/run/frr"; }),
              1);
}

TEST(Daemons, FilesMayGoIntoTheDaemonsDirs) {
    auto m = parse(R"("r1": {"frr": {}, "files": {"/etc/frr/daemons.extra": "x"}})");
    EXPECT_EQ(file(m.nodes[0], "/etc/frr/daemons.extra"), "x");
}

TEST(Daemons, ConfigTextOrAPathRelativeToTheTopology) {
    auto m = parse(R"("r1": {"frr": {"config": "hostname r1\n"}}, "r2": {"frr": {"config": "confs/r2.conf"}},
                      "r3": {"bird": {"config": "/etc/lab/bird.conf"}})",
                   "/srv/lab");
    EXPECT_EQ(m.nodes[0].frr->config, "hostname r1\n");
    EXPECT_EQ(m.nodes[0].frr->config_path, "");
    EXPECT_EQ(m.nodes[1].frr->config_path, "/srv/lab/confs/r2.conf");
    EXPECT_EQ(m.nodes[2].bird->config_path, "/etc/lab/bird.conf");
    // Without a base dir a relative path stays as written.
    EXPECT_EQ(parse(R"("r2": {"frr": {"config": "r2.conf"}})").nodes[0].frr->config_path, "r2.conf");
}

TEST(Daemons, DefaultsMergeKeyByKey) {
    auto m = topo::parse(R"({"name": "t", "defaults": {"frr": {"daemons": ["ospfd"]}},
                             "nodes": {"r1": {"frr": {"config": "hostname r1\n"}}, "r2": {}}})");
    EXPECT_EQ(m.nodes[0].frr->daemons, (std::vector<std::string>{"zebra", "ospfd", "staticd"}));
    EXPECT_EQ(m.nodes[0].frr->config, "hostname r1\n");
    EXPECT_TRUE(m.nodes[1].frr);
    EXPECT_EQ(m.nodes[1].frr->pointer, "/defaults/frr");
}

TEST(Daemons, ConfigFiles) {
    auto m = parse(R"("r1": {"frr": {"config": "hostname r1\n"}}, "r2": {"frr": {}},
                      "r3": {"bird": {"config": "router id 1.1.1.1;\nprotocol device {}"}})");
    lab::prepare_daemon_files(m.nodes[0]);
    lab::prepare_daemon_files(m.nodes[1]);
    lab::prepare_daemon_files(m.nodes[2]);
    EXPECT_EQ(file(m.nodes[0], "/etc/frr/frr.conf"), "hostname r1\n");
    EXPECT_EQ(file(m.nodes[0], "/etc/frr/vtysh.conf"), "service integrated-vtysh-config\n");
    EXPECT_NE(file(m.nodes[1], "/etc/frr/frr.conf"), "<none>");  // an empty config, for vtysh -b
    // BIRD's config keeps its lines; nslab's log line comes after them.
    std::string bird = file(m.nodes[2], "/etc/bird/bird.conf");
    EXPECT_EQ(bird.rfind("router id 1.1.1.1;\nprotocol device {}\n", 0), 0u) << bird;
    EXPECT_NE(bird.find("log \"/run/bird/bird.log\" all;\n"), std::string::npos) << bird;
}

TEST(Daemons, UnreadableConfigFileIsALocatedError) {
    auto m = parse(R"("r1": {"frr": {"config": "/nonexistent/r1.conf"}})");
    try {
        lab::check_daemon_configs(m, "t.json");
        FAIL() << "no error";
    } catch (const topo::TopologyError& e) {
        ASSERT_EQ(e.issues().size(), 1u);
        EXPECT_EQ(e.issues()[0].pointer, "/nodes/r1/frr/config");
        EXPECT_NE(e.issues()[0].message.find("/nonexistent/r1.conf"), std::string::npos);
    }
}

TEST(Daemons, FrrScriptStartsEachDaemonAsThePackageDoesAndWaitsForVtysh) {
    auto m = parse(R"("r1": {"frr": {"daemons": ["ospf6d", "bgpd"]}})");
    auto cmds = lab::daemon_commands(m.nodes[0]);
    ASSERT_EQ(cmds.size(), 1u);
    EXPECT_EQ(cmds[0].what, "starting FRR (zebra, bgpd, ospf6d, staticd)");
    EXPECT_EQ(cmds[0].pointer, "/nodes/r1/frr");
    EXPECT_EQ(cmds[0].step, "frr r1");
    const std::string& s = cmds[0].shell;
    auto at = [&](const std::string& what) { return s.find(what); };
    EXPECT_NE(at("start zebra -A 127.0.0.1 -s 90000000"), std::string::npos) << s;
    EXPECT_NE(at("start ospf6d -A ::1"), std::string::npos) << s;
    EXPECT_NE(at("if [ -x $D/mgmtd ]; then start mgmtd"), std::string::npos) << s;
    EXPECT_NE(at("-d --log file:/var/log/frr/$d.log"), std::string::npos) << s;
    EXPECT_LT(at("start zebra"), at("start bgpd"));
    EXPECT_LT(at("start bgpd"), at("start ospf6d"));
    EXPECT_LT(at("start ospf6d"), at("start staticd"));
    EXPECT_LT(at("vtysh -c 'show daemons'"), at("vtysh -b"));
}

TEST(Daemons, BirdScriptChecksTheConfigFirstAndDropsToBirdWhereItCan) {
    auto m = parse(R"("r1": {"bird": {"config": "x.conf"}})");
    auto cmds = lab::daemon_commands(m.nodes[0]);
    ASSERT_EQ(cmds.size(), 1u);
    EXPECT_EQ(cmds[0].pointer, "/nodes/r1/bird");
    const std::string& s = cmds[0].shell;
    EXPECT_LT(s.find("bird -p -c /etc/bird/bird.conf"), s.find("bird $U -c /etc/bird/bird.conf -s /run/bird/bird.ctl"));
    EXPECT_NE(s.find("birdc -s /run/bird/bird.ctl show status"), std::string::npos);
    EXPECT_NE(s.find("U=\"-u bird -g bird\""), std::string::npos);
    EXPECT_EQ(lab::daemon_commands(m.nodes[0], {.bird_user = false})[0].shell.find("-u bird"), std::string::npos);
}

TEST(Daemons, BothInOneNodeAreTwoCommands) {
    auto m = parse(R"("r1": {"frr": {}, "bird": {"config": "x.conf"}})");
    auto cmds = lab::daemon_commands(m.nodes[0]);
    ASSERT_EQ(cmds.size(), 2u);
    EXPECT_EQ(cmds[0].step, "frr r1");
    EXPECT_EQ(cmds[1].step, "bird r1");
    EXPECT_EQ(lab::node_daemons(m.nodes[0]), (std::vector<std::string>{"zebra", "staticd", "bird"}));
}

}  // namespace
