#include "lab/devices.hpp"

#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <map>
#include <optional>

#include "netlink/netlink.hpp"
#include "sys/fd.hpp"
#include "sys/netns_guard.hpp"
#include "util/error.hpp"

namespace nslab::lab {

namespace {

// A tap named `name`, optionally with a chosen ifindex (the tun driver's TUNSETIFINDEX, which
// must come before TUNSETIFF). Returns 0 or the errno of the step that failed, naming it.
int open_tap(const std::string& name, int ifindex, bool persist, std::string& step) {
    step = "open /dev/net/tun";
    sys::Fd fd(::open("/dev/net/tun", O_RDWR | O_CLOEXEC));
    if (!fd) return errno;
    if (ifindex > 0) {
        step = "TUNSETIFINDEX";
        unsigned idx = static_cast<unsigned>(ifindex);
        if (::ioctl(fd.get(), TUNSETIFINDEX, &idx) < 0) return errno;
    }
    ifreq ifr{};
    ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
    std::strncpy(ifr.ifr_name, name.c_str(), IFNAMSIZ - 1);
    step = "TUNSETIFF";
    if (::ioctl(fd.get(), TUNSETIFF, &ifr) < 0) return errno;
    step = "TUNSETPERSIST";
    if (persist && ::ioctl(fd.get(), TUNSETPERSIST, 1) < 0) return errno;
    return 0;
}

// The least interface of `kind`, named "probe1"; `link` set (to be filled in) for the kinds
// that sit on a lower device.
nl::LinkSpec probe_spec(topo::DeviceKind kind) {
    nl::LinkSpec s;
    s.kind = topo::to_string(kind);
    s.name = "probe1";
    s.vrf_table = 100;
    s.vlan_id = 10;
    s.vni = 10;
    s.link = (kind == topo::DeviceKind::Vlan || kind == topo::DeviceKind::Macvlan) ? 1 : 0;
    // A tunnel without ends has the parameters of its module's fallback device (gre0, tunl0,
    // ...), which the kernel then refuses as a duplicate (EEXIST): give it a documentation
    // address as its far end.
    if (topo::is_tunnel(kind))
        s.tunnel_remote = net::Prefix::parse_addr(topo::underlay_family(kind) == net::Family::V6 ? "2001:db8::1" : "192.0.2.1");
    return s;
}

}  // namespace

namespace {

// A bridge kernel built without CONFIG_BRIDGE_VLAN_FILTERING refuses the attribute itself
// (EOPNOTSUPP), so a VLAN-aware switch fails like a missing kind: before anything is built.
void check_vlan_filtering(nl::Socket& sock, const topo::Node& sw) {
    auto failures = sock.execute({nl::new_bridge("probe2", false, "", 0, true)});
    sock.execute({nl::delete_link(0, "probe2")});
    if (failures.empty()) return;
    const auto& f = failures[0];
    const std::string pointer = sw.pointer + "/vlan_filtering", step = "create a VLAN-aware bridge";
    std::string text = "switch " + sw.name + ": " + pointer +
                       ": this kernel cannot make VLAN-aware bridges: its bridge needs CONFIG_BRIDGE_VLAN_FILTERING; " + step + ": " +
                       std::strerror(f.err) + (f.ext_ack.empty() ? "" : " (" + f.ext_ack + ")");
    throw NodeError({sw.name, pointer, "bridge " + sw.name, false}, step, f.err, f.ext_ack, text);
}

}  // namespace

void check_device_kinds(const topo::Model& model) {
    std::map<topo::DeviceKind, std::pair<const topo::Node*, const topo::Device*>> first;
    const topo::Node* vlan_switch = nullptr;
    for (const auto& nd : model.nodes) {
        for (const auto& d : nd.devices) first.emplace(d.kind, std::make_pair(&nd, &d));
        if (nd.vlan_filtering && !vlan_switch) vlan_switch = &nd;
    }
    if (first.empty() && !vlan_switch) return;
    sys::NetnsGuard guard;
    sys::Fd scratch = guard.enter_new("a scratch network namespace to try interface kinds in");
    nl::Socket sock = nl::Socket::open();
    if (vlan_switch) check_vlan_filtering(sock, *vlan_switch);
    for (const auto& [kind, where] : first) {
        int err = 0;
        std::string ext_ack, step;
        if (kind == topo::DeviceKind::Tap) {
            err = open_tap("probe1", 0, false, step);
        } else {
            nl::LinkSpec spec = probe_spec(kind);
            if (spec.link) {
                nl::VethEnd a, b;
                a.name = "probe0";
                a.up = false;
                b.name = "probe0b";
                sock.execute({nl::new_veth(a, b)});
                for (const auto& l : sock.dump_links())
                    if (l.name == "probe0") spec.link = l.ifindex;
            }
            auto failures = sock.execute({nl::new_link(spec)});
            if (!failures.empty()) {
                err = failures[0].err;
                ext_ack = failures[0].ext_ack;
            }
            step = "create " + spec.kind;
        }
        // Gone with the scratch namespace; delete them anyway so the next probe starts bare.
        sock.execute({nl::delete_link(0, "probe1"), nl::delete_link(0, "probe0")});
        if (!err) continue;
        const auto& [node, dev] = where;
        const std::string name = topo::to_string(kind), module = topo::module_of(kind);
        std::string text = "node " + node->name + ": " + dev->pointer + ": this kernel cannot make " + name +
                           " interfaces: it needs the kernel module \"" + module + "\" (modprobe " + module + "); " + step +
                           ": " + std::strerror(err) + (ext_ack.empty() ? "" : " (" + ext_ack + ")");
        throw NodeError({node->name, dev->pointer, "interface " + node->name + ":" + dev->name, false}, step, err, ext_ack,
                        text);
    }
}

void make_taps(const plan::Batch& batch, int netns_fd, const std::string& node) {
    sys::NetnsGuard in;
    bool entered = false;
    for (const auto& step : batch.steps) {
        auto* tap = std::get_if<plan::Tap>(&step.action);
        if (!tap) continue;
        if (!entered) in.enter(netns_fd, "node " + node);
        entered = true;
        std::string what;
        if (int err = open_tap(tap->name, tap->ifindex, true, what))
            throw NodeError({node, step.pointer, step.id, false}, what, err, "",
                            batch.context + ": " + step.what + ": " + what + ": " + std::strerror(err));
    }
}

void configure_wireguard(const plan::Batch& batch, int netns_fd, const std::string& node) {
    std::optional<nl::Socket> sock;
    std::uint16_t family = 0;
    for (const auto& step : batch.steps) {
        auto* wg = std::get_if<plan::WireGuard>(&step.action);
        if (!wg) continue;
        try {
            if (!sock) {
                sock = nl::Socket::open_generic_in(netns_fd);
                family = sock->resolve_family("wireguard");
            }
            sock->execute_or_throw(nl::wg_set_device(family, wg->device, step.what), batch.context);
        } catch (const nl::NetlinkError& e) {
            throw NodeError({node, step.pointer, step.id, true}, e.op(), e.err(), e.detail(),
                            batch.context + ": " + step.what + ": " + e.what());
        }
    }
}

}  // namespace nslab::lab
