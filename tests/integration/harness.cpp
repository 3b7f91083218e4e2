#include "harness.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <thread>

#include "sys/files.hpp"

namespace nslab::test {

namespace {

std::string quote(const std::string& s) {
    std::string q = "'";
    for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return q + "'";
}

}  // namespace

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
    nslab_testing::reap();
    return r;
}

CmdResult lab_cli(const std::vector<std::string>& args) {
    std::string cmd = quote(lab_bin());
    for (const auto& a : args) cmd += " " + quote(a);
    return sh(cmd);
}

Snapshot Snapshot::take() {
    nslab_testing::reap();
    Snapshot s;
    s.host = nslab_testing::HostSnapshot::take();
    s.fds = sys::list_dir("/proc/self/fd").size();
    return s;
}

std::string Snapshot::diff(const Snapshot& b, const Snapshot& a) {
    std::string out;
    for (const auto& line : nslab_testing::HostSnapshot::added(b.host, a.host)) out += line + "\n";
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
    NSLAB_TEST_NEEDS_ROOT(nslab_testing::kRootReason);
    root_ = true;
    before_ = Snapshot::take();
    for (const auto& name : sys::list_dir("/run/nslab")) labs_before_.insert(name);
}

void LabTest::TearDown() {
    if (!root_) return;
    // A failed test may leave its lab up; take down only labs that were not there before.
    for (const auto& name : lab::list())
        if (!labs_before_.count(name)) {
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
