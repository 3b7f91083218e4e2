"""Dummies as extra loopbacks announced by OSPF in FRR (issue 17): r1's dummy interfaces reach r2
as OSPF routes and answer pings; a dummy added to the running lab (`lab apply`) is announced
too, and withdrawn when it is removed. Dummies exist on the stock-kernel VM's kernel, not on
this machine's: here the refusal is checked and the test skips (kinds.up_or_refused)."""
import copy

from kinds import up_or_refused
from routing import OSPFD, VTYSH, ZEBRA, ospf_route, require_binaries, wait_for

CONVERGE = 90  # seconds: a few here; the VM emulates its CPU, about 7x slower


def ospf(name, rid):
    # Point-to-point with 1 s hellos and no SPF throttling: converges in about a second.
    return {"daemons": ["ospfd"], "config": (
        f"frr defaults traditional\nhostname {name}\n!\n"
        "interface eth1\n ip ospf network point-to-point\n ip ospf hello-interval 1\n ip ospf dead-interval 3\n!\n"
        f"router ospf\n ospf router-id {rid}\n network 10.0.12.0/30 area 0\n network 10.99.0.0/16 area 0\n"
        " timers throttle spf 0 50 1000\n timers throttle lsa all 0\n timers lsa min-arrival 0\n!\n")}


LAB = {
    "defaults": {"kind": "router"},
    "nodes": {
        "r1": {"frr": ospf("r1", "10.0.0.1"),
               "interfaces": {"lo1": {"kind": "dummy", "ipv4": ["10.99.1.1/32"]},
                              "lo2": {"kind": "dummy", "ipv4": ["10.99.2.1/32"]}}},
        "r2": {"frr": ospf("r2", "10.0.0.2")},
    },
    "links": [{"endpoints": ["r1:eth1", "r2:eth1"], "ipv4": ["10.0.12.1/30", "10.0.12.2/30"]}],
}


def test_dummies_are_announced_by_ospf_and_follow_live_changes(lab):
    require_binaries((ZEBRA, OSPFD, VTYSH), "frr")
    up_or_refused(lab, dict(LAB, name=lab.name), ["dummy"])
    r2 = lab["r2"]
    at_r2 = lambda prefix: ospf_route(lambda c: r2.vtysh(c, json=True), prefix)  # noqa: E731
    for prefix in ("10.99.1.1/32", "10.99.2.1/32"):
        wait_for(lab, lambda: at_r2(prefix), "10.0.12.1", f"r2's OSPF route to r1's dummy {prefix}", CONVERGE)
    assert r2.ping("10.99.1.1") and r2.ping("10.99.2.1")

    # A third dummy joins the running r1: OSPF announces it; removing it withdraws it.
    t = copy.deepcopy(LAB)
    t["nodes"]["r1"]["interfaces"]["lo3"] = {"kind": "dummy", "ipv4": ["10.99.3.1/32"]}
    assert lab.apply(dict(t, name=lab.name)).lines == ["+ interface r1:lo3 (dummy)"]
    wait_for(lab, lambda: at_r2("10.99.3.1/32"), "10.0.12.1", "r2's OSPF route to the dummy added live", CONVERGE)
    assert r2.ping("10.99.3.1")
    assert lab.apply(dict(LAB, name=lab.name)).lines == ["- interface r1:lo3 (dummy)"]
    wait_for(lab, lambda: at_r2("10.99.3.1/32"), None, "r2's route to the removed dummy", CONVERGE)
    assert at_r2("10.99.1.1/32") == "10.0.12.1"
