// Routing daemons as part of a node (TOPOLOGY.md "Routing daemons as part of a node"): `frr`
// and `bird`. Each becomes private dirs the node gets anyway, plus what the keeper starts once
// the lab is wired (lab/daemons).
#include <algorithm>
#include <array>

#include "topology/detail/node.hpp"
#include "topology/detail/suggest.hpp"

namespace nslab::topo::detail {

namespace {

// The order the FRR package starts them in (frrcommon.sh's DAEMONS, zebra first), and mgmtd,
// which FRR 9 starts right after zebra.
constexpr std::array<std::string_view, 21> kFrrDaemons = {
    "zebra", "mgmtd", "bgpd",  "ripd",  "ripngd", "ospfd",  "ospf6d", "isisd", "babeld", "pimd",   "pim6d",
    "ldpd",  "nhrpd", "eigrpd", "sharpd", "pbrd", "staticd", "bfdd",  "fabricd", "vrrpd", "pathd"};
// Started whatever the list says, as the package does (frrcommon.sh's daemon_list).
constexpr std::string_view kFrrImplied[] = {"zebra", "staticd"};
constexpr std::string_view kFrrKeys[] = {"daemons", "config"};
constexpr std::string_view kBirdKeys[] = {"config"};

void add_dirs(Node& n, const std::vector<PrivateDir>& dirs) {
    for (const auto& dir : dirs)
        if (std::none_of(n.private_dirs.begin(), n.private_dirs.end(), [&](const PrivateDir& d) { return d.path == dir.path; }))
            n.private_dirs.push_back(dir);
}

// `config`: text with a line break is the config itself; anything else names a file.
void read_config(const Located& at, const std::string& base_dir, std::string& text, std::string& path, Issues& issues) {
    auto value = get_string(*at, at.pointer, issues);
    if (!value) return;
    if (value->find('\n') != std::string::npos) {
        text = *value;
    } else if (value->empty() || value->find('\0') != std::string::npos) {
        issues.add(at.pointer, "expected a path to a config file (relative to the topology file) or the config itself "
                               "(text with line breaks), got " + shown(*at));
    } else {
        path = (*value)[0] == '/' || base_dir.empty() ? *value : base_dir + "/" + *value;
    }
}

void require_mnt(const Node& n, const Located& at, std::string_view key, Issues& issues) {
    if (!(n.namespaces & NS_MNT))
        issues.add(at.pointer, quote(key) + " needs the \"mnt\" namespace (its config, pid files and sockets live in "
                               "private dirs), which node " + quote(n.name) + " does not have");
}

// True when the key is there and may apply to this node.
bool applies(const NodeView& view, const Node& n, std::string_view key, Issues& issues) {
    Located at = view.get(key);
    if (!at) return false;
    if (!expect(*at, Want::Object, at.pointer, issues)) return false;
    if (n.kind == NodeKind::Switch) {
        issues.add(at.pointer, "a switch runs no routing daemon (it is a bridge); give " + quote(key) + " to a router");
        return false;
    }
    require_mnt(n, at, key, issues);
    return true;
}

void read_frr(const NodeView& view, Node& n, const std::string& base_dir, Issues& issues) {
    if (!applies(view, n, "frr", issues)) return;
    Frr frr;
    frr.pointer = view.get("frr").pointer;
    std::vector<std::string_view> wanted(std::begin(kFrrImplied), std::end(kFrrImplied));
    for (const auto& [key, at] : view.entries("frr", issues)) {
        if (key == "config") {
            frr.config_pointer = at.pointer;
            read_config(at, base_dir, frr.config, frr.config_path, issues);
        } else if (key == "daemons") {
            if (!expect(*at, Want::Array, at.pointer, issues)) continue;
            for (std::size_t i = 0; i < at.value->size(); ++i) {
                std::string pointer = child(at.pointer, i);
                auto name = get_string((*at)[i], pointer, issues);
                if (!name) continue;
                auto known = std::find(kFrrDaemons.begin(), kFrrDaemons.end(), *name);
                if (*name == "watchfrr")
                    issues.add(pointer, "nslab does not run watchfrr (it would restart a daemon that dies); leave it out");
                else if (known == kFrrDaemons.end())
                    issues.add(pointer, "unknown FRR daemon " + quote(*name) + did_you_mean(*name, kFrrDaemons, "daemons"));
                else
                    wanted.push_back(*known);
            }
        } else {
            issues.add(at.pointer, unknown_key(key, kFrrKeys));
        }
    }
    for (auto d : kFrrDaemons)
        if (std::find(wanted.begin(), wanted.end(), d) != wanted.end()) frr.daemons.emplace_back(d);
    add_dirs(n, frr_private_dirs());
    n.frr = std::move(frr);
}

void read_bird(const NodeView& view, Node& n, const std::string& base_dir, Issues& issues) {
    if (!applies(view, n, "bird", issues)) return;
    Bird bird;
    bird.pointer = view.get("bird").pointer;
    bool config = false;
    for (const auto& [key, at] : view.entries("bird", issues)) {
        if (key == "config") {
            config = true;
            bird.config_pointer = at.pointer;
            read_config(at, base_dir, bird.config, bird.config_path, issues);
        } else {
            issues.add(at.pointer, unknown_key(key, kBirdKeys));
        }
    }
    if (!config) issues.add(bird.pointer, "\"bird\" needs \"config\": a path to bird.conf or its text");
    add_dirs(n, bird_private_dirs());
    n.bird = std::move(bird);
}

}  // namespace

}  // namespace nslab::topo::detail

namespace nslab::topo {

// FRR's are its user's, as the package makes them; BIRD's are /tmp-like (1777), so BIRD works as
// `bird` where that user exists and as root elsewhere.
std::vector<PrivateDir> frr_private_dirs() {
    return {{"/etc/frr", 0755, "frr:frr"},
            {"/var/run/frr", 0755, "frr:frr"},
            {"/var/log/frr", 0755, "frr:frr"},
            // per-process crash-log buffers, named by PID: private, or two nodes' daemons with
            // the same PID would share one
            {"/var/tmp/frr", 0755, "frr:frr"}};
}

std::vector<PrivateDir> bird_private_dirs() { return {{"/etc/bird", 0755, ""}, {"/run/bird", 01777, ""}}; }

}  // namespace nslab::topo

namespace nslab::topo::detail {

void read_daemons(const NodeView& view, Node& n, const std::string& base_dir, Issues& issues) {
    read_frr(view, n, base_dir, issues);
    read_bird(view, n, base_dir, issues);
}

void check_daemon_files(const Node& n, Issues& issues) {
    auto given = [&](const std::string& pointer, const std::string& file) {
        for (const auto& [path, content] : n.files)
            if (path == file)
                issues.add(pointer, "the config is given twice: here and in files " + quote(file) + "; keep one");
    };
    if (n.frr && !n.frr->config_pointer.empty()) given(n.frr->config_pointer, kFrrConfigFile);
    if (n.bird && !n.bird->config_pointer.empty()) given(n.bird->config_pointer, kBirdConfigFile);
}

}  // namespace nslab::topo::detail
