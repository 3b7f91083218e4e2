#include "lab/node_pids.hpp"

#include <unistd.h>

#include <climits>
#include <filesystem>
#include <optional>
#include <sstream>
#include <vector>

#include "sys/files.hpp"
#include "sys/process.hpp"
#include "util/error.hpp"

namespace nslab::lab {

std::optional<std::string> pidns_of(pid_t pid) {
    std::error_code ec;
    auto link = std::filesystem::read_symlink("/proc/" + std::to_string(pid) + "/ns/pid", ec);
    if (ec) return std::nullopt;
    return link.string();
}

// The NSpid line of /proc/<pid>/status.
std::vector<pid_t> nspids(pid_t pid) {
    std::string status;
    try {
        status = sys::read_file("/proc/" + std::to_string(pid) + "/status");
    } catch (const SystemError&) {
        return {};
    }
    auto at = status.find("\nNSpid:");
    if (at == std::string::npos) return {};
    std::istringstream in(status.substr(at + 7, status.find('\n', at + 1) - at - 7));
    std::vector<pid_t> out;
    for (long v; in >> v;) out.push_back(static_cast<pid_t>(v));
    return out;
}

NodePidNs node_pidns(int init_pidfd, const std::string& node) {
    const pid_t init = sys::pidfd_pid(init_pidfd);
    auto ns = pidns_of(init);
    auto ids = nspids(init);
    if (!ns || ids.empty()) throw Error("node " + node + ": its init is gone");
    return {*ns, ids.size() - 1};
}

namespace {

NodePidNs node_ns(const Lab& lab, const std::string& node) {
    sys::Fd pidfd = lab.init_pidfd(node);  // pins the verified init while we look
    return node_pidns(pidfd.get(), node);
}

}  // namespace

pid_t node_pid(const Lab& lab, const std::string& node, pid_t host) {
    NodePidNs n = node_ns(lab, node);
    auto ns = host > 0 ? pidns_of(host) : std::nullopt;
    auto ids = host > 0 ? nspids(host) : std::vector<pid_t>{};
    if (!ns || ids.empty()) throw Error("no process " + std::to_string(host) + " on this host");
    if (*ns != n.ns || ids.size() <= n.level) throw Error("process " + std::to_string(host) + " is not in node " + node);
    return ids[n.level];
}

pid_t host_pid(const Lab& lab, const std::string& node, pid_t inside) {
    NodePidNs n = node_ns(lab, node);
    for (const auto& name : sys::list_dir("/proc")) {
        if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
        const auto pid = static_cast<pid_t>(std::stol(name));
        auto ids = nspids(pid);
        if (ids.size() <= n.level || ids[n.level] != inside) continue;
        if (pidns_of(pid) == n.ns) return pid;
    }
    throw Error("no process " + std::to_string(inside) + " in node " + node);
}

}  // namespace nslab::lab
