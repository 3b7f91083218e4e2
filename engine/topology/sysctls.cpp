// A node's sysctls are written under its own /proc/sys. Only keys the kernel keeps per
// namespace stay inside the node; any other key would silently reconfigure the host.
#include <algorithm>

#include "topology/detail/node.hpp"

namespace nslab::topo::detail {

namespace {

constexpr std::string_view kIpcKeys[] = {"kernel.shmmax", "kernel.shmall", "kernel.shmmni", "kernel.shm_rmid_forced",
                                         "kernel.msgmax", "kernel.msgmnb", "kernel.msgmni", "kernel.sem"};

bool starts_with(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }

// Dotted names of [A-Za-z0-9_.-]: no empty component and no "..", so the key cannot climb
// out of /proc/sys once its dots become slashes.
std::optional<std::string> key_problem(std::string_view key) {
    if (key.find('/') != std::string_view::npos) {
        std::string dotted(key);
        dotted.erase(0, dotted.find_first_not_of('/'));
        if (starts_with(dotted, "proc/sys/")) dotted.erase(0, 9);
        std::replace(dotted.begin(), dotted.end(), '/', '.');
        return "sysctl keys are dotted: did you mean " + quote(dotted) + "?";
    }
    bool chars_ok = std::all_of(key.begin(), key.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.' ||
               c == '-';
    });
    if (!chars_ok || key.empty() || key.front() == '.' || key.back() == '.' || key.find("..") != std::string_view::npos)
        return "invalid sysctl key " + quote(key) + ": use a dotted name such as \"net.ipv4.ip_forward\"";
    return std::nullopt;
}

std::optional<std::string> namespace_problem(std::string_view key, unsigned namespaces, std::string_view node) {
    auto needs = [&](unsigned ns, const char* name) -> std::optional<std::string> {
        if (namespaces & ns) return std::nullopt;
        return quote(key) + " belongs to the " + quote(name) + " namespace, which node " + quote(node) +
               " does not have: it would change the host";
    };
    if (starts_with(key, "net.")) return std::nullopt;
    if (std::find(std::begin(kIpcKeys), std::end(kIpcKeys), key) != std::end(kIpcKeys) || starts_with(key, "fs.mqueue."))
        return needs(NS_IPC, "ipc");
    if (key == "kernel.hostname") return std::string("set \"kernel.hostname\" with the node's \"hostname\" key");
    if (key == "kernel.domainname") return needs(NS_UTS, "uts");
    return quote(key) + " is not per-namespace: it would change the host";
}

// Users write 0 and 1 unquoted; the kernel reads text either way.
std::optional<std::string> sysctl_value(const ojson& v, const std::string& pointer, Issues& issues) {
    if (v.is_string()) return v.get<std::string>();
    if (v.is_number_integer()) return v.dump();
    issues.add(pointer, std::string("expected a string (or an integer), got ") + type_name(v));
    return std::nullopt;
}

}  // namespace

void read_sysctls(const NodeView& view, Node& n, Issues& issues) {
    for (const auto& [key, at] : view.entries("sysctls", issues)) {
        auto problem = key_problem(key);
        if (!problem) problem = namespace_problem(key, n.namespaces, n.name);
        if (problem) {
            issues.add(at.pointer, *problem);
            continue;
        }
        if (auto value = sysctl_value(*at, at.pointer, issues)) n.sysctls.emplace_back(key, *value);
    }
}

}  // namespace nslab::topo::detail

namespace nslab::topo {

std::string sysctl_interface(const std::string& key) {
    // net.ipv4.conf.<if>.x, net.ipv6.conf.<if>.x, net.ipv4.neigh.<if>.x, net.ipv6.neigh.<if>.x
    for (const char* prefix : {"net.ipv4.conf.", "net.ipv6.conf.", "net.ipv4.neigh.", "net.ipv6.neigh."}) {
        std::string p = prefix;
        if (key.rfind(p, 0) != 0) continue;
        auto dot = key.find('.', p.size());
        if (dot == std::string::npos) return {};
        std::string name = key.substr(p.size(), dot - p.size());
        if (name == "all" || name == "default" || name == "lo") return {};
        return name;
    }
    return {};
}

}  // namespace nslab::topo
