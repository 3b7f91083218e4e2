#include <cmath>
#include <cstdio>
#include <iostream>

#include "args.hpp"
#include "commands.hpp"
#include "lab/lab.hpp"
#include "probe/ping.hpp"
#include "util/error.hpp"

namespace nslab::cli {

namespace {

std::optional<net::Family> family_flag(const Args& a) {
    if (a.flag("-4") && a.flag("-6")) throw UsageError("-4 and -6 exclude each other");
    if (a.flag("-4")) return net::Family::V4;
    if (a.flag("-6")) return net::Family::V6;
    return std::nullopt;
}

probe::PingOptions options(const Args& a) {
    probe::PingOptions o;
    std::string t = a.opt("--timeout");
    if (t.empty()) return o;
    double s = 0;
    std::size_t used = 0;
    try {
        s = std::stod(t, &used);
    } catch (const std::exception&) {
        used = 0;
    }
    if (used != t.size() || !std::isfinite(s) || s <= 0 || s > 3600)
        throw UsageError("--timeout takes seconds, e.g. 0.5 or 2 (got \"" + t + "\")");
    o.timeout = std::chrono::milliseconds(static_cast<long>(std::ceil(s * 1000)));
    return o;
}

// DST is a node of the lab (pinged at the address pingall would use) or an address.
probe::PingTarget target(const lab::Lab& l, const std::string& src, const std::string& dst,
                       std::optional<net::Family> family) {
    l.node(src);  // an unknown source is the user's mistake, whatever DST is
    if (const topo::Node* n = l.model().find(dst)) {
        auto addr = probe::ping_address(*n, family);
        if (!addr) {
            std::string which = !family ? "" : *family == net::Family::V4 ? "IPv4 " : "IPv6 ";
            throw Error("node " + dst + " of lab " + l.name() + " has no " + which + "address to ping");
        }
        return {src, dst, *addr};
    }
    auto addr = net::Prefix::parse_addr(dst);
    if (!addr || addr->len != addr->max_len())
        throw Error("lab " + l.name() + " has no node \"" + dst + "\", and it is no IP address either");
    if (family && addr->family != *family) throw UsageError(dst + " is not of the family asked for");
    return {src, "", *addr};
}

// A full neighbour table fails pairs that the lab itself would connect: say so, or the user
// hunts for a wiring fault that is not there.
void explain_failures(std::uint64_t overflows_before) {
    if (probe::neighbour_table_overflows() == overflows_before) return;
    std::cerr << "note: the kernel's neighbour table overflowed during the ping, so some pairs may have failed for\n"
                 "lack of ARP/ND entries, not for the lab: one table serves all namespaces, capped by\n"
                 "net.ipv4.neigh.default.gc_thresh3 (and ipv6), 1024 by default, and n hosts on one LAN need\n"
                 "n*(n-1) entries. Raise it (sysctl -w net.ipv4.neigh.default.gc_thresh3=16384) and ping again.\n";
}

}  // namespace

int cmd_ping(const Argv& argv) {
    const char* usage = "usage: lab ping [LAB] SRC DST [-4|-6] [--timeout S]";
    Args a = parse_args(argv, {"--timeout"}, {"-4", "-6"});
    std::string lab_name;
    if (a.pos.size() == 3) lab_name = a.pos[0];
    else if (a.pos.size() != 2) throw UsageError(usage);
    auto family = family_flag(a);
    auto opts = options(a);
    lab::Lab l = lab::Lab::attach(lab::resolve(lab_name));
    const std::string& src = a.pos[a.pos.size() - 2];
    auto t = target(l, src, a.pos.back(), family);
    auto overflows = probe::neighbour_table_overflows();
    auto out = probe::ping(l, {t}, opts).at(0);
    std::cout << src << " -> " << t.addr.addr_str() << ": ";
    if (!out.ok) {
        std::cout << "unreachable\n" << std::flush;
        explain_failures(overflows);
        return kFail;
    }
    char rtt[32];
    std::snprintf(rtt, sizeof rtt, "%.3f ms", out.rtt_ms);
    std::cout << rtt << "\n";
    return 0;
}

int cmd_pingall(const Argv& argv) {
    Args a = parse_args(argv, {"--timeout"}, {"-4", "-6"});
    if (a.pos.size() > 1) throw UsageError("usage: lab pingall [LAB] [-4|-6] [--timeout S]");
    auto family = family_flag(a);
    auto opts = options(a);
    lab::Lab l = lab::Lab::attach(lab::resolve(a.pos.empty() ? "" : a.pos[0]));
    auto overflows = probe::neighbour_table_overflows();
    auto out = probe::ping(l, probe::all_pairs(l.model(), family), opts);
    std::cout << probe::format_matrix(l.model(), out) << std::flush;
    for (const auto& o : out)
        if (!o.ok) {
            explain_failures(overflows);
            return kFail;
        }
    return 0;
}

}  // namespace nslab::cli
