// Paths a node writes to. Files may only land in the node's own tmpfs dirs (or its rootfs),
// so a typo in a topology can never overwrite a file of the host.
#include <algorithm>
#include <cctype>

#include "topology/detail/node.hpp"

namespace nslab::topo::detail {

namespace {

// "/etc//frr/./" → "/etc/frr". ".." is refused rather than resolved: the only reason to climb
// is to get out of the directory the path is checked against.
std::optional<std::string> absolute_path(std::string_view text, const std::string& pointer, Issues& issues) {
    if (text.empty() || text[0] != '/') {
        issues.add(pointer, quote(text) + " is not an absolute path");
        return std::nullopt;
    }
    if (text.find('\0') != std::string_view::npos) {
        issues.add(pointer, "a path cannot contain a NUL character");
        return std::nullopt;
    }
    std::string out;
    std::size_t start = 0;
    while (start <= text.size()) {
        std::size_t end = std::min(text.find('/', start), text.size());
        std::string_view part = text.substr(start, end - start);
        if (part == "..") {
            issues.add(pointer, quote(text) + " contains \"..\"");
            return std::nullopt;
        }
        if (!part.empty() && part != ".") (out += '/') += part;
        start = end + 1;
    }
    return out.empty() ? "/" : out;
}

bool inside(std::string_view path, std::string_view dir) {
    return path.size() > dir.size() && path.substr(0, dir.size()) == dir && path[dir.size()] == '/';
}

// Mounting a private tmpfs, and pivot_root, happen in the node's own mount namespace only.
void require_mnt(const Node& n, const char* what, const std::string& pointer, Issues& issues) {
    if (!(n.namespaces & NS_MNT))
        issues.add(pointer, quote(what) + " needs the \"mnt\" namespace, which node " + quote(n.name) +
                                " does not have");
}

constexpr std::string_view kPrivateDirKeys[] = {"path", "mode", "owner"};

bool has_dir(const Node& n, const std::string& path) {
    return std::any_of(n.private_dirs.begin(), n.private_dirs.end(), [&](const PrivateDir& d) { return d.path == path; });
}

// "0750", "750", "1777": permission bits and the sticky/setgid bits, in octal.
std::optional<unsigned> read_mode(const ojson& v, const std::string& pointer, Issues& issues) {
    auto text = get_string(v, pointer, issues);
    if (!text) return std::nullopt;
    const bool octal = text->size() >= 3 && text->size() <= 4 &&
                       std::all_of(text->begin(), text->end(), [](char c) { return c >= '0' && c <= '7'; });
    if (!octal) {
        issues.add(pointer, quote(*text) + " is not a mode: use octal digits such as \"0750\" or \"1777\"");
        return std::nullopt;
    }
    return static_cast<unsigned>(std::stoul(*text, nullptr, 8));
}

// "user" or "user:group", each a name or a number; names are looked up when the node starts.
std::optional<std::string> read_owner(const ojson& v, const std::string& pointer, Issues& issues) {
    auto text = get_string(v, pointer, issues);
    if (!text) return std::nullopt;
    auto colon = text->find(':');
    auto part_ok = [](std::string_view s) {
        return !s.empty() && s.size() <= 32 && std::all_of(s.begin(), s.end(), [](char c) {
            return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.';
        });
    };
    if (!part_ok(std::string_view(*text).substr(0, colon)) ||
        (colon != std::string::npos && !part_ok(std::string_view(*text).substr(colon + 1)))) {
        issues.add(pointer, quote(*text) + " is not an owner: use \"user\" or \"user:group\" (names or numbers)");
        return std::nullopt;
    }
    return text;
}

std::optional<PrivateDir> read_private_dir(const ojson& v, const std::string& pointer, Issues& issues) {
    PrivateDir d;
    std::optional<std::string> text;
    std::string path_pointer = pointer;
    if (v.is_object()) {
        check_keys(v, pointer, kPrivateDirKeys, issues);
        if (!v.contains("path")) {
            issues.add(pointer, "a private dir object needs \"path\"");
            return std::nullopt;
        }
        path_pointer = child(pointer, "path");
        text = get_string(v["path"], path_pointer, issues);
        if (v.contains("mode")) {
            auto mode = read_mode(v["mode"], child(pointer, "mode"), issues);
            if (!mode) return std::nullopt;
            d.mode = *mode;
        }
        if (v.contains("owner")) {
            auto owner = read_owner(v["owner"], child(pointer, "owner"), issues);
            if (!owner) return std::nullopt;
            d.owner = *owner;
        }
    } else if (v.is_string()) {
        text = get_string(v, pointer, issues);
    } else {
        issues.add(pointer, std::string("a private dir is a path or an object {\"path\", \"mode\", \"owner\"}, not ") +
                                type_name(v));
        return std::nullopt;
    }
    auto dir = text ? absolute_path(*text, path_pointer, issues) : std::nullopt;
    if (!dir) return std::nullopt;
    if (*dir == "/") {
        issues.add(path_pointer, "\"/\" cannot be a private dir: it would hide the whole filesystem");
        return std::nullopt;
    }
    d.path = *dir;
    return d;
}

void read_private_dirs(const NodeView& view, Node& n, Issues& issues) {
    Located at = view.get("private_dirs");
    if (!at || !expect(*at, Want::Array, at.pointer, issues)) return;
    for (std::size_t i = 0; i < at.value->size(); ++i) {
        std::string pointer = child(at.pointer, i);
        auto dir = read_private_dir((*at)[i], pointer, issues);
        if (!dir) continue;
        if (has_dir(n, dir->path))
            issues.add(pointer, quote(dir->path) + " is listed twice");
        else
            n.private_dirs.push_back(std::move(*dir));
    }
    if (!n.private_dirs.empty()) require_mnt(n, "private_dirs", at.pointer, issues);
}

void read_rootfs(const NodeView& view, Node& n, Issues& issues) {
    Located at = view.get("rootfs");
    if (!at) return;
    auto text = get_string(*at, at.pointer, issues);
    auto dir = text ? absolute_path(*text, at.pointer, issues) : std::nullopt;
    if (!dir) return;
    if (*dir == "/") {
        issues.add(at.pointer, "rootfs \"/\" is the host's own root; give a prepared root filesystem directory");
        return;
    }
    n.rootfs = *dir;
    require_mnt(n, "rootfs", at.pointer, issues);
}

std::string outside_message(const std::string& path, const Node& n) {
    static const std::string why = ": files are written only there (or under a rootfs), never on the host's own filesystem";
    if (has_dir(n, path))
        return quote(path) + " is a private dir itself, not a file inside one";
    if (n.private_dirs.empty()) return quote(path) + " is outside any private dir (node " + quote(n.name) + " has no private_dirs)" + why;
    std::string dirs;
    for (const auto& d : n.private_dirs) dirs += (dirs.empty() ? "" : ", ") + d.path;
    return quote(path) + " is outside node " + quote(n.name) + "'s private_dirs (" + dirs + ")" + why;
}

// With a rootfs, file paths are as the node sees them, so every one of them lies inside it.
void read_files(const NodeView& view, Node& n, Issues& issues) {
    for (const auto& [name, at] : view.entries("files", issues)) {
        auto path = absolute_path(name, at.pointer, issues);
        auto content = get_string(*at, at.pointer, issues);
        if (!path || !content) continue;
        bool in_dir = std::any_of(n.private_dirs.begin(), n.private_dirs.end(),
                                  [&](const PrivateDir& dir) { return inside(*path, dir.path); });
        if (!in_dir && n.rootfs.empty()) {
            issues.add(at.pointer, outside_message(*path, n));
            continue;
        }
        n.files.emplace_back(*path, *content);
    }
}

constexpr std::string_view kMountKeys[] = {"source", "target", "readonly"};

void read_mounts(const NodeView& view, Node& n, Issues& issues) {
    Located at = view.get("mounts");
    if (!at || !expect(*at, Want::Array, at.pointer, issues)) return;
    for (std::size_t i = 0; i < at.value->size(); ++i) {
        const std::string pointer = child(at.pointer, i);
        const ojson& v = (*at)[i];
        if (!expect(v, Want::Object, pointer, issues)) continue;
        check_keys(v, pointer, kMountKeys, issues);
        Mount m;
        m.pointer = pointer;
        bool ok = true;
        for (const char* key : {"source", "target"}) {
            if (!v.contains(key)) {
                issues.add(pointer, std::string("a mount needs \"") + key + "\"");
                ok = false;
                continue;
            }
            auto text = get_string(v[key], child(pointer, key), issues);
            auto path = text ? absolute_path(*text, child(pointer, key), issues) : std::nullopt;
            if (!path) {
                ok = false;
                continue;
            }
            (std::string_view(key) == "source" ? m.source : m.target) = *path;
        }
        if (v.contains("readonly")) {
            auto b = get_bool(v["readonly"], child(pointer, "readonly"), issues);
            if (b) m.readonly = *b;
            else ok = false;
        }
        if (!ok) continue;
        if (m.target == "/") {
            issues.add(child(pointer, "target"), "\"/\" cannot be a mount target: it would hide the whole filesystem");
            continue;
        }
        for (const auto& other : n.mounts)
            if (other.target == m.target) {
                issues.add(child(pointer, "target"), quote(m.target) + " is a target twice");
                ok = false;
            }
        if (ok) n.mounts.push_back(std::move(m));
    }
    if (!n.mounts.empty()) require_mnt(n, "mounts", at.pointer, issues);
}

}  // namespace

void read_paths(const NodeView& view, Node& n, const std::string& base_dir, Issues& issues) {
    read_private_dirs(view, n, issues);
    read_daemons(view, n, base_dir, issues);
    read_rootfs(view, n, issues);
    read_files(view, n, issues);
    check_daemon_files(n, issues);
    read_mounts(view, n, issues);
    if (Located at = view.get("shared_tmp")) {
        if (auto b = get_bool(*at, at.pointer, issues)) n.shared_tmp = *b;
        if (n.shared_tmp && !n.rootfs.empty())
            issues.add(at.pointer, "shared_tmp shares the host's /tmp, which a node with a rootfs does not see");
    }
}

}  // namespace nslab::topo::detail
