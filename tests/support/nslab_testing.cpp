#include "nslab_testing.hpp"

#include <dirent.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

namespace nslab_testing {

std::string build_dir() { return NSLAB_BUILD_DIR; }
std::string source_dir() { return NSLAB_SOURCE_DIR; }
std::string lab_bin() { return build_dir() + "/cli/lab"; }
std::string keeper_bin() { return build_dir() + "/cli/nslab-keeper"; }

bool root_required() {
    const char* v = std::getenv("NSLAB_REQUIRE_ROOT");
    return v && std::string(v) == "1";
}

void reap() {
    while (::waitpid(-1, nullptr, WNOHANG) > 0) {}
}

namespace {

// stdout of a fixed command line (no user input reaches it); pclose waits for it.
std::string output_of(const std::string& cmdline) {
    std::string out;
    FILE* f = ::popen((cmdline + " 2>/dev/null").c_str(), "r");
    if (!f) return out;
    char buf[8192];
    std::size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) out.append(buf, n);
    ::pclose(f);
    return out;
}

std::vector<std::string> split_lines(const std::string& text) {
    std::vector<std::string> out;
    std::istringstream is(text);
    for (std::string l; std::getline(is, l);) out.push_back(l);
    return out;
}

// Python's " ".join(s.split()).
std::string squeeze(const std::string& s) {
    std::istringstream is(s);
    std::string w, out;
    while (is >> w) out += (out.empty() ? "" : " ") + w;
    return out;
}

// A JSON field as Python's f"{d.get(key, dflt)}" prints it (None when absent without default).
std::string field(const nlohmann::json& j, const char* key, const char* dflt = "None") {
    auto it = j.find(key);
    if (it == j.end()) return dflt;
    if (it->is_string()) return it->get<std::string>();
    if (it->is_null()) return "None";
    return it->dump();
}

std::string readlink_str(const std::string& p) {
    char buf[256];
    ssize_t n = ::readlink(p.c_str(), buf, sizeof buf - 1);
    if (n < 0) return {};
    buf[n] = 0;
    return buf;
}

struct Entry {
    std::string name;
    bool dir = false;   // a directory, or a symbolic link to one (os.walk's dirs)
    bool link = false;  // a symbolic link: listed, not walked into (os.walk's default)
};

std::vector<Entry> entries(const std::string& dir) {
    std::vector<Entry> out;
    DIR* d = ::opendir(dir.c_str());
    if (!d) return out;
    while (dirent* e = ::readdir(d)) {
        std::string n = e->d_name;
        if (n == "." || n == "..") continue;
        Entry en{n};
        struct stat st {};
        std::string p = dir + "/" + n;
        en.link = ::lstat(p.c_str(), &st) == 0 && S_ISLNK(st.st_mode);
        en.dir = ::stat(p.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
        out.push_back(en);
    }
    ::closedir(d);
    return out;
}

void links_and_addresses(std::vector<std::string>& links, std::vector<std::string>& addrs) {
    nlohmann::json j = nlohmann::json::parse(output_of("ip -j addr show"), nullptr, false);
    if (!j.is_array()) return;
    for (const auto& l : j) {
        links.push_back(field(l, "ifindex") + " " + field(l, "ifname") + " " + field(l, "link_type") + " " +
                        field(l, "address", "") + " master=" + field(l, "master", "") + " mtu=" + field(l, "mtu"));
        if (auto a = l.find("addr_info"); a != l.end() && a->is_array())
            for (const auto& x : *a) addrs.push_back(field(l, "ifname") + " " + field(x, "local") + "/" + field(x, "prefixlen"));
    }
}

std::vector<std::string> routes() {
    std::vector<std::string> out;
    for (const char* fam : {"-4", "-6"})
        for (const char* what : {" -o route show table all", " -o rule show"})
            for (const auto& l : split_lines(output_of(std::string("ip ") + fam + what)))
                // Cached PMTU entries and the like expire on their own; they carry "expires".
                if (l.find("expires") == std::string::npos && !squeeze(l).empty()) out.push_back(squeeze(l));
    return out;
}

std::vector<std::string> mounts() {
    std::vector<std::string> out;
    std::ifstream mi("/proc/self/mountinfo");
    for (std::string line; std::getline(mi, line);) {
        std::istringstream is(line);
        std::string f[5];
        for (auto& x : f) is >> x;
        out.push_back(f[3] + " " + f[4]);  // the mount's root and where it is
    }
    return out;
}

std::vector<std::string> netns() {
    std::vector<std::string> out;
    for (const auto& e : entries("/run/netns")) out.push_back(e.name);
    return out;
}

std::vector<std::string> files() {
    std::vector<std::string> out;
    std::function<void(const std::string&)> walk = [&](const std::string& dir) {
        for (const auto& e : entries(dir)) {
            out.push_back(dir + "/" + e.name + (e.dir ? "/" : ""));
            if (e.dir && !e.link) walk(dir + "/" + e.name);
        }
    };
    for (const char* top : {"/run/nslab", "/run/netns"}) walk(top);
    return out;
}

// Every cgroup directory with "nslab" in its name or below one, in cgroup v2 and every v1
// hierarchy, down to 6 levels below its mount (the deep system tree is not ours).
std::vector<std::string> cgroups() {
    std::vector<std::string> out, mounts_;
    std::ifstream mi("/proc/self/mountinfo");
    for (std::string line; std::getline(mi, line);) {
        auto sep = line.find(" - ");
        if (sep == std::string::npos) continue;
        std::istringstream right(line.substr(sep + 3)), left(line.substr(0, sep));
        std::string type, f[5];
        right >> type;
        for (auto& x : f) left >> x;
        if (type == "cgroup" || type == "cgroup2") mounts_.push_back(f[4]);
    }
    for (const auto& m : mounts_) {
        std::function<void(const std::string&, int, bool)> walk = [&](const std::string& dir, int depth, bool ours) {
            for (const auto& e : entries(dir)) {
                if (!e.dir) continue;
                bool mine = ours || e.name.find("nslab") != std::string::npos;
                if (mine) out.push_back(dir + "/" + e.name);
                if (depth + 1 < 6 && !e.link) walk(dir + "/" + e.name, depth + 1, mine);
            }
        };
        walk(m, 0, false);
    }
    return out;
}

// nslab's own processes, and every process in another PID namespace than ours (a node's).
// Zombies are left out: they hold nothing, and the test runner reaps them.
std::vector<std::string> processes() {
    std::vector<std::string> out;
    std::string own_ns = readlink_str("/proc/self/ns/pid");
    for (const auto& e : entries("/proc")) {
        const std::string& p = e.name;
        if (p.find_first_not_of("0123456789") != std::string::npos) continue;
        std::string stat;
        std::getline(std::ifstream("/proc/" + p + "/stat"), stat);
        auto open = stat.find('('), close = stat.rfind(')');
        if (open == std::string::npos || close == std::string::npos || close + 2 >= stat.size()) continue;
        std::string ns = readlink_str("/proc/" + p + "/ns/pid");
        if (ns.empty() || stat[close + 2] == 'Z') continue;  // gone meanwhile, or a zombie
        std::string comm = stat.substr(open + 1, close - open - 1);
        if (ns != own_ns || comm.rfind("nslab", 0) == 0) out.push_back(p + " " + comm);
    }
    return out;
}

std::vector<std::string> minus(const HostSnapshot& a, const HostSnapshot& b) {
    std::vector<std::string> out;
    for (const char* kind : kSnapshotKinds) {
        auto ia = a.kinds.find(kind), ib = b.kinds.find(kind);
        if (ia == a.kinds.end()) continue;
        std::set<std::string> other;
        if (ib != b.kinds.end()) other.insert(ib->second.begin(), ib->second.end());
        for (const auto& l : ia->second)
            if (!other.count(l)) out.push_back(std::string(kind) + ": " + l);
    }
    return out;
}

}  // namespace

HostSnapshot HostSnapshot::take() {
    HostSnapshot s;
    links_and_addresses(s.kinds["links"], s.kinds["addresses"]);
    s.kinds["routes"] = routes();
    s.kinds["netns"] = netns();
    s.kinds["mounts"] = mounts();
    s.kinds["files"] = files();
    s.kinds["cgroups"] = cgroups();
    s.kinds["processes"] = processes();
    for (auto& [_, v] : s.kinds) std::sort(v.begin(), v.end());
    return s;
}

std::vector<std::string> HostSnapshot::added(const HostSnapshot& before, const HostSnapshot& after) {
    return minus(after, before);
}

std::vector<std::string> HostSnapshot::removed(const HostSnapshot& before, const HostSnapshot& after) {
    return minus(before, after);
}

std::vector<std::string> HostSnapshot::lines() const {
    return minus(*this, HostSnapshot{});
}

}  // namespace nslab_testing
