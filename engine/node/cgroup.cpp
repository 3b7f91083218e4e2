#include "node/cgroup.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>

#include "sys/cgroupfs.hpp"
#include "sys/files.hpp"
#include "util/error.hpp"

namespace nslab::node {

namespace {

bool has(const std::vector<std::string>& v, const std::string& s) { return std::find(v.begin(), v.end(), s) != v.end(); }

bool on_v2(const CgroupHost& host, const std::string& ctrl) { return !host.v2.empty() && has(host.v2_enabled, ctrl); }

// The kernel takes a CFS quota per period; 100 ms is its default period.
constexpr std::uint64_t kCpuPeriodUs = 100000;
std::uint64_t cpu_quota_us(double cpus) {
    return std::max<std::uint64_t>(1000, static_cast<std::uint64_t>(std::llround(cpus * kCpuPeriodUs)));
}

bool file_exists(const std::string& p) { return ::access(p.c_str(), F_OK) == 0; }

void write_limits_v2(const std::string& dir, const topo::Limits& l, const std::vector<std::string>& ctrls) {
    using sys::write_cgroup_file;
    if (l.memory && has(ctrls, "memory")) {
        write_cgroup_file(dir + "/memory.max", std::to_string(*l.memory));
        // The limit is on memory, not on memory plus swap: a hog must meet the OOM killer,
        // not page out.
        if (file_exists(dir + "/memory.swap.max")) write_cgroup_file(dir + "/memory.swap.max", "0");
    }
    if (l.pids && has(ctrls, "pids")) write_cgroup_file(dir + "/pids.max", std::to_string(*l.pids));
    if (l.cpus && has(ctrls, "cpu"))
        write_cgroup_file(dir + "/cpu.max", std::to_string(cpu_quota_us(*l.cpus)) + " " + std::to_string(kCpuPeriodUs));
}

void write_limits_v1(const std::string& dir, const topo::Limits& l, const std::vector<std::string>& ctrls) {
    using sys::write_cgroup_file;
    if (l.memory && has(ctrls, "memory")) {
        write_cgroup_file(dir + "/memory.limit_in_bytes", std::to_string(*l.memory));
        if (file_exists(dir + "/memory.memsw.limit_in_bytes"))
            write_cgroup_file(dir + "/memory.memsw.limit_in_bytes", std::to_string(*l.memory));
    }
    if (l.pids && has(ctrls, "pids")) write_cgroup_file(dir + "/pids.max", std::to_string(*l.pids));
    if (l.cpus && has(ctrls, "cpu")) {
        write_cgroup_file(dir + "/cpu.cfs_period_us", std::to_string(kCpuPeriodUs));
        write_cgroup_file(dir + "/cpu.cfs_quota_us", std::to_string(cpu_quota_us(*l.cpus)));
    }
}

}  // namespace

CgroupHost probe_cgroups() {
    CgroupHost h;
    for (const auto& m : sys::cgroup_mounts()) {
        if (m.version == 2) {
            if (!h.v2.empty()) continue;
            h.v2 = m.path;
            try {
                std::string text = sys::read_file(m.path + "/cgroup.subtree_control");
                std::size_t pos = 0;
                while (pos < text.size()) {
                    auto end = text.find_first_of(" \n", pos);
                    if (end == std::string::npos) end = text.size();
                    if (end > pos) h.v2_enabled.push_back(text.substr(pos, end - pos));
                    pos = end + 1;
                }
            } catch (const SystemError&) {
            }
        } else {
            for (const auto& c : m.controllers)
                if (!h.v1.count(c)) h.v1[c] = m.path;
        }
    }
    return h;
}

std::vector<std::string> limit_controllers(const topo::Limits& l) {
    std::vector<std::string> out;
    if (l.memory) out.push_back("memory");
    if (l.pids) out.push_back("pids");
    if (l.cpus) out.push_back("cpu");
    return out;
}

bool needs_cgroup(const topo::Node& n) {
    return !n.limits.empty() || !(n.namespaces & topo::NS_PID) || (n.namespaces & topo::NS_CGROUP);
}

std::string cgroup_mode(const CgroupHost& host, const topo::Node& n) {
    if (!needs_cgroup(n)) return "";
    auto ctrls = limit_controllers(n.limits);
    if (ctrls.empty()) return host.v2.empty() ? "v1" : "v2";
    bool v2 = false, v1 = false;
    for (const auto& c : ctrls) (on_v2(host, c) ? v2 : v1) = true;
    return v1 && v2 ? "v1+v2" : v2 ? "v2" : "v1";
}

std::vector<std::string> create_node_cgroups(const std::vector<LabHierarchy>& labs, const CgroupHost& host,
                                             const topo::Node& n) {
    (void)host;
    std::vector<std::string> dirs;
    for (const auto& h : labs) {
        std::string dir = h.dir + "/" + n.name;
        if (::mkdir(dir.c_str(), 0755) < 0) throw SystemError("create cgroup " + dir, errno);
        dirs.push_back(dir);
        if (h.version == 2)
            write_limits_v2(dir, n.limits, h.controllers);
        else
            write_limits_v1(dir, n.limits, h.controllers);
    }
    return dirs;
}

void attach_cgroups(const std::vector<std::string>& dirs, pid_t pid) {
    for (const auto& dir : dirs) sys::write_cgroup_file(dir + "/cgroup.procs", std::to_string(pid));
}

}  // namespace nslab::node
