#include "view/probe_text.hpp"

#include <cstdio>
#include <map>

namespace nslab::view {

namespace {

// One text, two layouts: the terminal's lines are where the words break.
constexpr const char* kNoteLines[] = {
    "note: the kernel's neighbour table overflowed during the ping, so some pairs may have failed for",
    "lack of ARP/ND entries, not for the lab: one table serves all namespaces, capped by",
    "net.ipv4.neigh.default.gc_thresh3 (and ipv6), 1024 by default, and n hosts on one LAN need",
    "n*(n-1) entries. Raise it (sysctl -w net.ipv4.neigh.default.gc_thresh3=16384) and ping again.",
};

}  // namespace

std::string ping_matrix(const std::vector<probe::PingOutcome>& outcomes) {
    std::vector<std::string> sources;
    std::map<std::string, std::string> line;
    std::size_t received = 0;
    for (const auto& o : outcomes) {
        const auto& t = o.target;
        auto [it, fresh] = line.try_emplace(t.src_node, t.src_node + " ->");
        if (fresh) sources.push_back(t.src_node);
        it->second += " " + (!o.ok ? std::string("X") : t.dst_node.empty() ? t.addr.addr_str() : t.dst_node);
        received += o.ok;
    }
    std::string s;
    for (const auto& src : sources) s += line[src] + "\n";
    std::size_t total = outcomes.size(), lost = total - received;
    // Whole percents, cut as Mininet cuts them, but a single loss never reads as "0%".
    std::size_t pct = total ? lost * 100 / total : 0;
    if (lost && !pct) pct = 1;
    s += "*** Results: " + std::to_string(pct) + "% dropped (" + std::to_string(received) + "/" +
         std::to_string(total) + " received)\n";
    return s;
}

std::string neighbour_note(const probe::PingReport& report, bool one_line) {
    if (report.neighbour_overflows == 0 || report.all_ok()) return "";
    std::string s;
    for (const char* l : kNoteLines) s += (one_line && !s.empty() ? " " : "") + std::string(l) + (one_line ? "" : "\n");
    return s;
}

std::string ping_report_text(const probe::PingReport& report) {
    std::string s = ping_matrix(report.outcomes);
    s.pop_back();  // ping_matrix() always ends in "\n"
    if (std::string note = neighbour_note(report, true); !note.empty()) s += "\n" + note;
    return s;
}

std::string ping_line(const probe::PingOutcome& o) {
    std::string s = o.target.src_node + " -> " + o.target.addr.addr_str() + ": ";
    if (!o.ok) return s + "unreachable";
    char rtt[32];
    std::snprintf(rtt, sizeof rtt, "%.3f ms", o.rtt_ms);
    return s + rtt;
}

std::string route_text(const nl::RouteInfo& r) {
    std::string s = r.dst.len == 0 ? std::string("default") : r.dst.str();
    if (r.gateway) s += " via " + r.gateway->addr_str();
    if (r.metric) s += " metric " + std::to_string(*r.metric);
    return s;
}

}  // namespace nslab::view
