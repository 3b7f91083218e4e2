#include "lab/lab_lock.hpp"

#include <fcntl.h>
#include <sys/file.h>

#include <cerrno>

#include "lab/paths.hpp"
#include "util/error.hpp"

namespace nslab::lab {

LabLock::LabLock(const std::string& lab) {
    const std::string dir = lab_dir(lab);
    fd_.reset(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!fd_) throw SystemError("open " + dir + " to lock it", errno);
    while (::flock(fd_.get(), LOCK_EX) < 0)
        if (errno != EINTR) throw SystemError("flock " + dir, errno);
}

}  // namespace nslab::lab
