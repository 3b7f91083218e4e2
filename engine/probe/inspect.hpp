// What a running node looks like right now, read from the kernel in its own namespace.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "lab/lab.hpp"
#include "netlink/netlink.hpp"

namespace nslab::probe {

struct InterfaceLive {
    std::string name;
    std::string kind;                 // "veth", "bridge", "" for lo
    bool up = false, carrier = false;
    std::uint32_t mtu = 0;
    std::string mac;
    std::string master;               // bridge name for a switch port
    std::vector<net::Prefix> addrs;   // global and link-local, as the kernel reports them
};

struct NodeLive {
    std::string name;
    topo::NodeKind kind = topo::NodeKind::Host;
    pid_t pid = 0;
    bool running = false;
    std::vector<InterfaceLive> interfaces;
    std::vector<nl::RouteInfo> routes;  // IPv4 then IPv6, main table
};

NodeLive inspect_node(const lab::Lab& lab, const std::string& node, bool with_routes = false);
// Every node of the lab, in model order (what `lab status` and a live `lab graph` show).
std::vector<NodeLive> inspect_lab(const lab::Lab& lab, bool with_routes = false);

}  // namespace nslab::probe
