#include "node/rootfs.hpp"

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>

#include "sys/fd.hpp"
#include "util/error.hpp"

namespace nslab::node {

namespace {

std::string fd_path(int fd) { return "/proc/self/fd/" + std::to_string(fd); }

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

void enter_rootfs(const std::string& rootfs, std::string& step) {
    step = "bind rootfs " + rootfs + " onto itself";
    // pivot_root wants a mount point; a bind of the directory onto itself makes one, and
    // private keeps the host's later mounts out of the node.
    if (::mount(rootfs.c_str(), rootfs.c_str(), nullptr, MS_BIND | MS_REC, nullptr) < 0) throw SystemError(step, errno);
    if (::mount(nullptr, rootfs.c_str(), nullptr, MS_PRIVATE | MS_REC, nullptr) < 0) throw SystemError(step, errno);
    step = "open rootfs " + rootfs;
    sys::Fd root(::open(rootfs.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!root) throw SystemError(step, errno);

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
