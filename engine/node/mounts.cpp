#include "node/mounts.hpp"

#include <fcntl.h>
#include <sys/mount.h>
#include <unistd.h>

#include <cerrno>

#include "node/safe_path.hpp"
#include "sys/fd.hpp"
#include "sys/files.hpp"
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

void make_private_dirs_and_files(const topo::Node& node, std::string& step) {
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
