#include "lab/cgroups.hpp"

#include <linux/magic.h>
#include <sys/mount.h>
#include <sys/statfs.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <climits>
#include <cstring>
#include <cstdlib>
#include <set>
#include <thread>

#include "lab/cgroup_claim.hpp"
#include "lab/paths.hpp"
#include "lab/pins.hpp"
#include "sys/cgroupfs.hpp"
#include "sys/files.hpp"
#include "sys/mount.hpp"
#include "sys/userns.hpp"
#include "util/error.hpp"

namespace nslab::lab {

namespace {

bool has(const std::vector<std::string>& v, const std::string& s) { return std::find(v.begin(), v.end(), s) != v.end(); }

std::string own_mount_dir() { return run_dir() + "/.cgroup"; }
std::string marker(const std::string& mountpoint) { return mountpoint + ".made-by-nslab"; }

std::string join(const std::string& mount, const std::string& cg) { return cg == "/" ? mount : mount + cg; }

// "<mount><keeper's cgroup>" for a v1 hierarchy, "<mount>" for v2; nslab/ goes below.
std::string base_of(int version, const std::string& mount, const std::string& ctrl) {
    return version == 2 ? mount : join(mount, sys::own_cgroup(ctrl));
}

std::string mount_v1(const std::string& ctrl) {
    std::string dir = own_mount_dir() + "/" + ctrl;
    sys::mkdir_p(dir, 0700);
    if (::mount("cgroup", dir.c_str(), "cgroup", MS_NOSUID | MS_NODEV | MS_NOEXEC, ctrl.c_str()) < 0)
        throw SystemError("mount the cgroup v1 " + ctrl + " hierarchy on " + dir, errno);
    sys::write_file_atomic(marker(dir), "mount\n");
    return dir;
}

// Unmounts the v1 hierarchies nslab mounted once no lab has a directory in them.
void unmount_unused() {
    for (const auto& name : sys::list_dir(own_mount_dir())) {
        std::string dir = own_mount_dir() + "/" + name;
        if (name.find('.') != std::string::npos || !sys::exists(marker(dir))) continue;
        // Mounted in another mount namespace (a keeper started there): that one's business.
        if (!sys::is_mountpoint(dir)) continue;
        if (!sys::cgroup_children(dir + "/nslab").empty()) continue;
        ::rmdir((dir + "/nslab").c_str());
        if (::umount2(dir.c_str(), MNT_DETACH) < 0 && errno != EINVAL) continue;
        ::rmdir(dir.c_str());
        ::unlink(marker(dir).c_str());
    }
    ::rmdir(own_mount_dir().c_str());
}

}  // namespace

LabCgroups::LabCgroups(const std::string& lab, const topo::Model& m) {
    std::set<std::string> needed;  // controllers the limits need
    bool any = false;
    for (const auto& n : m.nodes) {
        if (!node::needs_cgroup(n)) continue;
        // The host's cgroup tree belongs to root; a user namespace gives no right to it.
        if (sys::rootless())
            throw Error("node " + n.name + " (" + n.pointer + "): " +
                        (!n.limits.empty() ? std::string("limits need") : std::string("a node without a pid namespace, or with a cgroup namespace, needs")) +
                        " a cgroup of its own, which a lab run without root cannot create; run this lab as root",
                        {n.name, n.pointer, "cgroups"});
        any = true;
        for (const auto& c : node::limit_controllers(n.limits)) needed.insert(c);
    }
    if (!any) return;
    host_ = node::probe_cgroups();

    std::vector<std::string> v2_ctrls;
    std::set<std::string> v1_ctrls;
    for (const auto& c : needed) {
        if (!host_.v2.empty() && has(host_.v2_enabled, c))
            v2_ctrls.push_back(c);
        else
            v1_ctrls.insert(c);
    }
    // Without cgroup2, a node that needs a cgroup only to be found again still joins one.
    if (host_.v2.empty() && v1_ctrls.empty()) {
        if (host_.v1.count("pids")) v1_ctrls.insert("pids");
        else if (!host_.v1.empty()) v1_ctrls.insert(host_.v1.begin()->first);
        else throw Error("lab " + lab + ": a node needs a cgroup, and this host has no cgroup filesystem mounted");
    }

    GlobalLock lock;  // another lab may be removing the shared nslab/ parents right now
    auto make = [&](int version, const std::string& base, std::vector<std::string> ctrls) {
        std::string parent = base + "/nslab", dir = parent + "/" + lab;
        if (::mkdir(parent.c_str(), 0755) < 0 && errno != EEXIST) throw SystemError("create cgroup " + parent, errno);
        if (version == 2 && !ctrls.empty()) {
            std::string enable;
            for (const auto& c : ctrls) enable += (enable.empty() ? "+" : " +") + c;
            sys::write_cgroup_file(parent + "/cgroup.subtree_control", enable);
            if (::mkdir(dir.c_str(), 0755) < 0) throw SystemError("create cgroup " + dir, errno);
            dirs_.push_back(dir);
            claim_cgroup(dir);
            sys::write_cgroup_file(dir + "/cgroup.subtree_control", enable);
        } else {
            if (::mkdir(dir.c_str(), 0755) < 0) throw SystemError("create cgroup " + dir, errno);
            dirs_.push_back(dir);
            claim_cgroup(dir);
        }
        labs_.push_back({version, dir, std::move(ctrls)});
    };
    try {
        if (!host_.v2.empty()) make(2, host_.v2, v2_ctrls);
        std::set<std::string> mounts_done;
        for (const auto& c : v1_ctrls) {
            std::string mount = host_.v1.count(c) ? host_.v1[c] : "";
            if (mount.empty()) {
                if (sys::exists(own_mount_dir() + "/" + c + "/cgroup.procs"))
                    mount = own_mount_dir() + "/" + c;
                else
                    mount = mount_v1(c);
                host_.v1[c] = mount;
            }
            if (!mounts_done.insert(mount).second) continue;  // co-mounted with one done already
            std::vector<std::string> ctrls;
            for (const auto& [ctrl, path] : host_.v1)
                if (path == mount) ctrls.push_back(ctrl);
            make(1, base_of(1, mount, c), ctrls);
        }
    } catch (...) {
        for (auto& d : dirs_) ::rmdir(d.c_str());
        dirs_.clear();
        throw;
    }
}

std::vector<std::string> LabCgroups::add_node(const topo::Node& n, pid_t pid) {
    if (!node::needs_cgroup(n) || labs_.empty()) return {};
    auto dirs = node::create_node_cgroups(labs_, host_, n);
    node::attach_cgroups(dirs, pid);
    return dirs;
}

bool remove_lab_cgroups(const std::vector<std::string>& lab_dirs, int timeout_ms) {
    if (lab_dirs.empty()) return true;
    for (const auto& d : lab_dirs) {
        if (::access(d.c_str(), W_OK) != 0) continue;
        try {
            sys::cgroup_kill(d);
        } catch (const std::exception&) {
        }
    }
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    bool clean = true;
    try {
        GlobalLock lock;
        for (const auto& d : lab_dirs) {
            // Another user's cgroup (root's, seen by a user) can never go: do not wait for it.
            if (::access(d.c_str(), W_OK) != 0) {
                clean = false;
                continue;
            }
            // A killed process leaves its cgroup when it exits; it need not be reaped first.
            while (!sys::remove_cgroup_tree(d) && std::chrono::steady_clock::now() < deadline) {
                sys::cgroup_kill(d);
                std::this_thread::sleep_for(std::chrono::milliseconds(5));
            }
            if (sys::exists(d)) clean = false;
            auto slash = d.rfind('/');
            ::rmdir(d.substr(0, slash).c_str());  // nslab/ itself, once no lab uses it
        }
        unmount_unused();
    } catch (const std::exception&) {
        return false;
    }
    return clean;
}

std::vector<std::string> find_lab_cgroups(const std::string& lab) {
    std::vector<std::string> out;
    if (!topo::valid_lab_name(lab)) return out;
    for (const auto& m : sys::cgroup_mounts()) {
        std::string dir = base_of(m.version, m.path, m.version == 2 ? "" : m.controllers[0]) + "/nslab/" + lab;
        if (sys::exists(dir) && !has(out, dir)) out.push_back(dir);
    }
    return out;
}

std::optional<std::string> trusted_lab_cgroup(const std::string& lab, const std::string& path) {
    auto refuse = [&](const std::string& why) -> std::optional<std::string> {
        throw Error("lab " + lab + ": its state names cgroup " + path + ", which " + why +
                    "; refusing to kill the processes it lists");
    };
    if (!topo::valid_lab_name(lab) || path.empty() || path[0] != '/') return refuse("is not an absolute path of a lab's cgroup");
    char buf[PATH_MAX];
    if (!::realpath(path.c_str(), buf)) {
        if (errno == ENOENT) return std::nullopt;  // removed already
        return refuse("cannot be resolved (" + std::string(std::strerror(errno)) + ")");
    }
    const std::string real = buf;
    if (!real.ends_with("/nslab/" + lab)) return refuse("resolves to " + real + ", not a directory nslab/" + lab);
    struct statfs fs{};
    if (::statfs(real.c_str(), &fs) < 0) return refuse("cannot be examined (" + std::string(std::strerror(errno)) + ")");
    if (fs.f_type != CGROUP2_SUPER_MAGIC && fs.f_type != CGROUP_SUPER_MAGIC)
        return refuse("is not on a cgroup filesystem");
    for (const auto& m : sys::cgroup_mounts())
        if (real.starts_with(m.path == "/" ? "/" : m.path + "/")) return real;
    return refuse("is not below any of this host's cgroup mounts");
}

std::vector<std::string> cgroup_lab_names() {
    std::set<std::string> names;
    for (const auto& m : sys::cgroup_mounts())
        for (const auto& n : sys::cgroup_children(base_of(m.version, m.path, m.version == 2 ? "" : m.controllers[0]) + "/nslab"))
            if (topo::valid_lab_name(n)) names.insert(n);
    return {names.begin(), names.end()};
}

}  // namespace nslab::lab
