// What building a lab does to the kernel, decided before anything is done: the resolved
// topology (topo::Model) becomes ordered phases of per-namespace batches of steps. Pure: no
// system call, no file, no socket; the runtime (lab/runtime.cpp) only sends what is here.
//
// Every step has an identity that does not depend on where its object is written in the file
// ("address r1:eth0 10.0.0.1/30"), so two plans of two versions of a topology can be compared
// step by step, and every interface has its ifindex chosen here (lo = 1, then in the node's
// interface order), so a step names the interfaces it touches without asking the kernel.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "net/ip.hpp"
#include "netlink/netlink.hpp"
#include "topology/model.hpp"

namespace nslab::plan {

// What the plan depends on beyond the topology: facts about the kernel, measured by the caller.
struct Facts {
    // The lowest ifindex free in a new network namespace: 2 (after lo), or higher where the
    // kernel puts fallback tunnel devices (sit0, gre0, ...) in every new namespace.
    int first_ifindex = 2;
    // The kernel has sch_netem; without it, links with a `netem` key go through the userspace
    // forwarder's namespace.
    bool netem = true;
};

// The namespace a batch is sent in, or a veth's far end is placed in.
// Host: the namespace the builder runs in (a machine's own, for the VXLAN between machines).
struct Target {
    enum Kind { Node, Forwarder, Host } kind = Node;
    std::size_t node = 0;  // index into Model::nodes, for Node
    bool operator==(const Target&) const = default;
};

struct Bridge {
    std::string name;
    int ifindex = 0;
    bool vlan_filtering = false;
};

struct VethEnd {
    std::string name;
    int ifindex = 0;
    std::optional<std::uint32_t> mtu;
    std::optional<net::Mac> mac;
};

// Both ends made by one request from the batch's namespace, the peer placed in `peer_in`.
struct Veth {
    VethEnd self, peer;
    Target peer_in;
    bool up = true;     // `self` only: a peer cannot come up in its own create request
    int master = 0;     // ifindex of the bridge `self` joins at creation, or 0
};

// Bring an existing interface up, or join it to a bridge.
struct SetLink {
    int ifindex = 0;
    std::string name;
    std::optional<bool> up;
    std::optional<int> master;
    std::optional<std::uint32_t> mtu;
    std::optional<net::Mac> mac;
};

// VLANs of a port of a VLAN-aware switch: added, or removed (the bridge's default VLAN 1 from a
// port that has `pvid` or `vlans` of its own).
struct PortVlans {
    int ifindex = 0;
    std::string name;
    bool add = true;
    std::vector<nl::PortVlan> vlans;
};

// A node's own interface (`interfaces`) made over rtnetlink in its namespace.
// `place_in`: made from another namespace (the batch's) straight into the node's.
struct Device {
    nl::LinkSpec spec;
    std::optional<Target> place_in;
};

// A VXLAN port's flood entry (`bridge fdb append 00:00:00:00:00:00 dev X dst D`): broadcast,
// unknown and multicast frames go to every such machine.
struct Fdb {
    int ifindex = 0;
    std::string name;
    net::Prefix dst;
};

// A tap: the tun driver makes it only through /dev/net/tun (TUNSETIFINDEX, TUNSETIFF,
// TUNSETPERSIST) from inside the namespace, so the runtime does it there; no request.
struct Tap {
    std::string name;
    int ifindex = 0;
};

// A wireguard interface's keys, port and peers: generic netlink (WG_CMD_SET_DEVICE) in the
// node's namespace, which the runtime sends once the batch has made the link; no rtnetlink request.
struct WireGuard {
    std::string name;
    nl::WgDevice device;
};

struct Address {
    int ifindex = 0;
    net::Prefix prefix;
};

struct Route {
    nl::RouteSpec spec;
};

// A policy-routing rule of one family (a rule of both families is two steps).
struct Rule {
    nl::RuleSpec spec;
};

// The link's impairment as the root qdisc of one end (the kernel's sch_netem).
struct Qdisc {
    int ifindex = 0;
    topo::Netem netem;
};

// A per-interface sysctl, written from inside the namespace once the interface exists.
struct Sysctl {
    std::string key, value;
};

// A topology `exec` command, run in the node once it is wired.
struct Exec {
    std::string command;
};

using Action = std::variant<Bridge, Veth, SetLink, PortVlans, Device, Fdb, Tap, WireGuard, Address, Route, Rule, Qdisc, Sysctl, Exec>;

struct Step {
    std::string id;       // stable: the same object has the same id in any plan of any version
    std::string pointer;  // where in the topology it comes from ("/links/3")
    std::string what;     // for errors: "create link r1:eth0 <-> r2:eth0 (/links/0)"
    Action action;
};

struct Batch {
    Target target;
    std::string context;  // prefix of an error from this batch ("node r1"), may be empty
    std::vector<Step> steps;
};

// In the order they run. Each phase needs what the one before made.
// Interfaces: a node's own (`interfaces`), after the links they may sit on; taps first, then
// vrfs, then the rest in file order, each made down and in its vrf (a bond's members follow
// it, each set down and enslaved; a wireguard's configuration follows it); Config brings them
// up (after the veth peers they may sit on) and adds their addresses.
enum class Stage { Bridges, Links, Ports, Interfaces, Config, Impairments, Sysctls, Exec };
const char* to_string(Stage s);

struct Phase {
    Stage stage;
    std::vector<Batch> batches;  // a node's batch is sent whole, nodes in file order
};

// How a link with a `netem` key gets it: "netem" (the kernel) or "userspace" (the forwarder,
// whose namespace holds the inner ends `inner`).
struct Impairment {
    std::size_t link = 0;
    std::string path;
    topo::Netem netem;
    std::string inner[2];  // "l3a", "l3b" when forwarded
};

struct Plan {
    std::vector<Phase> phases;
    // Every interface's chosen ifindex, per node (lo included), and the forwarder's inner ends.
    std::vector<std::map<std::string, int>> ifindex;
    std::map<std::string, int> forwarder_ifindex;
    std::vector<Impairment> impairments;  // by link index, links with a `netem` key only

    const Phase* phase(Stage s) const;
    std::size_t steps() const;
};

// Throws nothing for a model parse() accepted.
Plan make_plan(const topo::Model& model, const Facts& facts = {});

// The name of link `link`'s end `end` inside the forwarder's namespace.
std::string forwarder_end(std::size_t link, int end);

// The route requests of one node, with its interfaces' ifindexes from `index` (unknown
// interfaces get 0: the kernel then answers for the gateway). Used at build time with the
// plan's ifindexes, and when a link comes back up with those the kernel reports.
std::vector<Step> route_steps(const topo::Node& node, const std::map<std::string, int>& index);
// One route's request, the same way.
nl::RouteSpec route_spec(const topo::Route& route, const std::map<std::string, int>& index);

}  // namespace nslab::plan
