#include "sys/files.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "sys/fd.hpp"
#include "util/error.hpp"

namespace nslab::sys {

Pipe make_pipe(int extra_flags) {
    int fds[2];
    check(::pipe2(fds, O_CLOEXEC | extra_flags), "pipe2");
    return Pipe{Fd(fds[0]), Fd(fds[1])};
}

std::string read_file(const std::string& path) {
    Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) throw SystemError("read " + path, errno);
    std::string out;
    char buf[65536];
    for (;;) {
        ssize_t n = ::read(fd.get(), buf, sizeof buf);
        if (n < 0) {
            if (errno == EINTR) continue;
            throw SystemError("read " + path, errno);
        }
        if (n == 0) break;
        out.append(buf, static_cast<std::size_t>(n));
    }
    return out;
}

void write_file_atomic(const std::string& path, const std::string& content, unsigned mode) {
    // A name nobody can guess, created exclusively: in a shared directory such as /tmp another
    // user could otherwise plant the temporary file (or a symlink) first.
    std::string tmp = path + ".tmp.XXXXXX";
    {
        Fd fd(::mkostemp(tmp.data(), O_CLOEXEC));
        if (!fd) throw SystemError("write " + path + ".tmp.*", errno);
        if (::fchmod(fd.get(), mode) < 0) {
            int e = errno;
            ::unlink(tmp.c_str());
            throw SystemError("chmod " + tmp, e);
        }
        const char* p = content.data();
        std::size_t left = content.size();
        while (left > 0) {
            ssize_t n = ::write(fd.get(), p, left);
            if (n < 0) {
                if (errno == EINTR) continue;
                int e = errno;
                ::unlink(tmp.c_str());
                throw SystemError("write " + tmp, e);
            }
            p += n;
            left -= static_cast<std::size_t>(n);
        }
    }
    if (::rename(tmp.c_str(), path.c_str()) < 0) {
        int e = errno;
        ::unlink(tmp.c_str());
        throw SystemError("rename " + tmp + " to " + path, e);
    }
}

std::vector<std::string> mkdir_p(const std::string& path, unsigned mode) {
    std::vector<std::string> made;
    std::string cur;
    std::size_t pos = 0;
    while (pos < path.size()) {
        std::size_t next = path.find('/', pos + 1);
        cur = path.substr(0, next);
        pos = next == std::string::npos ? path.size() : next;
        if (cur.empty() || cur == "/") continue;
        if (::mkdir(cur.c_str(), mode) == 0) {
            made.push_back(cur);
        } else if (errno != EEXIST) {
            throw SystemError("mkdir " + cur, errno);
        }
    }
    return made;
}

void remove_tree(const std::string& path) {
    DIR* d = ::opendir(path.c_str());
    if (!d) {
        if (errno == ENOENT) return;
        if (errno == ENOTDIR) {
            if (::unlink(path.c_str()) < 0 && errno != ENOENT) throw SystemError("unlink " + path, errno);
            return;
        }
        throw SystemError("opendir " + path, errno);
    }
    std::vector<std::pair<std::string, bool>> entries;
    while (dirent* e = ::readdir(d)) {
        if (!std::strcmp(e->d_name, ".") || !std::strcmp(e->d_name, "..")) continue;
        entries.emplace_back(e->d_name, e->d_type == DT_DIR);
    }
    ::closedir(d);
    for (auto& [name, is_dir] : entries) {
        std::string child = path + "/" + name;
        if (is_dir) {
            remove_tree(child);
        } else if (::unlink(child.c_str()) < 0 && errno != ENOENT) {
            throw SystemError("unlink " + child, errno);
        }
    }
    if (::rmdir(path.c_str()) < 0 && errno != ENOENT) throw SystemError("rmdir " + path, errno);
}

bool exists(const std::string& path) {
    struct stat st;
    return ::lstat(path.c_str(), &st) == 0;
}

std::vector<std::string> split_lines(const std::string& text) {
    std::vector<std::string> out;
    std::size_t pos = 0;
    while (pos < text.size()) {
        std::size_t nl = text.find('\n', pos);
        if (nl == std::string::npos) nl = text.size();
        out.push_back(text.substr(pos, nl - pos));
        pos = nl + 1;
    }
    return out;
}

std::vector<std::string> list_dir(const std::string& path) {
    std::vector<std::string> out;
    DIR* d = ::opendir(path.c_str());
    if (!d) return out;
    while (dirent* e = ::readdir(d)) {
        if (!std::strcmp(e->d_name, ".") || !std::strcmp(e->d_name, "..")) continue;
        out.emplace_back(e->d_name);
    }
    ::closedir(d);
    return out;
}

}  // namespace nslab::sys
