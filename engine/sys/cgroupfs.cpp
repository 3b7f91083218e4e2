#include "sys/cgroupfs.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <algorithm>
#include <cstring>
#include <optional>
#include <sstream>

#include "sys/fd.hpp"
#include "sys/files.hpp"
#include "util/error.hpp"

namespace nslab::sys {

namespace {

std::vector<std::string> split(const std::string& s, char sep) {
    std::vector<std::string> out;
    std::string cur;
    std::istringstream is(s);
    while (std::getline(is, cur, sep)) out.push_back(cur);
    return out;
}

// mountinfo escapes blanks in paths as \040 and friends.
std::string unescape(const std::string& s) {
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '\\' && i + 3 < s.size()) {
            out += static_cast<char>(std::stoi(s.substr(i + 1, 3), nullptr, 8));
            i += 3;
        } else {
            out += s[i];
        }
    }
    return out;
}

const char* const kV1Controllers[] = {"cpu", "cpuacct", "cpuset", "memory", "devices", "freezer", "net_cls",
                                      "blkio", "perf_event", "net_prio", "hugetlb", "pids", "rdma", "misc"};

}  // namespace

std::vector<CgroupMount> cgroup_mounts() {
    std::vector<CgroupMount> out;
    std::istringstream in(read_file("/proc/self/mountinfo"));
    for (std::string line; std::getline(in, line);) {
        // id parent dev root mountpoint opts [optional...] - fstype source superopts
        auto dash = line.find(" - ");
        if (dash == std::string::npos) continue;
        auto left = split(line.substr(0, dash), ' ');
        auto right = split(line.substr(dash + 3), ' ');
        if (left.size() < 5 || right.size() < 3) continue;
        CgroupMount m;
        if (right[0] == "cgroup2") {
            m.version = 2;
        } else if (right[0] == "cgroup") {
            m.version = 1;
            for (const auto& opt : split(right[2], ','))
                for (const char* c : kV1Controllers)
                    if (opt == c) m.controllers.push_back(opt);
            if (m.controllers.empty()) continue;  // name=systemd and the like hold no controller
        } else {
            continue;
        }
        // A bind of a subtree (root field not "/") is not the hierarchy's root.
        if (left[3] != "/") continue;
        m.path = unescape(left[4]);
        out.push_back(std::move(m));
    }
    return out;
}

std::string own_cgroup(const std::string& controller) {
    std::string text;
    try {
        text = read_file("/proc/self/cgroup");
    } catch (const std::exception&) {
        return "/";
    }
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) {
        // hierarchy-id:controllers:path
        auto a = line.find(':'), b = line.find(':', a + 1);
        if (a == std::string::npos || b == std::string::npos) continue;
        std::string ctrls = line.substr(a + 1, b - a - 1), path = line.substr(b + 1);
        if (controller.empty() ? line.compare(0, a, "0") == 0 && ctrls.empty() : [&] {
                for (const auto& c : split(ctrls, ','))
                    if (c == controller) return true;
                return false;
            }())
            return path.empty() ? "/" : path;
    }
    return "/";
}

void write_cgroup_file(const std::string& path, const std::string& text) {
    Fd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
    if (!fd) throw SystemError("open " + path, errno);
    if (::write(fd.get(), text.data(), text.size()) < 0) throw SystemError("write \"" + text + "\" to " + path, errno);
}

bool cgroup_has_processes(const std::string& dir) {
    try {
        std::string procs = read_file(dir + "/cgroup.procs");
        return procs.find_first_not_of(" \n") != std::string::npos;
    } catch (const SystemError&) {
        return false;  // gone
    }
}

namespace {

// The PIDs in a cgroup.procs listing; nullopt when the cgroup is gone.
std::optional<std::vector<pid_t>> listed_pids(const std::string& dir) {
    std::string procs;
    try {
        procs = read_file(dir + "/cgroup.procs");
    } catch (const SystemError&) {
        return std::nullopt;
    }
    std::vector<pid_t> out;
    std::istringstream in(procs);
    // Never a group or "everyone" (kill(-1)): only a real cgroup lists real pids.
    for (pid_t pid; in >> pid;)
        if (pid > 0) out.push_back(pid);
    return out;
}

// At most this many pidfds open at once, so a crowded cgroup cannot run us out of descriptors.
constexpr std::size_t kKillBatch = 256;

// SIGKILLs the processes of `pids` (a listing of `dir`) that are still in it, by pidfd. A PID
// alone is not enough: one that exited after the listing may have been reused by a process
// anywhere on the host. So each PID gets a pidfd first, and the cgroup is listed again after.
// The order is what makes it sound: a pidfd never follows a reused PID, so when a PID shows in
// the second listing, the process behind the pidfd opened before either still lives, then it
// still holds that PID and is the process listed, in the cgroup; or it is dead, and the signal
// fails with ESRCH. (A pidfd opened after the listing could be the PID's next owner's.) Returns
// false when the cgroup is gone.
bool kill_still_listed(const std::string& dir, const std::vector<pid_t>& pids) {
    for (std::size_t at = 0; at < pids.size(); at += kKillBatch) {
        std::vector<std::pair<pid_t, Fd>> opened;
        for (std::size_t i = at; i < std::min(pids.size(), at + kKillBatch); ++i) {
            Fd fd(static_cast<int>(::syscall(SYS_pidfd_open, pids[i], 0)));
            if (fd) opened.emplace_back(pids[i], std::move(fd));  // else gone already
        }
        auto again = listed_pids(dir);
        if (!again) return false;
        std::sort(again->begin(), again->end());
        for (const auto& [pid, fd] : opened)
            if (std::binary_search(again->begin(), again->end(), pid))
                (void)::syscall(SYS_pidfd_send_signal, fd.get(), SIGKILL, nullptr, 0);
    }
    return true;
}

}  // namespace

void cgroup_kill(const std::string& dir) {
    if (::access((dir + "/cgroup.kill").c_str(), W_OK) == 0) {
        write_cgroup_file(dir + "/cgroup.kill", "1");
        return;
    }
    // v1 (and v2 before 5.14): a fork between listing and killing adds a process; repeat until
    // a pass finds none (a cgroup with a pids limit cannot fork forever).
    for (const auto& child : cgroup_children(dir)) cgroup_kill(dir + "/" + child);
    for (int pass = 0; pass < 100; ++pass) {
        auto pids = listed_pids(dir);
        if (!pids || pids->empty() || !kill_still_listed(dir, *pids)) return;
        ::usleep(1000);
    }
}

namespace {
// "id:controllers:path" lines by hierarchy key ("" for v2, else the first controller).
std::vector<std::pair<std::vector<std::string>, std::string>> cgroup_lines(const std::string& file) {
    std::vector<std::pair<std::vector<std::string>, std::string>> out;
    std::string text;
    try {
        text = read_file(file);
    } catch (const SystemError&) {
        return out;
    }
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) {
        auto a = line.find(':'), b = line.find(':', a + 1);
        if (a == std::string::npos || b == std::string::npos) continue;
        out.emplace_back(split(line.substr(a + 1, b - a - 1), ','), line.substr(b + 1));
    }
    return out;
}
}  // namespace

std::vector<std::string> cgroups_to_join(pid_t pid) {
    auto theirs = cgroup_lines("/proc/" + std::to_string(pid) + "/cgroup");
    auto mine = cgroup_lines("/proc/self/cgroup");
    std::vector<std::string> out;
    if (theirs == mine) return out;
    auto mounts = cgroup_mounts();
    for (const auto& [ctrls, path] : theirs) {
        if (std::find(mine.begin(), mine.end(), std::make_pair(ctrls, path)) != mine.end()) continue;
        for (const auto& m : mounts) {
            bool match = ctrls.empty() ? m.version == 2
                                       : m.version == 1 && std::find(m.controllers.begin(), m.controllers.end(), ctrls[0]) != m.controllers.end();
            if (!match) continue;
            out.push_back(path == "/" ? m.path : m.path + path);
            break;
        }
    }
    return out;
}

std::vector<std::string> cgroup_children(const std::string& dir) {
    std::vector<std::string> out;
    DIR* d = ::opendir(dir.c_str());
    if (!d) return out;
    while (dirent* e = ::readdir(d)) {
        if (e->d_type != DT_DIR || !std::strcmp(e->d_name, ".") || !std::strcmp(e->d_name, "..")) continue;
        out.emplace_back(e->d_name);
    }
    ::closedir(d);
    return out;
}

bool remove_cgroup_tree(const std::string& dir) {
    bool all = true;
    for (const auto& child : cgroup_children(dir)) all = remove_cgroup_tree(dir + "/" + child) && all;
    if (!all) return false;
    // A cgroup's files go with it: rmdir is the whole removal.
    if (::rmdir(dir.c_str()) == 0 || errno == ENOENT) return true;
    return false;
}

}  // namespace nslab::sys
