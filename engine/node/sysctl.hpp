// The sysctls a node starts with. A new network namespace copies IPv4 settings from the host
// (ip_forward, rp_filter) and IPv6 starts chatty (router solicitations, DAD, autoconf), so
// every node writes a known baseline before its links exist; the topology's keys come after
// and win.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "topology/model.hpp"

namespace nslab::node {

using Sysctls = std::vector<std::pair<std::string, std::string>>;

Sysctls baseline_sysctls(topo::NodeKind kind);

// Keys about one interface ("net.ipv4.conf.eth1.rp_filter") can only be written once that
// interface exists; returns its name, or "" for keys that can be written at node start.
std::string sysctl_interface(const std::string& key);

// The node's start-time sysctls: baseline then the topology's own (interface keys excluded).
Sysctls start_sysctls(const topo::Node& node);

// "/proc/sys/net/ipv4/ip_forward" for "net.ipv4.ip_forward".
std::string sysctl_path(const std::string& key);

// Writes each key; throws SystemError naming the key. The process's network namespace at
// open time decides which namespace a net.* key changes.
void write_sysctls(const Sysctls& keys);

}  // namespace nslab::node
