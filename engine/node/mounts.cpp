#include "node/mounts.hpp"

#include <fcntl.h>
#include <sys/mount.h>
#include <unistd.h>

#include <cerrno>

#include "node/rootfs.hpp"
#include "node/safe_path.hpp"
#include "sys/fd.hpp"
#include "sys/files.hpp"
#include "sys/mount.hpp"
#include "sys/userns.hpp"
#include "util/error.hpp"

namespace nslab::node {

namespace {

void do_mount(const char* src, const std::string& target, const char* type, unsigned long flags,
              const char* data, std::string& step) {
    step = std::string("mount ") + type + " on " + target;
    if (::mount(src, target.c_str(), type, flags, data) < 0) throw SystemError(step, errno);
}

// The private dir a file lies in (the innermost), or "/" for a file of the rootfs itself.
std::string base_of(const topo::Node& node, const std::string& path) {
    std::string best;
    for (const auto& d : node.private_dirs)
        if (path.size() > d.size() && path.compare(0, d.size(), d) == 0 && path[d.size()] == '/' && d.size() > best.size())
            best = d;
    return best.empty() ? "/" : best;
}

}  // namespace

void setup_mounts(const topo::Node& node, std::string& step) {
    const bool rootless = sys::rootless();
    // Slave first: only then may we unmount things without the unmount reaching the host.
    do_mount(nullptr, "/", "none", MS_REC | MS_SLAVE, nullptr, step);
    // Drop our copy of every namespace pin, so this node never keeps another node's
    // namespace alive and pins made later do not propagate into 1000 mount namespaces.
    // In a rootless lab the host's mounts are locked to us (EINVAL): the pins are root's, and
    // they can only keep root's namespaces alive, not ours.
    step = "detach /run/netns";
    if (sys::is_mountpoint("/run/netns") && ::umount2("/run/netns", MNT_DETACH) < 0 && !(errno == EINVAL && rootless))
        throw SystemError(step, errno);

    if (!node.rootfs.empty()) {
        enter_rootfs(node.rootfs, step);
    } else {
        if (node.namespaces & topo::NS_PID)
            do_mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr, step);
        // sysfs shows the network devices of the namespace that mounts it: ours.
        do_mount("sysfs", "/sys", "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr, step);
        do_mount("tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777", step);
    }

    for (const auto& dir : node.private_dirs) {
        step = "create private dir " + dir;
        // A directory missing on the host is created there (empty, like Mininet does); what the
        // node writes into it stays on the node's tmpfs.
        sys::mkdir_p(dir);
        do_mount("tmpfs", dir, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755", step);
    }
    for (const auto& [path, content] : node.files) {
        step = "write " + path;
        std::string base = base_of(node, path);
        write_beneath(base, path.substr(base == "/" ? 1 : base.size() + 1), content, path);
    }
}

}  // namespace nslab::node
