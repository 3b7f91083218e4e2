#include "harness.hpp"

#include <dirent.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <functional>
#include <sstream>
#include <thread>

#include "netlink/netlink.hpp"
#include "sys/cgroupfs.hpp"
#include "sys/files.hpp"

namespace nslab::test {

namespace {

std::string quote(const std::string& s) {
    std::string q = "'";
    for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return q + "'";
}

void reap_strays() {
    while (::waitpid(-1, nullptr, WNOHANG) > 0) {}
}

std::string readlink_str(const std::string& p) {
    char buf[256];
    ssize_t n = ::readlink(p.c_str(), buf, sizeof buf - 1);
    if (n < 0) return {};
    buf[n] = 0;
    return buf;
}

}  // namespace

std::string source_dir() { return NSLAB_SOURCE_DIR; }
std::string lab_bin() { return std::string(NSLAB_BUILD_DIR) + "/cli/lab"; }
std::string topology(const std::string& name) { return source_dir() + "/topologies/" + name; }

CmdResult sh(const std::string& cmdline) {
    CmdResult r;
    FILE* f = ::popen((cmdline + " 2>&1").c_str(), "r");
    if (!f) return r;
    char buf[4096];
    std::size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) r.out.append(buf, n);
    int status = ::pclose(f);
    r.code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    reap_strays();
    return r;
}

CmdResult lab_cli(const std::vector<std::string>& args) {
    std::string cmd = quote(lab_bin());
    for (const auto& a : args) cmd += " " + quote(a);
    return sh(cmd);
}

Snapshot Snapshot::take() {
    reap_strays();
    Snapshot s;
    auto root = nl::Socket::open();
    for (const auto& l : root.dump_links()) s.links.insert(l.name);
    for (auto fam : {net::Family::V4, net::Family::V6})
        for (const auto& r : root.dump_routes(fam))
            s.routes.insert(r.dst.str() + " via " + (r.gateway ? r.gateway->addr_str() : "-") + " oif " +
                            std::to_string(r.oif));
    std::ifstream mi("/proc/self/mountinfo");
    for (std::string line; std::getline(mi, line);) {
        std::istringstream is(line);
        std::string f[5];
        for (auto& x : f) is >> x;
        s.mounts.insert(f[4]);
    }
    for (auto& n : sys::list_dir("/run/netns")) s.netns.insert(n);
    for (auto& n : sys::list_dir("/run/nslab")) s.nslab.insert(n);
    // Node processes live in other PID namespaces; keepers and inits are named nslab-*.
    // Zombies hold nothing but a PID and are left to their reaper.
    std::string own_ns = readlink_str("/proc/self/ns/pid");
    for (auto& p : sys::list_dir("/proc")) {
        if (p.find_first_not_of("0123456789") != std::string::npos) continue;
        std::string stat;
        std::getline(std::ifstream("/proc/" + p + "/stat"), stat);
        auto close = stat.rfind(')');
        if (close == std::string::npos || close + 2 >= stat.size() || stat[close + 2] == 'Z') continue;
        std::string comm = stat.substr(stat.find('(') + 1, close - stat.find('(') - 1);
        std::string ns = readlink_str("/proc/" + p + "/ns/pid");
        if ((!ns.empty() && ns != own_ns) || comm.rfind("nslab", 0) == 0) s.processes.insert(p + " " + comm);
    }
    // nslab cgroup directories, in cgroup v2 and every v1 hierarchy (a few levels down at most).
    for (const auto& m : sys::cgroup_mounts()) {
        std::function<void(const std::string&, int)> walk = [&](const std::string& dir, int depth) {
            for (const auto& c : sys::cgroup_children(dir)) {
                std::string path = dir + "/" + c;
                if (c == "nslab" || path.find("/nslab/") != std::string::npos) s.cgroups.insert(path);
                if (depth < 5) walk(path, depth + 1);
            }
        };
        walk(m.path, 0);
    }
    s.fds = sys::list_dir("/proc/self/fd").size();
    return s;
}

std::string Snapshot::diff(const Snapshot& b, const Snapshot& a) {
    std::string out;
    auto cmp = [&](const char* what, const std::set<std::string>& x, const std::set<std::string>& y) {
        for (const auto& e : y)
            if (!x.count(e)) out += std::string(what) + ": " + e + "\n";
    };
    cmp("link", b.links, a.links);
    cmp("route", b.routes, a.routes);
    cmp("mount", b.mounts, a.mounts);
    cmp("netns pin", b.netns, a.netns);
    cmp("nslab state", b.nslab, a.nslab);
    cmp("process", b.processes, a.processes);
    cmp("cgroup", b.cgroups, a.cgroups);
    if (a.fds > b.fds) out += "fds of the test process: " + std::to_string(b.fds) + " -> " + std::to_string(a.fds) + "\n";
    return out;
}

bool ping(const lab::Lab& l, const std::string& node, const std::string& addr) {
    exec::RunOptions o;
    o.timeout = std::chrono::seconds(5);
    auto r = l.run(node, {"ping", "-c1", "-W2", "-q", addr}, o);
    return r.exit_code == 0;
}

std::vector<std::string> ping_all(const lab::Lab& l, bool neighbours_only) {
    std::vector<std::string> failures;
    const auto& m = l.model();
    for (const auto& src : m.nodes) {
        if (src.kind == topo::NodeKind::Switch) continue;
        for (const auto& dst : m.nodes) {
            if (dst.kind == topo::NodeKind::Switch || dst.name == src.name) continue;
            std::vector<net::Prefix> addrs = dst.loopback;
            for (const auto& i : dst.interfaces) addrs.insert(addrs.end(), i.addrs.begin(), i.addrs.end());
            std::vector<net::Prefix> own;
            for (const auto& i : src.interfaces) own.insert(own.end(), i.addrs.begin(), i.addrs.end());
            auto neighbour = [&](const net::Prefix& a) {
                for (const auto& o : own)
                    if (o.contains(a)) return true;
                return false;
            };
            for (const auto& a : addrs)
                if ((!neighbours_only || neighbour(a)) && !ping(l, src.name, a.addr_str())) failures.push_back(src.name + " -> " + dst.name + " " + a.addr_str());
        }
    }
    return failures;
}

void LabTest::SetUp() {
    root_ = ::geteuid() == 0;
    if (!root_) {
        const char* req = std::getenv("NSLAB_REQUIRE_ROOT");
        if (req && std::string(req) == "1") FAIL() << "this test needs root and NSLAB_REQUIRE_ROOT=1 is set";
        GTEST_SKIP() << "needs root (creates namespaces, links and mounts)";
    }
    before_ = Snapshot::take();
}

void LabTest::TearDown() {
    if (!root_) return;
    // A failed test may leave its lab up; take down only labs that were not there before.
    for (const auto& name : lab::list())
        if (!before_.nslab.count(name)) {
            ADD_FAILURE() << "lab " << name << " was still up at the end of the test";
            try { lab::down(name); } catch (const std::exception& e) { ADD_FAILURE() << e.what(); }
        }
    std::string d;
    // Processes may take a moment to be reaped; everything else is synchronous.
    for (int i = 0; i < 30; ++i) {
        d = Snapshot::diff(before_, Snapshot::take());
        if (d.empty()) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    EXPECT_EQ(d, "") << "the test left this on the host";
}

}  // namespace nslab::test
