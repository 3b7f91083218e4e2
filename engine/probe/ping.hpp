// Reachability between nodes ("ping matrix"), measured with raw ICMP sockets opened inside the
// nodes' network namespaces: thousands of pairs in one poll loop, no process per pair.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "lab/lab.hpp"
#include "net/ip.hpp"
#include "topology/model.hpp"

namespace nslab::probe {

struct PingTarget {
    std::string src_node;
    std::string dst_node;   // for display; may be empty when `addr` belongs to no node
    net::Prefix addr;       // bare address (len 32/128)
};

struct PingOutcome {
    PingTarget target;
    bool ok = false;
    double rtt_ms = 0;      // of the first reply that came back
};

struct PingOptions {
    std::chrono::milliseconds timeout{2000};  // for the whole call, not per target
    int attempts = 3;                         // echo requests per unanswered target
};

// Sends ICMP/ICMPv6 echo requests from raw sockets opened inside each source node's network
// namespace (one socket per source node and family), all targets at once, resending to the
// unanswered ones every timeout/attempts (ARP/ND make first packets slow), until every target
// has answered or the timeout has passed. Outcomes are in the order of `targets`.
// Safe in a multi-threaded process: only the calling thread changes network namespace, and it
// is back in its own before this returns, on error too. Throws nslab::Error for a node that is
// unknown or not running, SystemError for a socket the kernel refuses.
std::vector<PingOutcome> ping(const lab::Lab& lab, const std::vector<PingTarget>& targets, const PingOptions& opts = {});

// One target per ordered pair of non-switch nodes, in model order. The destination's address
// is its first IPv4 one (loopback addresses first, then interfaces in order), or its first IPv6
// one when it has no IPv4; `family` forces one. Nodes without such an address are no target.
std::vector<PingTarget> all_pairs(const topo::Model& m, std::optional<net::Family> family = std::nullopt);
// The address all_pairs pings on `n` (link-local IPv6 addresses never: they need a scope).
std::optional<net::Prefix> ping_address(const topo::Node& n, std::optional<net::Family> family = std::nullopt);
// What `lab ping SRC DST` and Python's Node.ping(dst) ping: DST is a node of the lab (at its
// ping_address(), of `family` when given) or else an address (of any family: a face checks it
// against its own flags). Throws nslab::Error for an unknown SRC, a node without such an
// address, or a DST that is neither a node nor an address.
PingTarget ping_target(const lab::Lab& lab, const std::string& src, const std::string& dst,
                       std::optional<net::Family> family = std::nullopt);

// How often the kernel refused a new ARP or ND entry because its table was full, since boot.
// There is one table per family for the whole host, all namespaces together, capped by
// net.ipv{4,6}.neigh.default.gc_thresh3 (1024 by default), and a LAN where n hosts all reach
// each other needs n*(n-1) entries: a matrix over 33 hosts on one switch overflows it. Read it
// before and after ping() (ping_report() does) to tell the host's limit from the lab's own
// faults. 0 if unreadable.
std::uint64_t neighbour_table_overflows();

// A ping as the faces report it: the outcomes, and how many ARP/ND entries the host's
// neighbour table refused while it ran (any namespace's, other labs' too). Measured here, once,
// so `lab ping`, `lab pingall` and Python's ping_all() cannot sample it differently.
struct PingReport {
    std::vector<PingOutcome> outcomes;
    std::uint64_t neighbour_overflows = 0;
    bool all_ok() const;  // every target answered (true for no target)
};

// ping() with the neighbour table's refusals counted around it.
PingReport ping_report(const lab::Lab& lab, const std::vector<PingTarget>& targets, const PingOptions& opts = {});
// The matrix: every ordered pair of non-switch nodes (all_pairs), in model order.
PingReport ping_all(const lab::Lab& lab, std::optional<net::Family> family = std::nullopt,
                    const PingOptions& opts = {});

}  // namespace nslab::probe
