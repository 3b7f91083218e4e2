// The sysctls a node starts with. A new network namespace copies IPv4 settings from the host
// (ip_forward, rp_filter) and IPv6 starts chatty (router solicitations, DAD, autoconf), so
// every node writes a known baseline before its links exist; the topology's keys come after
// and win.
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "topology/model.hpp"

namespace nslab::node {

using Sysctls = std::vector<std::pair<std::string, std::string>>;

Sysctls baseline_sysctls(topo::NodeKind kind);

// What a network namespace made now starts with, for each of `keys` it has (values with
// whitespace collapsed). Read from a throwaway namespace of the calling thread, which then
// returns home; empty when it cannot make one (nothing is then skipped).
using FreshValues = std::map<std::string, std::string>;
FreshValues fresh_netns_values(const std::vector<std::string>& keys);
// Every key of the baselines of all node kinds.
std::vector<std::string> baseline_keys();

// The node's start-time sysctls: baseline then the topology's own (interface keys excluded).
// With `fresh`, baseline keys a new namespace already has at the wanted value are left out:
// most of a node init's time went to writing values the kernel had set already.
Sysctls start_sysctls(const topo::Node& node, const FreshValues* fresh = nullptr);

// "/proc/sys/net/ipv4/ip_forward" for "net.ipv4.ip_forward".
std::string sysctl_path(const std::string& key);

// Writes each key; throws SystemError naming the key. The process's network namespace at
// open time decides which namespace a net.* key changes.
void write_sysctls(const Sysctls& keys);

}  // namespace nslab::node
