// `lab graph`: a topology as a picture. The model (and, for a running lab, what the kernel
// reports) becomes a small Graph first, so every output format shows the same facts: nodes by
// kind, each link's interfaces and addresses on its ends, impaired (netem) and down links marked.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "probe/inspect.hpp"
#include "topology/model.hpp"

namespace nslab::view {

struct GraphNode {
    std::string name;
    std::string kind;                    // "host", "router", "switch"
    std::vector<std::string> loopback;   // CIDRs
    std::string state;                   // "" (from a file), "running", "stopped"
    pid_t pid = 0;
    std::vector<std::string> interfaces; // the node's own `interfaces`: "vx0 vxlan 42 192.168.100.1/24"
};

struct GraphEnd {
    std::string node, iface;
    std::vector<std::string> addrs;      // CIDRs; live ones when the lab runs (no link-local)
    std::string state;                   // "" (from a file), "up", "down", "no-carrier"
};

struct GraphLink {
    GraphEnd ends[2];
    std::string netem;                   // "delay 20ms loss 1%"; empty when unimpaired
    bool up = true;                      // as the topology asks
    std::uint32_t mtu = 0;               // 0: the default
    std::string name() const;            // "r1:eth1 -- r2:eth1"
};

// A tunnel interface (vxlan, gre and the other ip tunnels, a wireguard peer's endpoint) whose
// remote address belongs to another node of the lab: drawn
// as an overlay edge beside the links, since no link of the file shows that the two talk.
struct GraphTunnel {
    std::string from, from_iface;        // the node whose interface names the remote
    std::string to;                      // the node that owns the remote address
    std::string label;                   // "vxlan 42", "gre key 7", "wireguard"
};

struct Graph {
    std::string lab;
    bool live = false;                   // built from a running lab
    std::vector<GraphNode> nodes;
    std::vector<GraphLink> links;
    std::vector<GraphTunnel> tunnels;
};

// `live` (one entry per model node, any order) adds node and interface state.
Graph make_graph(const topo::Model& m, const std::vector<probe::NodeLive>* live = nullptr);
std::string netem_text(const topo::Netem& n);  // "delay 20ms jitter 2ms loss 1% rate 10mbit"

std::string to_dot(const Graph& g);
std::string to_mermaid(const Graph& g);
// One self-contained page (inline CSS and JS, nothing fetched) that lays out and draws `g`.
std::string to_html(const Graph& g);

// Runs Graphviz's `dot -Tsvg` on `dot` text. Throws nslab::Error naming the package when
// `dot` is not installed, and with dot's own message when it fails.
std::string render_svg(const std::string& dot);

}  // namespace nslab::view
