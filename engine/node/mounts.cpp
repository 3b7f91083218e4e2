#include "node/mounts.hpp"

#include <fcntl.h>
#include <linux/mount.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <utility>
#include <vector>

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
    for (const auto& dir : node.private_dirs) {
        const std::string& d = dir.path;
        if (path.size() > d.size() && path.compare(0, d.size(), d) == 0 && path[d.size()] == '/' && d.size() > best.size())
            best = d;
    }
    return best.empty() ? "/" : best;
}

bool is_number(const std::string& s) {
    return !s.empty() && s.size() < 10 && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// The line of `file` (/etc/passwd or /etc/group: name:x:id:...) whose first field is `name`, as
// its fields. The node's own files (its rootfs's, or the host's), read directly: NSS would ask
// the host's services, which know nothing of a rootfs.
std::vector<std::string> entry_of(const std::string& file, const std::string& name) {
    for (const auto& line : sys::split_lines(sys::read_file(file))) {
        if (line.compare(0, name.size() + 1, name + ":") != 0) continue;
        std::vector<std::string> fields;
        std::size_t a = 0;
        for (std::size_t b; (b = line.find(':', a)) != std::string::npos; a = b + 1) fields.push_back(line.substr(a, b - a));
        fields.push_back(line.substr(a));
        return fields;
    }
    return {};
}

// "user[:group]" to ids; a user without a group gets its own primary group.
std::pair<unsigned, unsigned> owner_ids(const std::string& owner, std::string& step) {
    const auto colon = owner.find(':');
    const std::string user = owner.substr(0, colon), group = colon == std::string::npos ? "" : owner.substr(colon + 1);
    step = "look up owner " + owner + " in the node's /etc/passwd and /etc/group";
    unsigned uid = 0, gid = 0;
    if (is_number(user)) {
        uid = static_cast<unsigned>(std::stoul(user));
    } else {
        auto pw = entry_of("/etc/passwd", user);
        if (pw.size() < 4 || !is_number(pw[2]) || !is_number(pw[3]))
            throw SystemError(step, ENOENT, "no user " + user + " in the node's /etc/passwd");
        uid = static_cast<unsigned>(std::stoul(pw[2]));
        gid = static_cast<unsigned>(std::stoul(pw[3]));
    }
    if (is_number(group)) {
        gid = static_cast<unsigned>(std::stoul(group));
    } else if (!group.empty()) {
        auto gr = entry_of("/etc/group", group);
        if (gr.size() < 3 || !is_number(gr[2]))
            throw SystemError(step, ENOENT, "no group " + group + " in the node's /etc/group");
        gid = static_cast<unsigned>(std::stoul(gr[2]));
    } else if (is_number(user)) {
        gid = uid;
    }
    return {uid, gid};
}

}  // namespace

void make_private_dirs_and_files(const topo::Node& node, std::string& step) {
    for (const auto& dir : node.private_dirs) {
        char options[96];
        int n = std::snprintf(options, sizeof options, "mode=%04o", dir.mode);
        if (!dir.owner.empty()) {
            auto [uid, gid] = owner_ids(dir.owner, step);
            std::snprintf(options + n, sizeof options - static_cast<std::size_t>(n), ",uid=%u,gid=%u", uid, gid);
        }
        step = "create private dir " + dir.path;
        // A directory missing on the host is created there (empty, like Mininet does); what the
        // node writes into it stays on the node's tmpfs.
        sys::mkdir_p(dir.path);
        do_mount("tmpfs", dir.path, "tmpfs", MS_NOSUID | MS_NODEV, options, step);
    }
    for (const auto& [path, content] : node.files) {
        step = "write " + path;
        std::string base = base_of(node, path);
        write_beneath(base, path.substr(base == "/" ? 1 : base.size() + 1), content, path);
    }
}

std::vector<sys::Fd> open_mount_sources(const topo::Node& node, std::string& step) {
    std::vector<sys::Fd> out;
    for (const auto& m : node.mounts) {
        step = "open mount source " + m.source;
        sys::Fd tree(::open_tree(AT_FDCWD, m.source.c_str(), OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE));
        if (!tree) throw SystemError(step, errno);
        if (m.readonly) {
            step = "make mount source " + m.source + " read-only";
            mount_attr attr{};
            attr.attr_set = MOUNT_ATTR_RDONLY;
            if (::syscall(SYS_mount_setattr, tree.get(), "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof attr) < 0)
                throw SystemError(step, errno);
        }
        out.push_back(std::move(tree));
    }
    return out;
}

void attach_mounts(const topo::Node& node, std::vector<sys::Fd>& sources, std::string& step) {
    for (std::size_t i = 0; i < node.mounts.size() && i < sources.size(); ++i) {
        const auto& m = node.mounts[i];
        struct stat src {};
        step = "bind-mount " + m.source + " on " + m.target;
        if (::fstat(sources[i].get(), &src) < 0) throw SystemError(step, errno);
        struct stat dst {};
        if (::stat(m.target.c_str(), &dst) < 0) {
            if (errno != ENOENT) throw SystemError(step, errno);
            // A missing target is made as the node sees it (see attach_mounts in mounts.hpp).
            auto slash = m.target.rfind('/');
            if (slash > 0) sys::mkdir_p(m.target.substr(0, slash));
            if (S_ISDIR(src.st_mode)) {
                sys::mkdir_p(m.target);
            } else {
                sys::Fd f(::open(m.target.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644));
                if (!f) throw SystemError("create mount point " + m.target, errno);
            }
        }
        if (::move_mount(sources[i].get(), "", AT_FDCWD, m.target.c_str(), MOVE_MOUNT_F_EMPTY_PATH) < 0)
            throw SystemError(step, errno);
    }
}

}  // namespace nslab::node
