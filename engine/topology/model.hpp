// The resolved topology: what TOPOLOGY.md describes, after parsing, defaults merging,
// validation and auto-addressing. Everything downstream (planning, the keeper, status, the
// bindings) works from this and never looks at JSON again.
#pragma once

#include <array>
#include <cstdint>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "net/ip.hpp"

namespace nslab::topo {

enum class NodeKind { Host, Router, Switch };
const char* to_string(NodeKind k);

// Namespaces beside `net` (which every node has).
enum Namespace : unsigned {
    NS_UTS = 1u << 0,
    NS_MNT = 1u << 1,
    NS_PID = 1u << 2,
    NS_IPC = 1u << 3,
    NS_CGROUP = 1u << 4,
    NS_TIME = 1u << 5,
};
constexpr unsigned kDefaultNamespaces = NS_UTS | NS_MNT | NS_PID | NS_IPC;

struct Route {
    net::Prefix to;                    // "default" resolved to 0.0.0.0/0 or ::/0
    std::optional<net::Prefix> via;    // bare address (len = 32/128)
    std::string dev;                   // interface of the node, or empty
    std::optional<std::uint32_t> metric;
    std::string pointer;               // "/nodes/h1/routes/0", for errors at run time
    std::uint32_t table = 0;           // 0: the main table; else `table`, a vrf's resolved
    std::string table_vrf;             // `table` as written when it names a vrf of the node
    // `via` lies outside every subnet of `dev` (allowed when `dev` is given): the route must
    // carry RTNH_F_ONLINK or the kernel refuses the gateway.
    bool onlink = false;
};

// `rules`: one FIB rule (RTM_NEWRULE) in the family of its prefixes; a rule without `from`
// and `to` is made for IPv4 and IPv6 both. `table` is resolved like a route's.
struct Rule {
    std::optional<net::Family> family;    // unset: both
    std::optional<net::Prefix> from, to;  // networks
    std::string iif, oif;                 // interfaces of the node, or empty
    std::optional<std::uint32_t> fwmark;
    std::uint32_t table = 0;
    std::string table_vrf;
    std::optional<std::uint32_t> priority;
    std::string pointer;                  // "/nodes/r1/rules/0"
    bool operator==(const Rule&) const = default;
};

// Per direction; each end's egress gets these values.
struct Netem {
    std::optional<std::uint32_t> delay_us, jitter_us;
    std::optional<double> loss, duplicate, corrupt, reorder;  // percent, 0..100
    std::optional<std::uint64_t> rate_bps;                    // bits per second
    std::optional<std::uint32_t> limit;                       // packets
    bool empty() const {
        return !delay_us && !jitter_us && !loss && !duplicate && !corrupt && !reorder && !rate_bps && !limit;
    }
    bool operator==(const Netem&) const = default;
};

// Offsets of a node's time namespace (its `time_offsets`), in nanoseconds; may be negative.
struct TimeOffsets {
    std::int64_t monotonic_ns = 0, boottime_ns = 0;
    bool empty() const { return !monotonic_ns && !boottime_ns; }
    bool operator==(const TimeOffsets&) const = default;
};

struct Limits {
    std::optional<double> cpus;
    std::optional<std::uint64_t> memory;  // bytes
    std::optional<std::uint64_t> pids;
    bool empty() const { return !cpus && !memory && !pids; }
    bool operator==(const Limits&) const = default;
};

// One end of a link as it lives in a node.
struct Interface {
    std::string name;
    std::vector<net::Prefix> addrs;       // IPv4 first, then IPv6, in the order written
    std::optional<net::Mac> mac;
    std::size_t link = 0;                 // index into Model::links
    int end = 0;                          // 0 or 1: which endpoint of that link
    std::string vrf;                      // the endpoint object's "vrf": a vrf interface of the node
    // A port of a switch with `vlan_filtering`: its untagged VLAN (PVID, egress untagged) and
    // its tagged VLANs. Neither set: the bridge's default (VLAN 1 untagged).
    std::optional<std::uint16_t> pvid;
    std::vector<std::uint16_t> vlans;
    std::string pointer;                  // "/links/3/endpoints/1"
};

// A private tmpfs of a node. Mode 1777 by default, like /tmp, so a daemon that drops to its own
// user (FRR's frr, BIRD's bird) can write its pid file and socket there.
struct PrivateDir {
    std::string path;
    unsigned mode = 01777;
    std::string owner;  // "user[:group]": names of the node's /etc/passwd and /etc/group, or
                        // numbers; empty: root's
    bool operator==(const PrivateDir&) const = default;
};

// A host path bind-mounted into the node.
struct Mount {
    std::string source, target;
    bool readonly = false;
    std::string pointer;  // "/nodes/r1/mounts/0"
    bool operator==(const Mount&) const = default;
};

// `frr`: FRR's daemons in the node, started after the `exec` commands. nslab adds the private
// dirs they need (/etc/frr, /var/run/frr, /var/log/frr, /var/tmp/frr, owned by frr) unless the
// node lists them itself, and writes the integrated config to /etc/frr/frr.conf.
struct Frr {
    std::vector<std::string> daemons;  // in the order the FRR package starts them, zebra and
                                       // staticd included (mgmtd is added at start where installed)
    std::string config;                // frr.conf's text, when written inline
    std::string config_path;           // else a file of the host (relative paths resolved against
                                       // ParseOptions::base_dir), read when the lab is built
    std::string pointer;               // "/nodes/r1/frr"
    std::string config_pointer;        // "/nodes/r1/frr/config" (or under /defaults)
};

inline constexpr const char* kFrrConfigFile = "/etc/frr/frr.conf";
// The private dirs the `frr` and `bird` keys give a node that does not list them itself.
std::vector<PrivateDir> frr_private_dirs();
std::vector<PrivateDir> bird_private_dirs();
inline constexpr const char* kBirdConfigFile = "/etc/bird/bird.conf";

// `bird`: BIRD 2 in the node with /etc/bird/bird.conf, its control socket /run/bird/bird.ctl.
struct Bird {
    std::string config, config_path;   // as in Frr
    std::string pointer;               // "/nodes/r1/bird"
    std::string config_pointer;
};

// `interfaces`: an interface of the node that is not a veth link end (TOPOLOGY.md "Nodes:
// interfaces beyond veth"). Only the keys of its kind are set.
enum class DeviceKind { Dummy, Vrf, Vlan, Macvlan, Vxlan, Tap, Bond, Gre, Gretap, Ipip, Ip6gre, Ip6tnl, Sit, Wireguard };
const char* to_string(DeviceKind k);
// The kind a topology names ("ip6gre"), or none; and every kind's name, in the enum's order.
std::optional<DeviceKind> device_kind(std::string_view name);
std::vector<std::string_view> device_kind_names();
// The kernel module each kind needs ("dummy", "vrf", "8021q", "macvlan", "vxlan", "tun",
// "bonding", "ip_gre", "ipip", "ip6_gre", "ip6_tunnel", "sit", "wireguard").
const char* module_of(DeviceKind k);
// gre, gretap, ipip, ip6gre, ip6tnl, sit: point-to-point tunnels with `local` and `remote`.
bool is_tunnel(DeviceKind k);
// The address family a tunnel kind runs over (ip6gre, ip6tnl: IPv6; the others IPv4).
net::Family underlay_family(DeviceKind k);

using WgKey = std::array<std::uint8_t, 32>;

// One peer of a wireguard interface.
struct WgPeer {
    WgKey public_key{};
    std::optional<net::Prefix> endpoint;  // bare address, or none (the peer will call us)
    std::uint16_t endpoint_port = 0;
    std::vector<net::Prefix> allowed_ips;
    std::optional<std::uint16_t> keepalive;  // seconds
    bool operator==(const WgPeer&) const = default;
};

struct Device {
    std::string name;
    DeviceKind kind = DeviceKind::Dummy;
    std::vector<net::Prefix> addrs;       // IPv4 first, then IPv6, in the order written
    std::optional<std::uint32_t> mtu;
    std::optional<net::Mac> mac;
    bool up = true;
    std::string vrf;                      // a vrf device of the node it is enslaved to, or empty
    std::uint32_t table = 0;              // vrf
    std::string link;                     // vlan, macvlan: the interface it sits on
    std::uint16_t vlan_id = 0;            // vlan
    bool qinq = false;                    // vlan: protocol 802.1ad rather than 802.1q
    std::string mode;                     // macvlan: "bridge", "private", "vepa", "passthru";
                                          // bond: "active-backup", "802.3ad", "balance-rr", ...
    std::uint32_t vni = 0;                // vxlan
    std::optional<net::Prefix> remote, group, local;  // vxlan, tunnels: bare addresses
    std::string dev;                      // vxlan: the underlay interface, or empty
    std::uint16_t port = 4789;            // vxlan: UDP destination port
    bool learning = true;                 // vxlan
    std::vector<std::string> members;     // bond: link ends of the node
    std::uint32_t miimon = 100;           // bond: link monitoring interval, ms
    std::optional<std::uint8_t> ttl;      // tunnels (hop limit for the IPv6 kinds)
    std::optional<std::uint32_t> key;     // gre, gretap, ip6gre: both directions' GRE key
    WgKey private_key{};                  // wireguard
    std::optional<std::uint16_t> listen_port;  // wireguard (none: the kernel picks one)
    std::vector<WgPeer> peers;            // wireguard
    // Set only by plan::partition, for the VXLAN that carries a link between two machines:
    // made from the machine's own namespace (its UDP socket on the machine's underlay) straight
    // into the node's; `flood`: the other machines a switch's VXLAN port floods to (its FDB).
    bool from_host = false;
    std::vector<net::Prefix> flood;
    std::string pointer;                  // "/nodes/r1/interfaces/vrf-a"
    bool operator==(const Device&) const = default;
};

struct Node {
    std::string name;
    NodeKind kind = NodeKind::Host;
    std::string hostname;                 // defaults to the node name
    bool hostname_explicit = false;
    std::vector<net::Prefix> loopback;
    std::vector<std::pair<std::string, std::string>> sysctls;  // in file order
    std::vector<Route> routes;
    std::vector<Rule> rules;              // policy-routing rules, in file order
    bool vlan_filtering = false;          // switch: a VLAN-aware bridge
    std::vector<std::pair<std::string, std::string>> env;      // in file order
    std::vector<PrivateDir> private_dirs;
    std::vector<Mount> mounts;            // after private dirs and files, in file order
    bool shared_tmp = false;              // the host's /tmp instead of a tmpfs of its own
    std::vector<std::pair<std::string, std::string>> files;    // path -> content, file order
    std::vector<std::string> exec;
    Limits limits;
    unsigned namespaces = kDefaultNamespaces;
    TimeOffsets time_offsets;             // extension: needs the "time" namespace
    std::string rootfs;
    std::optional<Frr> frr;
    std::optional<Bird> bird;
    std::vector<Interface> interfaces;    // in the order links are written
    std::vector<Device> devices;          // `interfaces`, in file order
    std::string pointer;                  // "/nodes/r1"

    const Interface* find_interface(std::string_view ifname) const;
    const Device* find_device(std::string_view ifname) const;
};

struct Endpoint {
    std::size_t node = 0;                 // index into Model::nodes
    std::string iface;                    // switch ports get their automatic name here
    bool up = true;                       // the endpoint's own "up": false leaves this end down
};

struct Link {
    Endpoint ends[2];
    // Whether end `e` comes up: the link's "up" and the endpoint's own.
    bool end_up(int e) const { return up && ends[e].up; }
    std::optional<std::uint32_t> mtu;
    Netem netem;
    bool up = true;
    std::string pointer;                  // "/links/3"
};

// A lab over several machines (`placement`): the machines and which one runs each node.
struct PlacementHost {
    std::string name;
    net::Prefix address;                  // bare: where the other machines' VXLAN reaches it
    std::string ssh;                      // the ssh destination; default: the address
    std::vector<std::string> ssh_options;
    std::string lab = "lab";              // the `lab` command there
    std::uint32_t mtu = 1500;             // the underlay's MTU
    std::string pointer;                  // "/placement/hosts/h1"
    bool operator==(const PlacementHost&) const = default;
};

struct Placement {
    std::vector<PlacementHost> hosts;     // in file order
    std::vector<std::string> node_host;   // by node index; "" until placed
    std::uint32_t vni_base = 0;           // 0: derived from the lab's name
    const PlacementHost* find(std::string_view host) const;
    bool operator==(const Placement&) const = default;
};

// Node name -> index, for Model::index_of. Built by the first lookup of a big model and again
// whenever a lookup finds it stale (nodes added, removed or renamed since); a copy or a move
// starts empty. Without it, listing a 10,000-node lab's nodes (`lab status`, Python's Lab)
// compared names 50 million times.
class NodeIndex {
public:
    NodeIndex() = default;
    NodeIndex(const NodeIndex&) {}
    NodeIndex(NodeIndex&&) noexcept {}
    NodeIndex& operator=(const NodeIndex&);
    NodeIndex& operator=(NodeIndex&&) noexcept;
    std::optional<std::size_t> find(const std::vector<Node>& nodes, std::string_view name) const;

private:
    mutable std::mutex mu_;
    mutable std::unordered_map<std::string, std::size_t> map_;
};

struct Model {
    int version = 1;
    std::string name;
    std::vector<Node> nodes;              // in file order
    std::vector<Link> links;              // in file order
    std::optional<net::Prefix> addressing_v4, addressing_v6;
    std::optional<Placement> placement;
    NodeIndex node_index;

    const Node* find(std::string_view node) const;
    std::optional<std::size_t> index_of(std::string_view node) const;
    // "r1:eth1" for an end of a link.
    std::string endpoint_name(const Endpoint& e) const;
};

// Every problem found in a topology, each with the JSON pointer where it is.
struct Issue {
    std::string pointer;   // "/links/3/endpoints/1"; "" for the document itself
    std::string message;   // "unknown node \"r9\"; known nodes: r1, r2"
};

class TopologyError : public std::runtime_error {
public:
    TopologyError(std::string source, std::vector<Issue> issues);
    const std::string& source() const noexcept { return source_; }
    const std::vector<Issue>& issues() const noexcept { return issues_; }

private:
    std::string source_;
    std::vector<Issue> issues_;
};

struct ParseOptions {
    std::string source = "<topology>";   // file name used in messages
    std::string name_override;           // `lab up --name X`
    // The directory a relative `frr`/`bird` config path is relative to (the topology file's);
    // empty: such paths stay relative (to the reader's working directory).
    std::string base_dir;
    // A host of the topology's `placement`: the result is the part of the lab that machine runs
    // (topo::partition).
    std::string partition;
};

// Parse, merge defaults, validate, auto-address. Throws TopologyError listing every issue.
Model parse(std::string_view text, const ParseOptions& opts = {});
// A `netem` object from `key=value` pairs as `lab impair` takes them ("delay" -> "20ms"), read
// and checked as the topology's `netem` key is; TopologyError with source "set" otherwise.
Netem parse_netem(const std::vector<std::pair<std::string, std::string>>& pairs);
// The interface a per-interface sysctl key is about ("net.ipv4.conf.eth1.rp_filter" -> "eth1"),
// which must exist before the key can be written; "" for keys that can be written at node start.
std::string sysctl_interface(const std::string& key);

bool valid_lab_name(std::string_view);
bool valid_node_name(std::string_view);
bool valid_ifname(std::string_view);

}  // namespace nslab::topo
