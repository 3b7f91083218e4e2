"""FRR OSPF reconverges around a downed link: three routers in a triangle, r1 - r2 taken down
with Link.down(); r1 then reaches r2's loopback through r3 (zebra's route, the kernel's route,
pings, and the echo requests seen crossing r3), and the direct route returns with the link.

Topology: topologies/frr-ospf-triangle.json (every link costs 10; daemons as in test_frr.py).
"""
import json
import pathlib

from routing import assert_no_daemon_left, converge, daemon_processes, pid_namespaces
from test_frr import diagnostics, ospf_routes, require_frr

TOPOLOGY = pathlib.Path(__file__).parent / "topologies" / "frr-ospf-triangle.json"
R2_LOOPBACK = "10.0.0.2"
DIRECT = ("10.0.12.2", "eth1")   # r1 -> r2 over r1 - r2
AROUND = ("10.0.13.2", "eth2")   # r1 -> r3 -> r2
RECONVERGE = 60  # seconds; about 1 s here (dead interval 3 s, carrier loss is seen at once)


def kernel_route(node, prefix):
    """(gateway, device) of the kernel's route to `prefix`, or None."""
    res = node.run(["ip", "-j", "route", "show", prefix], timeout=5)
    assert res.ok, res.stderr
    routes = json.loads(res.stdout or "[]")
    return (routes[0].get("gateway"), routes[0].get("dev")) if routes else None


def zebra_route(node, prefix):
    """(next hop, metric) of zebra's selected OSPF route to `prefix`, or None."""
    e = ospf_routes(node).get(prefix)
    return ([h.get("ip") for h in e["nexthops"]], e["metric"]) if e else None


def pings_cross(lab, capture_at):
    """Pings r2's loopback from r1 while capturing at `capture_at`; returns the echo requests
    that went through there."""
    with lab.link(capture_at).capture() as cap:
        res = lab["r1"].run(["ping", "-c", "3", "-i", "0.2", "-W", "2", R2_LOOPBACK], timeout=20)
    assert res.ok, f"r1 cannot ping {R2_LOOPBACK}:\n{res.stdout}{res.stderr}\n{diagnostics(lab)}"
    return cap.matching(f"> {R2_LOOPBACK} ICMP echo request")


def test_frr_ospf_reconverges_around_a_downed_link(lab):
    require_frr()
    before = daemon_processes()
    lab.up(TOPOLOGY)
    namespaces = pid_namespaces(lab)
    r1 = lab["r1"]
    converge(lab, diagnostics)
    prefix = f"{R2_LOOPBACK}/32"

    # Converged: r1 -> r2 goes straight, cost 10, and nothing crosses r3.
    assert lab.wait_until(lambda: kernel_route(r1, prefix) == DIRECT, timeout=RECONVERGE), diagnostics(lab)
    assert zebra_route(r1, prefix) == ([DIRECT[0]], 10)
    assert pings_cross(lab, "r3:eth2") == []

    # r1 - r2 down: the route moves to r3 (cost 20), and the pings go that way.
    lab.link("r1:eth1").down()
    assert lab.wait_until(lambda: kernel_route(r1, prefix) == AROUND, timeout=RECONVERGE), diagnostics(lab)
    assert zebra_route(r1, prefix) == ([AROUND[0]], 20)
    assert lab.wait_until(lambda: r1.ping(R2_LOOPBACK, timeout=1.0), timeout=RECONVERGE), diagnostics(lab)
    crossed = pings_cross(lab, "r3:eth2")
    assert len(crossed) == 3 and {p.direction for p in crossed} == {"in"}, crossed

    # Back up: the adjacency re-forms and the direct route returns.
    lab.link("r1:eth1").up()
    assert lab.wait_until(lambda: kernel_route(r1, prefix) == DIRECT, timeout=RECONVERGE), diagnostics(lab)
    assert zebra_route(r1, prefix) == ([DIRECT[0]], 10)
    assert pings_cross(lab, "r3:eth2") == []
    converge(lab, diagnostics)

    lab.down()
    assert_no_daemon_left(before, namespaces)
