#include "node/rootfs.hpp"

#include <fcntl.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstring>

#include "sys/fd.hpp"
#include "util/error.hpp"

namespace nslab::node {

namespace {

std::string fd_path(int fd) { return "/proc/self/fd/" + std::to_string(fd); }

std::string quoted(const std::string& s) { return "\"" + s + "\""; }

// The host's kernel filesystems: nothing in them, or on them, is a root filesystem.
const char* const kKernelDirs[] = {"/proc", "/sys", "/dev"};
// Top-level directories of the host's own system. Only each one itself is refused: below them
// (/var/lib/machines, /srv, /tmp, /home) is where prepared root filesystems usually are. Not
// /mnt or /media: a root filesystem image is often mounted right there.
const char* const kSystemDirs[] = {"/etc", "/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/boot",
                                   "/var", "/run", "/root", "/home", "/opt", "/srv", "/tmp"};

bool same_file(const struct stat& a, const struct stat& b) { return a.st_dev == b.st_dev && a.st_ino == b.st_ino; }

// Where the directory behind `fd` is, as the kernel names it (symlinks and ".." resolved).
std::string real_path(int fd) {
    char buf[PATH_MAX];
    ssize_t n = ::readlink(fd_path(fd).c_str(), buf, sizeof buf);
    return n < 0 ? std::string("(unknown)") : std::string(buf, static_cast<std::size_t>(n));
}

bool at_or_below(const std::string& path, const std::string& dir) {
    return path.compare(0, dir.size(), dir) == 0 && (path.size() == dir.size() || path[dir.size()] == '/');
}

// Why the directory behind `fd` must not become a node's "/", or "" when it may. Identities
// (device and inode) rather than names are compared, so a bind mount of / or /etc elsewhere is
// found as well as a symlink.
std::string refusal(int fd) {
    struct stat st {}, root {}, other {};
    if (::fstat(fd, &st) < 0 || ::stat("/", &root) < 0) return "";
    const std::string real = real_path(fd);
    if (same_file(st, root)) return "it resolves to " + quoted(real) + ", the host's own root";
    for (const char* dir : kKernelDirs) {
        // On the filesystem of the host's /dev (when /dev has one of its own, not a directory
        // of the root filesystem) is inside it, wherever that is mounted too.
        bool on_it = ::stat(dir, &other) == 0 && other.st_dev != root.st_dev && other.st_dev == st.st_dev;
        if (on_it || at_or_below(real, dir)) return "it resolves to " + quoted(real) + ", inside the host's " + dir;
    }
    // Another mount of proc or sysfs, a container's say.
    struct statfs fs {};
    if (::fstatfs(fd, &fs) == 0 && (fs.f_type == PROC_SUPER_MAGIC || fs.f_type == SYSFS_MAGIC))
        return "it resolves to " + quoted(real) + ", on a proc or sysfs filesystem";
    for (const char* dir : kSystemDirs)
        if (::stat(dir, &other) == 0 && same_file(st, other))
            return "it resolves to " + quoted(real) + ", the host's system directory " + dir;
    return "";
}

// A top-level directory of the rootfs, made if missing. It must be a real directory: a
// symlink there could point a mount at any path of the host while the host's tree is still
// our root.
sys::Fd own_dir(int root, const std::string& rootfs, const char* name, mode_t mode, std::string& step) {
    step = "prepare " + rootfs + "/" + name;
    if (::mkdirat(root, name, mode) < 0 && errno != EEXIST) throw SystemError(step, errno);
    sys::Fd fd(::openat(root, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!fd) {
        int e = errno;
        throw SystemError(step, e, e == ENOTDIR || e == ELOOP ? std::string("/") + name + " must be a directory, not a symlink or a file" : "");
    }
    return fd;
}

// Mounts on the directory an O_PATH fd names (through its /proc/self/fd link), so the target
// is exactly the directory checked, whatever happens to its path meanwhile.
void mount_on(int fd, const char* src, const char* type, unsigned long flags, const char* data, const std::string& step) {
    if (::mount(src, fd_path(fd).c_str(), type, flags, data) < 0) throw SystemError(step, errno);
}

// The device nodes programs expect, bound from the host's /dev (a node cannot mknod them
// usefully, and binding keeps the host's permissions).
void populate_dev(int root, const std::string& rootfs, std::string& step) {
    sys::Fd dev(::openat(root, "dev", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));  // the tmpfs now
    if (!dev) throw SystemError("open " + rootfs + "/dev", errno);
    for (const char* name : {"null", "zero", "full", "random", "urandom", "tty"}) {
        step = std::string("bind /dev/") + name + " into " + rootfs + "/dev";
        sys::Fd f(::openat(dev.get(), name, O_CREAT | O_EXCL | O_RDONLY | O_NOFOLLOW | O_CLOEXEC, 0666));
        if (!f) throw SystemError(step, errno);
        std::string host = std::string("/dev/") + name;
        if (::mount(host.c_str(), fd_path(f.get()).c_str(), nullptr, MS_BIND, nullptr) < 0) throw SystemError(step, errno);
    }
    step = "populate " + rootfs + "/dev";
    const std::pair<const char*, const char*> links[] = {
        {"/proc/self/fd", "fd"}, {"/proc/self/fd/0", "stdin"}, {"/proc/self/fd/1", "stdout"}, {"/proc/self/fd/2", "stderr"}};
    for (const auto& [target, name] : links)
        if (::symlinkat(target, dev.get(), name) < 0) throw SystemError(step, errno);
    for (const char* name : {"shm", "pts"})
        if (::mkdirat(dev.get(), name, 01777) < 0) throw SystemError(step, errno);
}

}  // namespace

sys::Fd open_rootfs(const std::string& rootfs) {
    const std::string op = "open rootfs " + quoted(rootfs);
    open_how how{};
    how.flags = O_PATH | O_DIRECTORY | O_CLOEXEC;
    how.resolve = RESOLVE_NO_MAGICLINKS;
    sys::Fd fd(static_cast<int>(::syscall(SYS_openat2, AT_FDCWD, rootfs.c_str(), &how, sizeof how)));
    if (!fd && errno == ENOSYS)  // before Linux 5.6; the identity checks below still hold
        fd.reset(::open(rootfs.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!fd) {
        int e = errno;
        // ELOOP is also a symlink loop; only a magic link opens without RESOLVE_NO_MAGICLINKS.
        if (e == ELOOP && sys::Fd(::open(rootfs.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC)))
            throw SystemError(op, e, "it passes through a /proc magic link (such as /proc/<pid>/root), which can "
                                     "lead anywhere, the host's root included; give the directory itself");
        throw SystemError(op, e);
    }
    if (std::string why = refusal(fd.get()); !why.empty())
        throw SystemError("check rootfs " + quoted(rootfs), EPERM, why + "; give a prepared root filesystem directory");
    return fd;
}

void check_rootfs(const topo::Node& node) {
    if (node.rootfs.empty()) return;
    try {
        (void)open_rootfs(node.rootfs);
    } catch (const SystemError& e) {
        throw Error("node " + node.name + " (" + node.pointer + "/rootfs): " + e.op() + ": " +
                        (e.detail().empty() ? std::strerror(e.err()) : e.detail()),
                    {node.name, node.pointer + "/rootfs", "check rootfs"});
    }
}

void enter_rootfs(const std::string& rootfs, std::string& step) {
    // Checked again here, where it counts: the keeper's check is for a fast, clear failure,
    // but the path may have changed since. From here on only this fd is used, never the path.
    step = "open rootfs " + rootfs;
    sys::Fd checked = open_rootfs(rootfs);
    step = "bind rootfs " + rootfs + " onto itself";
    // pivot_root wants a mount point. A clone of the checked directory's mounts, attached onto
    // that directory, makes one, and the clone's fd is the root of the new mount: reopening the
    // path (or its /proc/self/fd link) would give the directory below the mount instead.
    sys::Fd root(::open_tree(checked.get(), "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE | AT_EMPTY_PATH));
    if (!root) throw SystemError(step, errno);
    if (::move_mount(root.get(), "", checked.get(), "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
        throw SystemError(step, errno);
    // Private keeps the host's later mounts out of the node.
    mount_on(root.get(), nullptr, nullptr, MS_PRIVATE | MS_REC, nullptr, step);

    {
        sys::Fd proc = own_dir(root.get(), rootfs, "proc", 0555, step);
        step = "mount proc on " + rootfs + "/proc";
        mount_on(proc.get(), "proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr, step);
        sys::Fd sysfs = own_dir(root.get(), rootfs, "sys", 0555, step);
        step = "mount sysfs on " + rootfs + "/sys";
        mount_on(sysfs.get(), "sysfs", "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr, step);
        sys::Fd tmp = own_dir(root.get(), rootfs, "tmp", 01777, step);
        step = "mount tmpfs on " + rootfs + "/tmp";
        mount_on(tmp.get(), "tmpfs", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777", step);
        sys::Fd dev = own_dir(root.get(), rootfs, "dev", 0755, step);
        step = "mount tmpfs on " + rootfs + "/dev";
        mount_on(dev.get(), "tmpfs", "tmpfs", MS_NOSUID | MS_NOEXEC, "mode=755,size=64k", step);
    }
    populate_dev(root.get(), rootfs, step);

    step = "pivot_root into " + rootfs;
    if (::fchdir(root.get()) < 0) throw SystemError(step, errno);
    // pivot_root(".", ".") stacks the old root on top of the new one; unmounting "." then
    // takes the old root (and every host mount below it) out of the node's view.
    if (::syscall(SYS_pivot_root, ".", ".") < 0) throw SystemError(step, errno);
    step = "unmount the host's root in " + rootfs;
    if (::umount2(".", MNT_DETACH) < 0) throw SystemError(step, errno);
    if (::chdir("/") < 0) throw SystemError(step, errno);
}

}  // namespace nslab::node
