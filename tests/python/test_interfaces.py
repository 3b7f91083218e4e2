"""A node's own interfaces (issue 17): `interfaces` of kinds dummy, vrf, vlan, macvlan, vxlan and
tap, and link ends in a vrf. Each test asserts traffic. Where the kernel lacks a kind, `lab up`
must fail before building anything, naming the kind and its module: then the test checks that
refusal and skips, unless NSLAB_EXPECT_ALL_KINDS=1 (the stock-kernel VM, ci/vm/guest.py) says
every kind must be there, when it fails instead."""
import pytest

import nslab
from kinds import iface, up_or_refused


# h1 -- r -- h2: a routed underlay, and a VXLAN overlay between h1 and h2 across it.
VXLAN = {
    "name": "vxlan",
    "nodes": {
        "r": {"kind": "router"},
        "h1": {"routes": [{"to": "default", "via": "10.1.0.1"}],
               "interfaces": {"vx0": {"kind": "vxlan", "vni": 42, "remote": "10.2.0.2", "local": "10.1.0.2", "dev": "eth0",
                                      "ipv4": ["192.168.100.1/24"], "ipv6": ["fd00:100::1/64"]}}},
        "h2": {"routes": [{"to": "default", "via": "10.2.0.1"}],
               "interfaces": {"vx0": {"kind": "vxlan", "vni": 42, "remote": "10.1.0.2", "dev": "eth0",
                                      "ipv4": ["192.168.100.2/24"], "ipv6": ["fd00:100::2/64"]}}},
    },
    "links": [
        {"endpoints": ["h1:eth0", "r:eth1"], "ipv4": ["10.1.0.2/24", "10.1.0.1/24"]},
        {"endpoints": ["h2:eth0", "r:eth2"], "ipv4": ["10.2.0.2/24", "10.2.0.1/24"]},
    ],
}


def test_vxlan_overlay_over_a_routed_underlay(lab):
    up_or_refused(lab, VXLAN, ["vxlan"])
    # The overlay's subnet is nowhere in the underlay: only the tunnel carries it.
    assert lab["h1"].ping("192.168.100.2"), "no ping across the VXLAN overlay"
    assert lab["h2"].ping("fd00:100::1")
    assert not lab["r"].ping("192.168.100.2", timeout=0.3)
    vx = iface(lab, "h1", "vx0")
    assert vx is not None and vx["up"], vx


def test_tap_exists_is_up_and_answers_for_its_address(lab):
    t = {"name": "tap", "nodes": {
        "h": {"interfaces": {"tap0": {"kind": "tap", "ipv4": ["10.5.0.1/24"], "mtu": 1400, "mac": "02:00:00:00:05:01"}}},
        "g": {"routes": [{"to": "10.5.0.0/24", "via": "10.9.0.1"}]}},
        "links": [{"endpoints": ["h:eth0", "g:eth0"], "ipv4": ["10.9.0.1/24", "10.9.0.2/24"]}]}
    up_or_refused(lab, t, ["tap"])
    tap = iface(lab, "h", "tap0")
    assert tap is not None and tap["up"], tap
    assert tap["mtu"] == 1400 and tap["mac"] == "02:00:00:00:05:01", tap
    assert tap["kind"] == "tun" and tap["configured"] == ["10.5.0.1/24"], tap
    # A tap with no program on it has no carrier, but the node answers for its address.
    assert lab["g"].ping("10.5.0.1")
    flags = lab["h"].run(["cat", "/sys/class/net/tap0/tun_flags"]).stdout.strip()
    assert int(flags, 16) & 0x0002, flags  # IFF_TAP


def test_dummies_as_extra_loopbacks(lab):
    t = {"name": "dummy", "nodes": {
        "r": {"kind": "router", "interfaces": {"lo1": {"kind": "dummy", "ipv4": ["10.255.0.1/32"]},
                                              "lo2": {"kind": "dummy", "ipv4": ["10.255.0.2/32"], "ipv6": ["fd00:ff::2/128"]}}},
        "h": {"routes": [{"to": "10.255.0.0/24", "via": "10.9.0.1"}, {"to": "fd00:ff::/64", "via": "fd00:9::1"}]}},
        "links": [{"endpoints": ["r:eth0", "h:eth0"], "ipv4": ["10.9.0.1/24", "10.9.0.2/24"],
                   "ipv6": ["fd00:9::1/64", "fd00:9::2/64"]}]}
    up_or_refused(lab, t, ["dummy"])
    for dst in ("10.255.0.1", "10.255.0.2", "fd00:ff::2"):
        assert lab["h"].ping(dst), dst


def test_two_tenants_with_the_same_addresses_in_two_vrfs(lab):
    """a1 and b1 (tenant red), a2 and b2 (tenant blue) use the same subnets behind one router:
    each host reaches its own tenant's far side and nothing of the other's."""
    def tenant_end(iface, vrf):
        return {"node": "r", "iface": iface, "vrf": vrf}
    t = {"name": "vrfs", "nodes": {
        "r": {"kind": "router", "interfaces": {"red": {"kind": "vrf", "table": 10}, "blue": {"kind": "vrf", "table": 20}}},
        "a1": {"routes": [{"to": "default", "via": "10.1.0.1"}]}, "b1": {"routes": [{"to": "default", "via": "10.2.0.1"}]},
        "a2": {"routes": [{"to": "default", "via": "10.1.0.1"}]}, "b2": {"routes": [{"to": "default", "via": "10.2.0.1"}]}},
        "links": [
            {"endpoints": [tenant_end("eth1", "red"), "a1:eth0"], "ipv4": ["10.1.0.1/24", "10.1.0.2/24"]},
            {"endpoints": [tenant_end("eth2", "red"), "b1:eth0"], "ipv4": ["10.2.0.1/24", "10.2.0.2/24"]},
            {"endpoints": [tenant_end("eth3", "blue"), "a2:eth0"], "ipv4": ["10.1.0.1/24", "10.1.0.3/24"]},
            {"endpoints": [tenant_end("eth4", "blue"), "b2:eth0"], "ipv4": ["10.2.0.1/24", "10.2.0.3/24"]}]}
    up_or_refused(lab, t, ["vrf"])
    assert lab["a1"].ping("10.2.0.2") and lab["a2"].ping("10.2.0.3")
    assert lab["b1"].ping("10.1.0.2") and lab["b2"].ping("10.1.0.3")
    # Across tenants: the other VRF's table has no route, and its addresses are not ours.
    assert not lab["a1"].ping("10.2.0.3", timeout=0.3)
    assert not lab["a2"].ping("10.2.0.2", timeout=0.3)


def test_a_vlan_sub_interface_and_a_macvlan(lab):
    """r tags VLAN 10 on its link to t, whose own eth0.10 takes the tagged frames; a macvlan on
    t's eth0 is a second station on the untagged link."""
    t = {"name": "vlan", "nodes": {
        "r": {"kind": "router", "interfaces": {"eth0.10": {"kind": "vlan", "link": "eth0", "id": 10, "ipv4": ["10.10.0.1/24"]}}},
        "t": {"interfaces": {"eth0.10": {"kind": "vlan", "link": "eth0", "id": 10, "ipv4": ["10.10.0.2/24"]},
                             "mv0": {"kind": "macvlan", "link": "eth0", "ipv4": ["10.9.0.3/24"]}}}},
        "links": [{"endpoints": ["r:eth0", "t:eth0"], "ipv4": ["10.9.0.1/24", "10.9.0.2/24"]}]}
    up_or_refused(lab, t, ["vlan", "macvlan"])
    assert lab["r"].ping("10.10.0.2"), "no ping over VLAN 10"
    assert lab["r"].ping("10.9.0.3"), "no ping to the macvlan"
    # The tag is really on the wire: t's VLAN interface counted the frames.
    rx = int(lab["t"].run(["cat", "/sys/class/net/eth0.10/statistics/rx_packets"]).stdout)
    assert rx > 0


def test_validate_refuses_bad_interfaces_at_their_pointer(lab):
    bad = {"name": "bad", "nodes": {"r": {"interfaces": {"v": {"kind": "vlan", "link": "eth9", "id": 4095}}}}}
    with pytest.raises(nslab.TopologyError) as e:
        lab.up(bad)
    text = str(e.value)
    assert "/nodes/r/interfaces/v/id: VLAN id 4095 is reserved" in text
    assert '/nodes/r/interfaces/v/link: node "r" has no interface "eth9"' in text
