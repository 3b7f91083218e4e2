#include "node/sysctl.hpp"

#include <fcntl.h>
#include <sched.h>
#include <unistd.h>

#include <cerrno>
#include <optional>
#include <set>
#include <sstream>

#include "sys/fd.hpp"
#include "sys/userns.hpp"
#include "sys/netns_guard.hpp"
#include "util/error.hpp"

namespace nslab::node {

Sysctls baseline_sysctls(topo::NodeKind kind) {
    const bool router = kind == topo::NodeKind::Router;
    Sysctls s = {
        {"net.ipv4.ip_forward", router ? "1" : "0"},
        {"net.ipv4.conf.all.rp_filter", "0"},
        {"net.ipv4.conf.default.rp_filter", "0"},
        // Lets unprivileged programs (and daemons that dropped root) use ICMP echo sockets.
        // In a user namespace the range may only name gids it maps.
        {"net.ipv4.ping_group_range", "0 " + std::to_string(sys::highest_mapped_gid())},
    };
    if (kind == topo::NodeKind::Switch) {
        // A bridge needs no IPv6 on its ports; without it a big switch sends no link-local,
        // DAD or MLD traffic at all.
        s.push_back({"net.ipv6.conf.all.disable_ipv6", "1"});
        s.push_back({"net.ipv6.conf.default.disable_ipv6", "1"});
        return s;
    }
    s.push_back({"net.ipv6.conf.all.forwarding", router ? "1" : "0"});
    for (const char* scope : {"all", "default"}) {
        std::string p = std::string("net.ipv6.conf.") + scope + ".";
        // Quiet start: no router solicitations or autoconfiguration unless the topology asks;
        // configured and link-local addresses still work (routing daemons need link-local).
        s.push_back({p + "accept_ra", "0"});
        s.push_back({p + "autoconf", "0"});
        s.push_back({p + "router_solicitations", "0"});
        // Addresses usable when `lab up` returns, and kept across a link down/up.
        s.push_back({p + "accept_dad", "0"});
        s.push_back({p + "dad_transmits", "0"});
        s.push_back({p + "keep_addr_on_down", "1"});
    }
    return s;
}

namespace {
std::string collapse(const std::string& v) {
    std::istringstream in(v);
    std::string word, out;
    while (in >> word) out += (out.empty() ? "" : " ") + word;
    return out;
}
}  // namespace

std::vector<std::string> baseline_keys() {
    std::set<std::string> keys;
    for (auto kind : {topo::NodeKind::Host, topo::NodeKind::Router, topo::NodeKind::Switch})
        for (const auto& kv : baseline_sysctls(kind)) keys.insert(kv.first);
    return {keys.begin(), keys.end()};
}

FreshValues fresh_netns_values(const std::vector<std::string>& keys) {
    FreshValues out;
    std::optional<sys::NetnsGuard> guard;
    try {
        guard.emplace();
        guard->enter_new("the sysctl probe");
    } catch (const SystemError&) {
        return out;  // no right to make one (a user without a user namespace): write everything
    }
    for (const auto& key : keys) {
        sys::Fd fd(::open(sysctl_path(key).c_str(), O_RDONLY | O_CLOEXEC));
        char buf[256];
        ssize_t n = fd ? ::read(fd.get(), buf, sizeof buf - 1) : -1;
        if (n >= 0) out[key] = collapse(std::string(buf, static_cast<std::size_t>(n)));
    }
    return out;
}

Sysctls start_sysctls(const topo::Node& node, const FreshValues* fresh) {
    Sysctls s;
    for (auto& kv : baseline_sysctls(node.kind)) {
        auto it = fresh ? fresh->find(kv.first) : FreshValues::const_iterator{};
        if (fresh && it != fresh->end() && it->second == collapse(kv.second)) continue;
        s.push_back(std::move(kv));
    }
    for (const auto& kv : node.sysctls)
        if (topo::sysctl_interface(kv.first).empty()) s.push_back(kv);
    return s;
}

std::string sysctl_path(const std::string& key) {
    std::string path = "/proc/sys/";
    for (char c : key) path += c == '.' ? '/' : c;
    return path;
}

void write_sysctls(const Sysctls& keys) {
    for (const auto& [key, value] : keys) {
        std::string path = sysctl_path(key);
        sys::Fd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
        if (!fd) throw SystemError("sysctl " + key, errno);
        if (::write(fd.get(), value.data(), value.size()) < 0)
            throw SystemError("sysctl " + key + "=" + value, errno);
    }
}

}  // namespace nslab::node
