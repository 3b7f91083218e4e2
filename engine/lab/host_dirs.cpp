#include "lab/host_dirs.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <set>
#include <sstream>

#include "lab/paths.hpp"
#include "lab/pins.hpp"
#include "lab/state.hpp"
#include "sys/files.hpp"
#include "util/error.hpp"

namespace nslab::lab {

namespace {

std::string registry() { return run_dir() + "/.dirs-made-by-nslab"; }
std::string uses_of(const std::string& lab) { return lab_dir(lab) + "/host-dirs"; }

std::set<std::string> read_lines(const std::string& path) {
    std::set<std::string> out;
    if (!sys::exists(path)) return out;
    std::istringstream in(sys::read_file(path));
    for (std::string line; std::getline(in, line);)
        if (!line.empty() && line[0] == '/') out.insert(line);
    return out;
}

void write_lines(const std::string& path, const std::set<std::string>& lines) {
    if (lines.empty()) {
        ::unlink(path.c_str());
        return;
    }
    std::string text;
    for (const auto& l : lines) text += l + "\n";
    sys::write_file_atomic(path, text);
}

// `dir` itself or one of its parents.
bool covers(const std::string& made, const std::string& dir) {
    return dir == made || (dir.size() > made.size() && dir.starts_with(made) && dir[made.size()] == '/');
}

}  // namespace

void make_host_dirs(const std::string& lab, const topo::Model& m) {
    std::set<std::string> wanted;
    for (const auto& n : m.nodes) {
        if (!n.rootfs.empty()) continue;  // the node makes what it needs inside its rootfs
        for (const auto& d : n.private_dirs) wanted.insert(d.path);
        // A mount target outside the node's private dirs is a path of the host's: made here,
        // recorded, and removed again like a private dir's mount point.
        for (const auto& mt : n.mounts) {
            const bool in_private = std::any_of(n.private_dirs.begin(), n.private_dirs.end(),
                                                [&](const topo::PrivateDir& d) { return covers(d.path, mt.target); });
            struct stat src {};
            if (in_private || sys::exists(mt.target) || ::stat(mt.source.c_str(), &src) < 0) continue;
            if (S_ISDIR(src.st_mode)) {
                wanted.insert(mt.target);
            } else {
                throw NodeError({n.name, mt.pointer + "/target", "mount " + mt.target, false}, "mount " + mt.target,
                                ENOENT, "",
                                "node " + n.name + ": mount target " + mt.target +
                                    " does not exist on the host; a file is mounted only onto an existing file or "
                                    "inside a private dir");
            }
        }
    }
    if (wanted.empty()) return;
    GlobalLock lock;  // the registry and every lab's uses change together
    auto made = read_lines(registry());
    // A node added to a running lab adds to what the lab uses.
    std::set<std::string> uses = read_lines(uses_of(lab));
    for (const auto& dir : wanted) {
        try {
            for (auto& d : sys::mkdir_p(dir)) made.insert(std::move(d));
        } catch (const std::exception&) {
            continue;  // the node tries again and reports it
        }
        for (const auto& d : made)
            if (covers(d, dir)) uses.insert(d);
    }
    // Uses first: a registry entry no lab uses is one nobody will remove.
    write_lines(uses_of(lab), uses);
    write_lines(registry(), made);
}

void remove_host_dirs(const std::string& lab) noexcept {
    try {
        auto uses = read_lines(uses_of(lab));
        if (uses.empty()) return;
        GlobalLock lock;
        auto made = read_lines(registry());
        std::set<std::string> others;
        for (const auto& other : list_labs())
            if (other != lab)
                for (auto& d : read_lines(uses_of(other))) others.insert(std::move(d));
        // Deepest first: a parent empties only once its children are gone.
        std::vector<std::string> order(uses.begin(), uses.end());
        std::sort(order.begin(), order.end(), [](const auto& a, const auto& b) { return a.size() > b.size(); });
        for (const auto& d : order) {
            if (!made.count(d) || others.count(d)) continue;
            // Not empty: somebody put something there, so it is theirs now.
            if (::rmdir(d.c_str()) == 0 || errno == ENOENT || errno == ENOTEMPTY || errno == EEXIST) made.erase(d);
        }
        write_lines(registry(), made);
        ::unlink(uses_of(lab).c_str());
    } catch (const std::exception&) {
    }
}

}  // namespace nslab::lab
