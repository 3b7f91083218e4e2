"""Helpers shared by the tests of a node's own interfaces and VLAN-aware switches
(test_interfaces.py, test_tunnels.py, test_vlans.py, ...): bringing a lab up where the kernel
may lack a kind, and reading one interface back."""
import os

import pytest

import nslab
from routing import assert_lab_gone

# The kernel module each interface kind needs, as `lab up` names it when the kind is missing.
MODULES = {"dummy": "dummy", "vrf": "vrf", "vlan": "8021q", "macvlan": "macvlan", "vxlan": "vxlan", "tap": "tun",
           "bond": "bonding", "gre": "ip_gre", "gretap": "ip_gre", "ipip": "ipip", "ip6gre": "ip6_gre",
           "ip6tnl": "ip6_tunnel", "sit": "sit", "wireguard": "wireguard"}
# What the kernel may lack, as the refusal words it: the words, what it needs, where it points.
REFUSALS = {k: (f"this kernel cannot make {k} interfaces", f'it needs the kernel module "{m}"', "/interfaces/")
            for k, m in MODULES.items()}
# A switch's "vlan_filtering": a bridge built without CONFIG_BRIDGE_VLAN_FILTERING.
REFUSALS["vlan_filtering"] = ("this kernel cannot make VLAN-aware bridges", "CONFIG_BRIDGE_VLAN_FILTERING", "/vlan_filtering")


def up_or_refused(lab, topology, kinds):
    """lab.up(topology), or, where the kernel lacks one of `kinds` (interface kinds, or
    "vlan_filtering"), the refusal checked and the test skipped (failed where every kind is
    expected)."""
    try:
        lab.up(topology)
    except nslab.NslabError as e:
        refused_or_raise(e, kinds)
        assert_lab_gone(lab.name)
        skip_unless_every_kind_expected(e)


def apply_or_refused(lab, topology, kinds):
    """lab.apply(topology) (the Change), or, where the kernel lacks one of `kinds`, the live
    change's refusal checked and the test skipped (failed where every kind is expected)."""
    try:
        return lab.apply(topology)
    except nslab.NslabError as e:
        refused_or_raise(e, kinds)
        skip_unless_every_kind_expected(e)


def refused_or_raise(e, kinds):
    """Checks that `e` is the refusal of one of `kinds` (its words, what it needs, where it
    points); re-raises anything else."""
    text = str(e)
    missing = [k for k in kinds if REFUSALS[k][0] in text]
    if not missing:
        raise e
    _, needs, where = REFUSALS[missing[0]]
    assert needs in text, text
    assert getattr(e, "pointer", None) and where in e.pointer, (e.pointer, text)


def skip_unless_every_kind_expected(e):
    if os.environ.get("NSLAB_EXPECT_ALL_KINDS") == "1":
        pytest.fail(f"NSLAB_EXPECT_ALL_KINDS=1 but: {e}")
    pytest.skip(f"refused as it should be: {e}")


def iface(lab, node, name):
    """The interface `name` of `node` as to_dict() shows it."""
    for n in lab.to_dict()["nodes"]:
        if n["name"] == node:
            for i in n["interfaces"]:
                if i["name"] == name:
                    return i
    return None
