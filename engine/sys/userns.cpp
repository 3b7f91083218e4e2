#include "sys/userns.hpp"

#include <fcntl.h>
#include <pwd.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <sstream>

#include "sys/fd.hpp"
#include "sys/files.hpp"
#include "sys/process.hpp"
#include "util/error.hpp"

extern char** environ;

namespace nslab::sys {

namespace {

constexpr const char* kNewUidMap = "/usr/bin/newuidmap";
constexpr const char* kNewGidMap = "/usr/bin/newgidmap";

std::string user_name(uid_t uid) {
    passwd pw{}, *res = nullptr;
    char buf[4096];
    if (::getpwuid_r(uid, &pw, buf, sizeof buf, &res) == 0 && res) return res->pw_name;
    return {};
}

std::string read_or_empty(const std::string& path) {
    try {
        return read_file(path);
    } catch (const std::exception&) {
        return {};
    }
}

void write_proc(pid_t pid, const char* file, const std::string& text) {
    std::string path = "/proc/" + std::to_string(pid) + "/" + file;
    Fd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
    if (!fd) throw SystemError("open " + path, errno);
    if (::write(fd.get(), text.data(), text.size()) != static_cast<ssize_t>(text.size()))
        throw SystemError("write " + path, errno, text);
}

std::string map_text(const std::vector<IdRange>& ranges) {
    std::string s;
    for (const auto& r : ranges) s += std::to_string(r.inside) + " " + std::to_string(r.outside) + " " + std::to_string(r.count) + "\n";
    return s;
}

// newuidmap PID inside outside count ...: a setuid helper that checks /etc/subuid itself.
void run_helper(const char* helper, pid_t pid, const std::vector<IdRange>& ranges) {
    std::vector<std::string> args = {helper, std::to_string(pid)};
    for (const auto& r : ranges) {
        args.push_back(std::to_string(r.inside));
        args.push_back(std::to_string(r.outside));
        args.push_back(std::to_string(r.count));
    }
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    int pidfd = -1;
    pid_t child = clone_process(0, &pidfd);
    if (child == 0) {
        ::execve(argv[0], argv.data(), environ);
        _exit(127);
    }
    Fd keep(pidfd);
    int code = wait_exit_code(child);
    if (code != 0)
        throw Error(std::string(helper) + " " + std::to_string(pid) + " failed with exit code " + std::to_string(code) +
                    " (check the user's entries in /etc/subuid and /etc/subgid)");
}

}  // namespace

bool rootless() {
    // Root of a user namespace (the keeper of a rootless lab) is not the host's root either:
    // only the initial namespace maps every id onto itself.
    static const bool value = [] {
        if (::geteuid() != 0) return true;
        std::string map = read_or_empty("/proc/self/uid_map");
        unsigned long in = 1, out = 1, count = 0;
        std::istringstream(map) >> in >> out >> count;
        return !(in == 0 && out == 0 && count == 4294967295UL);
    }();
    return value;
}

bool find_subordinate(const std::string& text, const std::string& user, unsigned long id, IdRange& out) {
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) {
        if (line.empty() || line[0] == '#') continue;
        auto a = line.find(':');
        auto b = a == std::string::npos ? a : line.find(':', a + 1);
        if (b == std::string::npos) continue;
        std::string who = line.substr(0, a);
        if (who != user && who != std::to_string(id)) continue;
        char* end = nullptr;
        unsigned long start = std::strtoul(line.c_str() + a + 1, &end, 10);
        if (end != line.c_str() + b) continue;
        unsigned long count = std::strtoul(line.c_str() + b + 1, &end, 10);
        if (count == 0) continue;
        out = {1, start, count};
        return true;
    }
    return false;
}

IdMapPlan plan_id_maps() {
    IdMapPlan p;
    uid_t uid = ::geteuid();
    gid_t gid = ::getegid();
    p.uids.push_back({0, uid, 1});
    p.gids.push_back({0, gid, 1});
    std::string name = user_name(uid);
    IdRange su, sg;
    bool have_u = find_subordinate(read_or_empty("/etc/subuid"), name, uid, su);
    bool have_g = find_subordinate(read_or_empty("/etc/subgid"), name, uid, sg);
    bool helpers = ::access(kNewUidMap, X_OK) == 0 && ::access(kNewGidMap, X_OK) == 0;
    if (have_u && have_g && helpers) {
        p.uids.push_back(su);
        p.gids.push_back(sg);
        p.subordinate = true;
    } else if (!have_u || !have_g) {
        p.why_single = "no subordinate ids for " + (name.empty() ? std::to_string(uid) : name) + " in /etc/subuid and /etc/subgid";
    } else {
        p.why_single = "newuidmap/newgidmap are not installed (Debian package uidmap)";
    }
    return p;
}

bool single_id_namespace() {
    if (!rootless()) return false;
    std::string map = read_or_empty("/proc/self/uid_map");
    std::istringstream in(map);
    unsigned long a, b, count, total = 0;
    while (in >> a >> b >> count) total += count;
    return total == 1;
}

unsigned long highest_mapped_gid() {
    // Cached: node inits are forks of the keeper, which asks once before making them.
    static const unsigned long value = [] {
    std::istringstream in(read_or_empty("/proc/self/gid_map"));
    std::vector<IdRange> ranges;
    IdRange r;
    while (in >> r.inside >> r.outside >> r.count) ranges.push_back(r);
    unsigned long next = 0;  // first gid not yet known to be mapped
    for (bool grew = true; grew;) {
        grew = false;
        for (const auto& x : ranges)
            if (x.inside <= next && x.inside + x.count > next) {
                next = x.inside + x.count;
                grew = true;
            }
    }
    return next == 0 ? 0 : std::min(next - 1, 2147483647UL);
    }();
    return value;
}

void write_id_maps(pid_t pid, const IdMapPlan& plan) {
    if (plan.subordinate) {
        run_helper(kNewUidMap, pid, plan.uids);
        run_helper(kNewGidMap, pid, plan.gids);
        return;
    }
    // Without a helper an unprivileged process may map only its own ids, and only after
    // giving up setgroups(2) in the namespace (or it could drop a group that denies it access).
    write_proc(pid, "setgroups", "deny");
    write_proc(pid, "uid_map", map_text(plan.uids));
    write_proc(pid, "gid_map", map_text(plan.gids));
}

}  // namespace nslab::sys
