#include "sys/mount.hpp"

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "sys/fd.hpp"
#include "util/error.hpp"

namespace nslab::sys {

bool is_mountpoint(const std::string& path) {
    // A mount point's mount id differs from its parent's; statx reports STATX_ATTR_MOUNT_ROOT.
    struct statx stx {};
    if (::statx(AT_FDCWD, path.c_str(), AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS, &stx) < 0) return false;
    return (stx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT) && (stx.stx_attributes & STATX_ATTR_MOUNT_ROOT);
}

void bind_file(const std::string& source, const std::string& target) {
    Fd fd(::open(target.c_str(), O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0444));
    if (!fd) throw SystemError("create " + target, errno);
    fd.reset();
    if (::mount(source.c_str(), target.c_str(), nullptr, MS_BIND, nullptr) < 0) {
        int e = errno;
        ::unlink(target.c_str());
        throw SystemError("bind-mount " + source + " on " + target, e);
    }
}

void unmount_and_remove(const std::string& target) {
    if (::umount2(target.c_str(), MNT_DETACH | UMOUNT_NOFOLLOW) < 0 && errno != EINVAL && errno != ENOENT)
        throw SystemError("unmount " + target, errno);
    if (::unlink(target.c_str()) < 0 && errno != ENOENT) throw SystemError("unlink " + target, errno);
}

}  // namespace nslab::sys
