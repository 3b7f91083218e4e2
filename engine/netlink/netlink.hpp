// rtnetlink over libmnl: messages are built by pure functions (unit-testable byte for byte),
// then sent in batches on a Socket that checks every ack and keeps the kernel's extended-ACK
// text. A Socket talks to the network namespace it was opened in.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "net/ip.hpp"
#include "util/error.hpp"

namespace nslab::nl {

// One netlink message, built but not sent. Sequence number and port are filled in at send.
struct Message {
    std::vector<std::uint8_t> bytes;   // a complete nlmsghdr + payload, NLMSG_ALIGNed
    std::string what;                  // "create veth r1:eth1 <-> r2:eth1", for errors
};

// ---- builders (pure) ----------------------------------------------------------------

struct VethEnd {
    std::string name;
    int netns_fd = -1;                 // -1: the namespace of the socket that sends it
    std::optional<std::uint32_t> mtu;
    std::optional<net::Mac> mac;
    bool up = true;                    // for the peer: see new_veth()
    int ifindex = 0;                   // > 0: the ifindex to give it (0: the kernel picks)
};
// One RTM_NEWLINK (NLM_F_CREATE|NLM_F_EXCL) creating both ends in place: `self` with
// IFLA_NET_NS_FD when set, the peer inside IFLA_LINKINFO/VETH_INFO_PEER with its own
// IFLA_NET_NS_FD. `master_ifindex` (>0) enslaves `self` at creation (bridge port).
// Only `self` comes up with this message: the kernel configures the peer before it ties the
// two ends together, so IFF_UP on the peer fails the whole request with ENOTCONN (veth_open
// finds no peer; seen on 6.18). The peer's ifinfomsg therefore never carries IFF_UP, whatever
// peer.up says; bring it up with set_link by name, on a socket in the peer's namespace.
Message new_veth(const VethEnd& self, const VethEnd& peer, int master_ifindex = 0, std::string what = {});

// A Linux bridge with STP off and forward delay 0, so ports forward at once; VLAN-aware
// (IFLA_BR_VLAN_FILTERING) when `vlan_filtering`.
Message new_bridge(const std::string& name, bool up, std::string what = {}, int ifindex = 0, bool vlan_filtering = false);

// One VLAN of a port of a VLAN-aware bridge, as `bridge vlan add dev PORT vid ID [pvid untagged]`.
struct PortVlan {
    std::uint16_t vid = 0;
    bool pvid = false;                 // BRIDGE_VLAN_INFO_PVID: untagged frames in get this VLAN
    bool untagged = false;             // BRIDGE_VLAN_INFO_UNTAGGED: sent out without a tag
    bool operator==(const PortVlan&) const = default;
};
// RTM_SETLINK (add) or RTM_DELLINK (remove), family AF_BRIDGE, on the port `ifindex`: the
// VLANs as IFLA_BRIDGE_VLAN_INFO entries in IFLA_AF_SPEC. Removing never deletes the port.
Message port_vlans(int ifindex, bool add, const std::vector<PortVlan>& vlans, std::string what = {});

// A link of one of the kinds a node's `interfaces` make over rtnetlink (a tap is made with
// ioctls instead: the kernel's tun driver refuses rtnetlink creation). Only the fields of
// `kind` are read.
struct LinkSpec {
    std::string kind;                  // "dummy", "vrf", "vlan", "macvlan", "vxlan", "bond", "gre", "gretap",
                                       // "ipip", "ip6gre", "ip6tnl", "sit", "wireguard"
    std::string name;
    int ifindex = 0;                   // > 0: the ifindex to give it
    bool up = false;
    std::optional<std::uint32_t> mtu;
    std::optional<net::Mac> mac;
    int master = 0;                    // IFLA_MASTER (a vrf), or 0
    int link = 0;                      // vlan, macvlan: IFLA_LINK, the lower device
    std::uint32_t vrf_table = 0;       // IFLA_VRF_TABLE
    std::uint16_t vlan_id = 0;
    bool qinq = false;                 // IFLA_VLAN_PROTOCOL 802.1ad (0x88a8) instead of 802.1Q
    std::uint32_t macvlan_mode = 4;    // MACVLAN_MODE_* (bridge)
    std::uint32_t vni = 0;
    std::optional<net::Prefix> vxlan_remote;  // IFLA_VXLAN_GROUP(6): a unicast peer or a group
    std::optional<net::Prefix> vxlan_local;   // IFLA_VXLAN_LOCAL(6)
    int vxlan_dev = 0;                 // IFLA_VXLAN_LINK, or 0
    std::uint16_t vxlan_port = 4789;   // IFLA_VXLAN_PORT, sent in network order
    bool vxlan_learning = true;
    std::uint8_t bond_mode = 0;        // IFLA_BOND_MODE: BOND_MODE_* (0 balance-rr, 1 active-backup, ...)
    std::uint32_t bond_miimon = 100;   // IFLA_BOND_MIIMON, ms
    // gre, gretap, ip6gre (IFLA_GRE_*), ipip, sit, ip6tnl (IFLA_IPTUN_*): the underlay ends,
    // 4 or 16 bytes by the kind's family; ttl (hop limit) unset: inherit for the IPv4 kinds,
    // 64 for the IPv6 kinds, as iproute2 does; a GRE key for both directions.
    std::optional<net::Prefix> tunnel_local, tunnel_remote;
    std::optional<std::uint8_t> tunnel_ttl;
    std::optional<std::uint32_t> gre_key;
    int netns_fd = -1;                 // IFLA_NET_NS_FD: made from the sender's namespace into this one
};
// RTM_NEWLINK (NLM_F_CREATE|NLM_F_EXCL) with IFLA_LINKINFO and the kind's IFLA_INFO_DATA.
Message new_link(const LinkSpec& spec, std::string what = {});
// RTM_NEWNEIGH (AF_BRIDGE, NLM_F_APPEND): the all-zeros entry of a VXLAN device that sends
// broadcast and unknown frames to `dst` too.
Message append_fdb(int ifindex, const net::Prefix& dst, std::string what = {});

// ---- generic netlink: WireGuard's configuration ---------------------------------------

// CTRL_CMD_GETFAMILY of the generic netlink family `name` ("wireguard"), whose reply carries
// the family's id (Socket::resolve_family sends it and reads the id).
Message get_family(const std::string& name, std::string what = {});

struct WgPeer {
    std::array<std::uint8_t, 32> public_key{};
    std::optional<net::Prefix> endpoint;  // bare address
    std::uint16_t endpoint_port = 0;
    std::optional<std::uint16_t> keepalive;  // seconds
    std::vector<net::Prefix> allowed_ips;
};
struct WgDevice {
    int ifindex = 0;
    std::array<std::uint8_t, 32> private_key{};
    std::optional<std::uint16_t> listen_port;
    std::vector<WgPeer> peers;
};
// WG_CMD_SET_DEVICE requests for family `family_id`: the first sets the private key and port
// and drops any peers (WGDEVICE_F_REPLACE_PEERS), then one request per peer (so no peer list
// outgrows a message), each replacing the peer's allowed IPs. `what` names them in errors.
std::vector<Message> wg_set_device(std::uint16_t family_id, const WgDevice& dev, const std::string& what);

// RTM_NEWLINK on an existing link named by index (>0) or else by name: admin state, MTU, master.
struct LinkChange {
    int ifindex = 0;
    std::string name;
    std::optional<bool> up;
    std::optional<std::uint32_t> mtu;
    std::optional<int> master;         // 0 = release
    std::optional<net::Mac> mac;       // IFLA_ADDRESS
};
Message set_link(const LinkChange& change, std::string what = {});

// RTM_NEWADDR (NLM_F_CREATE|NLM_F_EXCL). IPv6 gets IFA_F_NODAD so it is usable at once.
Message new_address(int ifindex, const net::Prefix& addr, std::string what = {});

struct RouteSpec {
    net::Prefix to;                    // network; host bits must be clear
    std::optional<net::Prefix> via;    // gateway address
    int oif = 0;                       // output interface index, 0 = let the kernel pick from via
    std::optional<std::uint32_t> metric;
    bool onlink = false;
    std::uint32_t table = 0;           // 0: the main table
};
// RTM_NEWROUTE (NLM_F_CREATE|NLM_F_EXCL), in `table` (main unless set), proto static, scope universe (link when
// there is no gateway).
Message new_route(const RouteSpec& route, std::string what = {});
// The same route, replacing one the kernel has to that destination and metric (or adding it).
Message replace_route(const RouteSpec& route, std::string what = {});
// RTM_DELROUTE of the route to `route.to` (with its metric) in its table.
Message delete_route(const RouteSpec& route, std::string what = {});

// A FIB rule "lookup `table`" in one family; empty fields match everything.
struct RuleSpec {
    net::Family family = net::Family::V4;
    std::optional<net::Prefix> from, to;
    std::string iif, oif;              // names: the kernel matches interfaces by name
    std::optional<std::uint32_t> fwmark;
    std::uint32_t table = 0;
    std::optional<std::uint32_t> priority;
};
// RTM_NEWRULE (NLM_F_CREATE|NLM_F_EXCL) / RTM_DELRULE, action FR_ACT_TO_TBL.
Message new_rule(const RuleSpec& rule, std::string what = {});
Message delete_rule(const RuleSpec& rule, std::string what = {});

// RTM_DELLINK by index (>0) or else by name; a veth's peer goes with it.
Message delete_link(int ifindex, const std::string& name, std::string what = {});
// RTM_DELADDR of one address of an interface.
Message delete_address(int ifindex, const net::Prefix& addr, std::string what = {});

// ---- what the kernel reports back ---------------------------------------------------

struct LinkInfo {
    int ifindex = 0;
    std::string name;
    unsigned flags = 0;                // IFF_*
    std::uint32_t mtu = 0;
    std::optional<net::Mac> mac;
    int master = 0;
    std::string kind;                  // IFLA_INFO_KIND: "veth", "bridge", "" for lo
    int link = 0;                      // IFLA_LINK: peer ifindex (in the peer's namespace)
    std::optional<int> link_netnsid;   // IFLA_LINK_NETNSID
    std::uint8_t operstate = 0;        // IF_OPER_*
    bool up() const;                   // IFF_UP
    bool carrier() const;              // IFF_LOWER_UP
};

struct AddrInfo {
    int ifindex = 0;
    net::Prefix prefix;                // address with its prefix length
    unsigned flags = 0;                // IFA_F_* (from IFA_FLAGS when present)
    std::uint8_t scope = 0;
};

struct RouteInfo {
    net::Prefix dst;                   // 0.0.0.0/0 for default
    std::optional<net::Prefix> gateway;
    int oif = 0;
    std::optional<std::uint32_t> metric;
    std::uint8_t protocol = 0, type = 0, scope = 0;
    std::uint32_t table = 0;
};

// ---- errors -------------------------------------------------------------------------

struct Failure {
    std::size_t index = 0;             // position in the batch
    int err = 0;                       // positive errno
    std::string ext_ack;               // NLMSGERR_ATTR_MSG, may be empty
    std::string what;                  // the Message::what
};

// A kernel NACK: errno, the extended-ACK message and the object (Message::what) it concerned.
// op() is the object, err() the errno, detail() the extended ACK.
class NetlinkError : public SystemError {
public:
    NetlinkError(std::string what, int err, std::string ext_ack);
    // The first of `failures` (not empty) names the error; the text is "<context>: <what>:
    // <errno text> (<ext ack>) (and N more failures)". All failures stay available.
    NetlinkError(const std::string& context, std::vector<Failure> failures);
    // One failure whose full text was composed elsewhere (in the keeper, across a pipe).
    NetlinkError(std::string what, int err, std::string ext_ack, std::string text);

    const char* what() const noexcept override { return text_.c_str(); }
    const std::vector<Failure>& failures() const noexcept { return failures_; }

private:
    std::vector<Failure> failures_;
    std::string text_;
};

// ---- transport seam: the real kernel socket, or a fake in unit tests -----------------

class Transport {
public:
    virtual ~Transport() = default;
    virtual void send(const void* buf, std::size_t len) = 0;       // throws SystemError
    virtual std::size_t recv(void* buf, std::size_t len) = 0;      // blocks; throws SystemError
    virtual std::uint32_t port_id() const = 0;
    virtual std::size_t send_buffer() const = 0;                   // bytes one send may carry
    virtual int fd() const { return -1; }                          // the kernel socket, if any
};

class Socket {
public:
    // NETLINK_ROUTE in the calling thread's current network namespace, with
    // NETLINK_CAP_ACK and NETLINK_EXT_ACK on and generous buffers.
    static Socket open();
    // Same, in the namespace `netns_fd` refers to (setns on this thread, then back).
    static Socket open_in(int netns_fd);
    // A NETLINK_GENERIC socket, set up the same way, in the namespace `netns_fd` refers to.
    static Socket open_generic_in(int netns_fd);
    // Takes over an unbound AF_NETLINK/NETLINK_ROUTE socket made elsewhere (in another
    // namespace, by another process) and sets it up like open() does.
    static Socket adopt(int fd);

    explicit Socket(std::unique_ptr<Transport> t);
    Socket(Socket&&) noexcept;
    Socket& operator=(Socket&&) noexcept;
    ~Socket();

    // Sends the messages in as few sendmsg calls as the send buffer allows, reads acks as
    // they arrive (never letting hundreds pile up), and returns every failure in order.
    // A failure does not stop the messages after it.
    std::vector<Failure> execute(const std::vector<Message>& msgs);
    // execute(), then throws NetlinkError for the first failure ("<context>: <what>: <errno
    // text> (<ext ack>)"); the other failures are counted in the message.
    void execute_or_throw(const std::vector<Message>& msgs, const std::string& context = {});

    std::vector<LinkInfo> dump_links();
    std::vector<AddrInfo> dump_addrs();                // both families
    std::vector<RouteInfo> dump_routes(net::Family family);  // main table only
    // On a generic socket: the id of family `name`; NetlinkError (ENOENT where the kernel has
    // no such family, i.e. its module is missing) otherwise.
    std::uint16_t resolve_family(const std::string& name);

    int fd() const;                                    // -1 for a fake transport

private:
    std::unique_ptr<Transport> t_;
    std::uint32_t seq_ = 0;
};

}  // namespace nslab::nl
