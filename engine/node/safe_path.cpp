#include "node/safe_path.hpp"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <vector>

#include "sys/fd.hpp"
#include "util/error.hpp"

namespace nslab::node {

namespace {

constexpr std::uint64_t kResolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV;

int openat2_in(int dirfd, const std::string& path, std::uint64_t flags, std::uint64_t mode) {
    open_how how{};
    how.flags = flags | O_CLOEXEC;
    how.mode = mode;
    how.resolve = kResolve;
    int fd;
    do fd = static_cast<int>(::syscall(SYS_openat2, dirfd, path.c_str(), &how, sizeof how));
    while (fd < 0 && errno == EAGAIN);
    return fd;
}

[[noreturn]] void fail(const std::string& shown, int err) {
    std::string why;
    if (err == EXDEV) why = "the path leads into another filesystem (/proc, /sys, /dev, /tmp or another private dir)";
    else if (err == ELOOP) why = "the file is a symlink; nslab does not write through symlinks";
    throw SystemError("write " + shown, err, why);
}

}  // namespace

void write_beneath(const std::string& base, const std::string& rel, const std::string& content,
                   const std::string& shown) {
    sys::Fd root(::open(base.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!root) fail(shown, errno);
    std::vector<std::string> parts;
    for (std::size_t pos = 0; pos < rel.size();) {
        auto end = rel.find('/', pos);
        if (end == std::string::npos) end = rel.size();
        if (end > pos) parts.push_back(rel.substr(pos, end - pos));
        pos = end + 1;
    }
    if (parts.empty()) fail(shown, EISDIR);
    // Each parent is looked up from the base as a whole, so a symlink among them resolves
    // inside the base and never above it.
    sys::Fd parent(::dup(root.get()));
    std::string prefix;
    for (std::size_t i = 0; i + 1 < parts.size(); ++i) {
        prefix += (prefix.empty() ? "" : "/") + parts[i];
        int fd = openat2_in(root.get(), prefix, O_PATH | O_DIRECTORY, 0);
        if (fd < 0 && errno == ENOENT) {
            if (::mkdirat(parent.get(), parts[i].c_str(), 0755) < 0 && errno != EEXIST) fail(shown, errno);
            fd = openat2_in(root.get(), prefix, O_PATH | O_DIRECTORY, 0);
        }
        if (fd < 0) fail(shown, errno);
        parent.reset(fd);
    }
    sys::Fd out(openat2_in(root.get(), rel, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW, 0644));
    if (!out) fail(shown, errno);
    std::size_t off = 0;
    while (off < content.size()) {
        ssize_t n = ::write(out.get(), content.data() + off, content.size() - off);
        if (n < 0) {
            if (errno == EINTR) continue;
            fail(shown, errno);
        }
        off += static_cast<std::size_t>(n);
    }
}

}  // namespace nslab::node
