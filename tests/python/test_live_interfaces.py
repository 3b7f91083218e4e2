"""Live changes of a node's own interfaces (issue 17 on top of issue 16's live labs): `lab apply`
adds, remakes and removes `interfaces` of running nodes, a node added to a running lab brings its
own, and a change that fails takes them back. Here with the kinds this kernel has (vxlan, tap);
a kind the kernel lacks is refused before anything is touched, naming the kind and its module
(in the stock-kernel VM, NSLAB_EXPECT_ALL_KINDS=1, it must go through instead)."""
import copy
import json
import os

import pytest

import nslab
from kinds import apply_or_refused, up_or_refused
from test_tunnels import PRIV_A, PRIV_B, PUB_A, PUB_B, bonded_pair, routed_pair

# h1 -- r -- h2, routed: the underlay a VXLAN overlay between h1 and h2 is added to.
UNDERLAY = {
    "nodes": {
        "r": {"kind": "router"},
        "h1": {"routes": [{"to": "default", "via": "10.1.0.1"}]},
        "h2": {"routes": [{"to": "default", "via": "10.2.0.1"}]},
    },
    "links": [
        {"endpoints": ["h1:eth0", "r:eth1"], "ipv4": ["10.1.0.2/24", "10.1.0.1/24"]},
        {"endpoints": ["h2:eth0", "r:eth2"], "ipv4": ["10.2.0.2/24", "10.2.0.1/24"]},
    ],
}


def with_overlay(base, vni=42):
    """`base` with a VXLAN overlay h1 <-> h2 (192.168.100.0/24), a route through it on h1, and
    a tap on h1."""
    t = copy.deepcopy(base)
    t["nodes"]["h1"]["interfaces"] = {
        "vx0": {"kind": "vxlan", "vni": vni, "remote": "10.2.0.2", "dev": "eth0", "ipv4": ["192.168.100.1/24"]},
        "t0": {"kind": "tap", "ipv4": ["10.5.0.1/24"]},
    }
    t["nodes"]["h1"]["routes"].append({"to": "172.16.0.0/24", "via": "192.168.100.2"})
    t["nodes"]["h2"]["interfaces"] = {
        "vx0": {"kind": "vxlan", "vni": vni, "remote": "10.1.0.2", "dev": "eth0", "ipv4": ["192.168.100.2/24"]},
    }
    t["nodes"]["h2"]["loopback"] = ["172.16.0.1/32"]
    return t


def link_info(node, iface):
    """`ip -d link show` of `iface` as JSON, or None when the node has no such interface."""
    res = node.run(["ip", "-d", "-j", "link", "show", "dev", iface])
    return json.loads(res.stdout)[0] if res.ok else None


def vni_of(node, iface):
    return link_info(node, iface)["linkinfo"]["info_data"]["id"]


def route_via(node, prefix):
    res = node.run(["ip", "-j", "route", "show", prefix])
    routes = json.loads(res.stdout) if res.ok else []
    return routes[0].get("gateway") if routes else None


def test_apply_adds_remakes_and_removes_own_interfaces(lab):
    lab.up(dict(UNDERLAY, name="live-ifaces"))
    pids = {n: lab[n].pid for n in lab.nodes}
    assert link_info(lab["h1"], "vx0") is None

    change = lab.apply(dict(with_overlay(UNDERLAY), name="live-ifaces"))
    assert change.lines == [
        "+ interface h1:vx0 (vxlan)",
        "+ interface h1:t0 (tap)",
        "+ interface h2:vx0 (vxlan)",
        "+ address h2:lo 172.16.0.1/32",
        "+ route h1 172.16.0.0/24 via 192.168.100.2",
    ], change.lines
    assert lab["h1"].ping("192.168.100.2"), "no ping across the VXLAN overlay added live"
    assert lab["h1"].ping("172.16.0.1"), "no ping through the route over the overlay"
    tap = link_info(lab["h1"], "t0")
    assert tap is not None and "UP" in tap["flags"] and tap["linkinfo"]["info_kind"] == "tun", tap
    assert {n: lab[n].pid for n in lab.nodes} == pids
    old_index = link_info(lab["h1"], "vx0")["ifindex"]

    # Another VNI on both ends: each vx0 is made again; the route through it comes back too.
    change = lab.apply(dict(with_overlay(UNDERLAY, vni=43), name="live-ifaces"))
    assert change.lines == [
        "- interface h1:vx0 (vxlan)",
        "- interface h2:vx0 (vxlan)",
        "+ interface h1:vx0 (vxlan)",
        "+ interface h2:vx0 (vxlan)",
    ], change.lines
    assert vni_of(lab["h1"], "vx0") == 43 and vni_of(lab["h2"], "vx0") == 43
    assert link_info(lab["h1"], "vx0")["ifindex"] != old_index
    assert route_via(lab["h1"], "172.16.0.0/24") == "192.168.100.2"
    assert lab["h1"].ping("172.16.0.1"), "no ping over the remade overlay"
    # Only an address of a kept interface: changed in place, the interface kept.
    t = with_overlay(UNDERLAY, vni=43)
    t["nodes"]["h1"]["interfaces"]["t0"]["ipv4"] = ["10.5.0.9/24"]
    kept = link_info(lab["h1"], "t0")["ifindex"]
    assert lab.apply(dict(t, name="live-ifaces")).lines == ["- address h1:t0 10.5.0.1/24", "+ address h1:t0 10.5.0.9/24"]
    assert link_info(lab["h1"], "t0")["ifindex"] == kept

    # Back to the underlay alone: the interfaces are gone, the rest untouched.
    change = lab.apply(dict(UNDERLAY, name="live-ifaces"))
    assert "- interface h1:t0 (tap)" in change.lines and "- interface h2:vx0 (vxlan)" in change.lines
    assert link_info(lab["h1"], "vx0") is None and link_info(lab["h1"], "t0") is None
    assert link_info(lab["h2"], "vx0") is None
    assert lab["h1"].ping("10.2.0.2") and {n: lab[n].pid for n in lab.nodes} == pids
    assert lab.apply(dict(UNDERLAY, name="live-ifaces")).lines == []


def test_a_node_added_to_a_running_lab_brings_its_own_interfaces(lab):
    lab.up(dict(UNDERLAY, name="live-ifnode"))
    h3 = lab.add_node("h3", {"interfaces": {"t0": {"kind": "tap", "ipv4": ["10.6.0.1/24"], "mtu": 1400}}})
    tap = link_info(h3, "t0")
    assert tap is not None and tap["mtu"] == 1400 and "UP" in tap["flags"], tap
    lab.add_link("h3:eth0", "r:eth3", ipv4=["10.3.0.2/24", "10.3.0.1/24"])
    assert lab["r"].ping("10.3.0.2")
    lab.remove_node("h3")
    assert "h3" not in lab


def test_a_failing_change_takes_back_its_interfaces(lab):
    base = dict(with_overlay(UNDERLAY), name="live-ifundo")
    lab.up(base)
    t0 = link_info(lab["h1"], "t0")["ifindex"]
    # Remake vx0 (new VNI), remove the tap, add a node whose exec fails after all that.
    bad = with_overlay(UNDERLAY, vni=44)
    del bad["nodes"]["h1"]["interfaces"]["t0"]
    bad["nodes"]["h9"] = {"exec": ["exit 3"]}
    with pytest.raises(nslab.NslabError, match="exit"):
        lab.apply(dict(bad, name="live-ifundo"))
    assert vni_of(lab["h1"], "vx0") == 42 and vni_of(lab["h2"], "vx0") == 42
    tap = link_info(lab["h1"], "t0")
    assert tap is not None and tap["ifindex"] == t0, tap
    assert route_via(lab["h1"], "172.16.0.0/24") == "192.168.100.2"
    assert lab["h1"].ping("172.16.0.1"), "the overlay did not come back"
    assert "h9" not in lab
    assert lab.apply(base).lines == []


def test_a_kind_the_kernel_lacks_is_refused_before_anything_changes(lab):
    lab.up(dict(UNDERLAY, name="live-ifkind"))
    t = copy.deepcopy(UNDERLAY)
    t["nodes"]["h1"]["interfaces"] = {"d0": {"kind": "dummy", "ipv4": ["10.9.9.1/32"]}}
    t["nodes"]["h4"] = {}
    try:
        change = lab.apply(dict(t, name="live-ifkind"))
    except nslab.NslabError as e:
        if os.environ.get("NSLAB_EXPECT_ALL_KINDS") == "1":
            raise
        assert "this kernel cannot make dummy interfaces" in str(e) and '"dummy"' in str(e), str(e)
        assert e.pointer == "/nodes/h1/interfaces/d0", e.pointer
        assert "h4" not in lab and link_info(lab["h1"], "d0") is None
        pytest.skip(f"this kernel has no dummy interfaces (refused as it should be: {e})")
    assert change.lines == ["+ node h4 (host)", "+ interface h1:d0 (dummy)"], change.lines
    assert lab["r"].run(["ip", "route", "add", "10.9.9.1/32", "via", "10.1.0.2"]).ok
    assert lab["r"].ping("10.9.9.1"), "no ping to the dummy added live"


def test_a_link_added_to_a_running_lab_joins_a_vrf(lab):
    # r routes for h1 and h2 in its vrf blue only; h2 and its link come while the lab runs.
    base = {
        "name": lab.name,
        "nodes": {"r": {"kind": "router", "interfaces": {"blue": {"kind": "vrf", "table": 10}}},
                  "h1": {"routes": [{"to": "default", "via": "10.1.0.1"}]}},
        "links": [{"endpoints": ["h1:eth0", {"node": "r", "iface": "eth1", "vrf": "blue"}],
                   "ipv4": ["10.1.0.2/24", "10.1.0.1/24"]}],
    }
    up_or_refused(lab, base, ["vrf"])
    grown = copy.deepcopy(base)
    grown["nodes"]["h2"] = {"routes": [{"to": "default", "via": "10.2.0.1"}]}
    grown["links"].append({"endpoints": ["h2:eth0", {"node": "r", "iface": "eth2", "vrf": "blue"}],
                           "ipv4": ["10.2.0.2/24", "10.2.0.1/24"]})
    assert lab.apply(grown).lines == ["+ node h2 (host)", "+ link h2:eth0 <-> r:eth2"]
    assert link_info(lab["r"], "eth2")["master"] == "blue"
    assert lab["h1"].ping("10.2.0.2"), "no ping through r's vrf over the link added live"
    # Not in r's default table: the vrf alone routes between them.
    assert "10.2.0.0/24" not in lab["r"].run(["ip", "route", "show"]).stdout


def without_routers_routes(t):
    """`t` with no routes on r1 and r2 (they would name overlay addresses not there yet)."""
    t = copy.deepcopy(t)
    for r in ("r1", "r2"):
        t["nodes"][r].pop("routes", None)
        t["nodes"][r].pop("interfaces", None)
    return t


def test_wireguard_added_to_and_removed_from_a_running_lab(lab):
    # Only r1 keeps the tunnel alive, so only r1 starts handshakes: with a keepalive on both
    # ends both start one the moment the interfaces come up, each side's initiation replaces
    # its own pending one, both responses are refused, and the emulated VM crossed again on
    # every 5 s retry (CI: six initiations and six responses each way, none accepted, in 30 s).
    def wg(priv, port, peer_pub, peer_end, peer_ips, addr, keepalive):
        peer = {"public_key": peer_pub, "endpoint": peer_end, "allowed_ips": peer_ips}
        if keepalive:
            peer["keepalive"] = keepalive
        return {"wg0": {"kind": "wireguard", "private_key": priv, "listen_port": port, "ipv4": [addr],
                        "peers": [peer]}}
    full = dict(routed_pair({"r1": wg(PRIV_A, 51820, PUB_B, "10.0.12.2:51821", ["10.99.0.2/32", "10.2.0.0/24"], "10.99.0.1/24", 5),
                             "r2": wg(PRIV_B, 51821, PUB_A, "10.0.12.1:51820", ["10.99.0.1/32", "10.1.0.0/24"], "10.99.0.2/24", 0)},
                            "ipv4"), name=lab.name)
    base = without_routers_routes(full)
    lab.up(base)
    change = apply_or_refused(lab, full, ["wireguard"])
    assert change.lines == ["+ interface r1:wg0 (wireguard)", "+ interface r2:wg0 (wireguard)",
                            "+ route r1 10.2.0.0/24 via 10.99.0.2", "+ route r2 10.1.0.0/24 via 10.99.0.1"], change.lines
    # A handshake that reaches r2 before its peer is configured is retried after WireGuard's
    # 5 s REKEY_TIMEOUT: the bound holds five of them.
    if not lab["h1"].ping("10.2.0.2", timeout=30):
        seen = {r: lab[r].run(["ip", "-s", "-d", "link", "show", "wg0"]).stdout +
                lab[r].run(["ip", "-s", "link", "show", "eth0"]).stdout for r in ("r1", "r2")}
        raise AssertionError(f"no ping through the WireGuard tunnel added live; {seen}")
    assert int(lab["r2"].run(["cat", "/sys/class/net/wg0/statistics/rx_packets"], check=True).stdout) > 0
    change = lab.apply(base)
    assert "- interface r1:wg0 (wireguard)" in change.lines
    assert link_info(lab["r1"], "wg0") is None and not lab["h1"].ping("10.2.0.2", timeout=0.5)


def test_a_bond_added_live_enslaves_kept_link_ends_and_releases_them_when_removed(lab):
    bonded = dict(bonded_pair("active-backup"), name=lab.name)
    plain = copy.deepcopy(bonded)
    for n in ("a", "b"):
        del plain["nodes"][n]["interfaces"]
    lab.up(plain)
    change = apply_or_refused(lab, bonded, ["bond"])
    assert change.lines == ["+ interface a:bond0 (bond)", "+ interface b:bond0 (bond)"], change.lines
    assert link_info(lab["a"], "eth1")["master"] == "bond0" and link_info(lab["a"], "eth2")["master"] == "bond0"
    assert lab.wait_until(lambda: lab["a"].ping("10.0.0.2", timeout=0.5), timeout=10), "no ping over the bond added live"
    # Removed: the kernel closes the members it releases; they are opened again, in no bond.
    assert lab.apply(plain).lines == ["- interface a:bond0 (bond)", "- interface b:bond0 (bond)"]
    for n in ("a", "b"):
        for m in ("eth1", "eth2"):
            info = link_info(lab[n], m)
            assert "master" not in info and "UP" in info["flags"], info
