// What a node is: its own PID 1, hostname, /proc, /sys, private dirs, MTU, sysctls, env.
#include "harness.hpp"
#include "sys/files.hpp"

namespace nslab::test {

namespace {

const char* kTwoNodes = R"({
  "name": "nodes",
  "defaults": { "private_dirs": ["/etc/nslab-test"], "env": { "GREETING": "hello" } },
  "nodes": {
    "a": { "hostname": "alpha", "files": { "/etc/nslab-test/who": "a\n" },
           "sysctls": { "net.ipv4.conf.eth1.rp_filter": "2", "net.ipv4.tcp_syncookies": "0" } },
    "b": { "kind": "router" }
  },
  "links": [ { "endpoints": ["a:eth1", "b:eth1"], "ipv4": ["10.9.0.1/24", "10.9.0.2/24"],
               "ipv6": ["fd00:9::1/64", "fd00:9::2/64"], "mtu": 9000 } ]
})";

std::string out(const lab::Lab& l, const std::string& node, const std::string& cmd) {
    auto r = l.run(node, {"/bin/sh", "-c", cmd});
    EXPECT_EQ(r.exit_code, 0) << node << ": " << cmd << ": " << r.err;
    std::string s = r.out;
    while (!s.empty() && s.back() == '\n') s.pop_back();
    return s;
}

}  // namespace

class Nodes : public LabTest {};

TEST_F(Nodes, IsolationAndConfiguration) {
    lab::Lab l = lab::Lab::up(kTwoNodes, {});
    EXPECT_EQ(out(l, "a", "hostname"), "alpha");
    EXPECT_EQ(out(l, "b", "hostname"), "b");
    EXPECT_EQ(out(l, "a", "cat /proc/1/comm"), "nslab-init");
    EXPECT_EQ(out(l, "a", "echo $$ > /dev/null; ls /proc | grep -c '^[0-9]'").size() > 0, true);
    // Its own PID namespace: few processes, and the shell is not PID 1.
    EXPECT_LE(std::stoi(out(l, "a", "ls -d /proc/[0-9]* | wc -l")), 4);
    // /sys shows the node's own interfaces, with the link's MTU.
    EXPECT_EQ(out(l, "a", "cat /sys/class/net/eth1/mtu"), "9000");
    EXPECT_EQ(out(l, "b", "cat /sys/class/net/eth1/mtu"), "9000");
    EXPECT_EQ(out(l, "a", "ls /sys/class/net | sort | tr '\\n' ' '"), "eth1 lo ");
    // Forwarding by kind, sysctls from the topology (an interface key too).
    EXPECT_EQ(out(l, "a", "cat /proc/sys/net/ipv4/ip_forward"), "0");
    EXPECT_EQ(out(l, "b", "cat /proc/sys/net/ipv4/ip_forward"), "1");
    EXPECT_EQ(out(l, "a", "cat /proc/sys/net/ipv4/conf/eth1/rp_filter"), "2");
    EXPECT_EQ(out(l, "a", "cat /proc/sys/net/ipv4/tcp_syncookies"), "0");
    // Private dirs: the file is there in a, absent in b and on the host.
    EXPECT_EQ(out(l, "a", "cat /etc/nslab-test/who"), "a");
    EXPECT_EQ(out(l, "b", "ls -A /etc/nslab-test | wc -l"), "0");
    out(l, "b", "echo b > /etc/nslab-test/who");
    EXPECT_EQ(out(l, "a", "cat /etc/nslab-test/who"), "a");
    EXPECT_EQ(sh("ls -A /etc/nslab-test | wc -l").out, "0\n");
    // Environment, and NSLAB_* for scripts.
    EXPECT_EQ(out(l, "a", "echo $GREETING $NSLAB_LAB $NSLAB_NODE"), "hello nodes a");
    // Addresses usable at once: IPv6 without waiting for DAD, right after `up` returned.
    EXPECT_TRUE(ping(l, "a", "fd00:9::2"));
    EXPECT_TRUE(ping(l, "a", "10.9.0.2"));
    // ... and they survive a link down/up.
    out(l, "a", "ip link set eth1 down && ip link set eth1 up");
    EXPECT_NE(out(l, "a", "ip -6 -o addr show dev eth1").find("fd00:9::1/64"), std::string::npos);
    // The namespace pin works for `ip netns exec` users.
    auto r = sh("ip netns exec nodes.b ip -o -4 addr show dev eth1");
    EXPECT_NE(r.out.find("10.9.0.2/24"), std::string::npos) << r.out;
    l.down();
    EXPECT_EQ(sh("ls -A /etc/nslab-test | wc -l").out, "0\n");
    ::rmdir("/etc/nslab-test");
}

TEST_F(Nodes, ExecFailureRollsBackAndNamesTheCommand) {
    const char* t = R"({"name": "execfail", "nodes": {
        "a": { "exec": ["echo starting", "sleep 30 &", "echo oops >&2; exit 3"] },
        "b": { "exec": ["sleep 30 &"] } },
      "links": [ { "endpoints": ["a:eth0", "b:eth0"] } ] })";
    try {
        lab::Lab::up(t, {});
        FAIL() << "lab up should have failed";
    } catch (const std::exception& e) {
        std::string msg = e.what();
        EXPECT_NE(msg.find("node a"), std::string::npos) << msg;
        EXPECT_NE(msg.find("exit 3"), std::string::npos) << msg;
        EXPECT_NE(msg.find("code 3"), std::string::npos) << msg;
        EXPECT_NE(msg.find("oops"), std::string::npos) << msg;
    }
    EXPECT_FALSE(lab::load("execfail")) << "the failed lab left its state";
    EXPECT_FALSE(sys::exists("/run/nslab/execfail"));
}

TEST_F(Nodes, ExecRunsInTheTopologyDirectoryOrInRoot) {
    // /var/tmp is the same inside the node; /tmp is the node's own, so a directory there
    // cannot be the node's working directory and commands start in / instead.
    for (std::string dir : {"/var/tmp/nslab-test-wd", "/tmp/nslab-test-wd"}) {
        sys::mkdir_p(dir);
        sys::write_file_atomic(dir + "/t.json", R"({"name": "wd", "nodes": {"a": {"exec": ["pwd > /run/pwd-seen"]},)"
                                                R"( "b": {"private_dirs": ["/run"], "exec": ["true"]}}})");
        lab::Lab l = lab::Lab::up_file(dir + "/t.json", {});
        EXPECT_EQ(out(l, "a", "cat /run/pwd-seen"), dir.rfind("/var", 0) == 0 ? dir : "/");
        ::unlink("/run/pwd-seen");
        l.down();
        sys::remove_tree(dir);
    }
}

TEST_F(Nodes, BackgroundDaemonDoesNotHoldUp) {
    const char* t = R"({"name": "daemon", "nodes": { "a": { "exec": ["sleep 1000 &", "sleep 1000 > /dev/null 2>&1 &"] } } })";
    auto t0 = std::chrono::steady_clock::now();
    lab::Lab l = lab::Lab::up(t, {});
    EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(5));
    EXPECT_EQ(out(l, "a", "pgrep -c sleep"), "2");
    l.down();  // kills the daemons with the node: the snapshot check sees no process left
}

TEST_F(Nodes, RunTimeoutKillsTheProcessGroup) {
    lab::Lab l = lab::Lab::up(R"({"name": "timeout", "nodes": {"a": {}}})", {});
    exec::RunOptions o;
    o.timeout = std::chrono::milliseconds(300);
    auto t0 = std::chrono::steady_clock::now();
    auto r = l.run("a", {"/bin/sh", "-c", "sleep 100 & sleep 100"}, o);
    EXPECT_TRUE(r.timed_out);
    EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(3));
    EXPECT_EQ(out(l, "a", "pgrep -c sleep || true"), "0");
    l.down();
}

}  // namespace nslab::test
