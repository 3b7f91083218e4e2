#include "node/mounts.hpp"

#include <fcntl.h>
#include <sys/mount.h>
#include <unistd.h>

#include <cerrno>

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

void write_file(const std::string& path, const std::string& content, std::string& step) {
    step = "write " + path;
    auto slash = path.rfind('/');
    if (slash > 0) sys::mkdir_p(path.substr(0, slash));
    // The directories were made by us on a fresh tmpfs, so nothing on the way is a symlink;
    // O_NOFOLLOW still refuses one at the last component.
    sys::Fd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644));
    if (!fd) throw SystemError(step, errno);
    std::size_t off = 0;
    while (off < content.size()) {
        ssize_t n = ::write(fd.get(), content.data() + off, content.size() - off);
        if (n < 0) throw SystemError(step, errno);
        off += static_cast<std::size_t>(n);
    }
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

    if (node.namespaces & topo::NS_PID)
        do_mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr, step);
    // sysfs shows the network devices of the namespace that mounts it: ours.
    do_mount("sysfs", "/sys", "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr, step);
    do_mount("tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777", step);

    for (const auto& dir : node.private_dirs) {
        step = "create private dir " + dir;
        // A directory missing on the host is created there (empty, like Mininet does); what the
        // node writes into it stays on the node's tmpfs.
        sys::mkdir_p(dir);
        do_mount("tmpfs", dir, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755", step);
    }
    for (const auto& [path, content] : node.files) write_file(path, content, step);
}

}  // namespace nslab::node
