"""FRR and BIRD 2 speaking OSPFv2 to each other inside nslab nodes: r1 and r3 run FRR (zebra +
ospfd), r2 in the middle runs BIRD, so everything r1 and r3 learn about each other crosses BIRD.
OSPF converges, routes are OSPF-learned on both implementations, a link going down withdraws
what lay behind it across the other implementation and coming back up restores it, and no
daemon outlives the lab.

Topology: topologies/mixed-ospf-line.json (r1 FRR - r2 BIRD - r3 FRR, loopbacks 10.0.0.1..3/32).
"""
import os
import pathlib
import re

from routing import (BIRD, BIRDC, LOOPBACKS, OSPFD, SOCKET, VTYSH, ZEBRA, assert_no_daemon_left,
                     birdc, converge, daemon_processes, kernel_protocol, pid_namespaces,
                     require_binaries, vtysh_json)

TOPOLOGY = pathlib.Path(__file__).parent / "topologies" / "mixed-ospf-line.json"
FRR_NODES, BIRD_NODES = ("r1", "r3"), ("r2",)


# -- helpers of this module (shared ones are in routing.py) ----------------------------------------

def require_daemons():
    """Skip when FRR or BIRD is not installed, unless NSLAB_REQUIRE_ROOT=1 (CI): then a failure."""
    require_binaries((ZEBRA, OSPFD, VTYSH, BIRD, BIRDC), "frr and bird2")


def full_neighbors(node):
    """Router IDs of the node's OSPF neighbours in state Full, whichever daemon the node runs."""
    if node.name in FRR_NODES:
        data = vtysh_json(node, "show ip ospf neighbor json")
        return {rid for rid, entries in data.get("neighbors", {}).items()
                if any(e.get("nbrState", e.get("state", "")).startswith("Full") for e in entries)}
    out = set()
    for line in birdc(node, "show ospf neighbors ospf1").splitlines():
        f = line.split()
        if len(f) >= 3 and re.fullmatch(r"\d+\.\d+\.\d+\.\d+", f[0]) and f[2].startswith("Full"):
            out.add(f[0])
    return out


def ospf_routes(node):
    """{prefix: first next hop (or device)} of the node's best OSPF routes, from zebra (FRR:
    selected and installed) or from BIRD's protocol ospf1."""
    out = {}
    if node.name in FRR_NODES:
        for prefix, entries in vtysh_json(node, "show ip route json").items():
            for e in entries:
                if e.get("protocol") == "ospf" and e.get("selected") and e.get("installed"):
                    hop = e["nexthops"][0]
                    out[prefix] = hop.get("ip") or hop.get("interfaceName")
        return out
    prefix = None
    for line in birdc(node, "show route protocol ospf1").splitlines():
        m = re.match(r"^(\d+\.\d+\.\d+\.\d+/\d+)\s+\S+\s+\[ospf1\b[^\]]*\]\s+\*", line)
        if m:
            prefix = m.group(1)
            out[prefix] = None
            continue
        m = re.match(r"^\s+(?:via (\S+) on \S+|dev (\S+))", line)
        if m and prefix and out[prefix] is None:
            out[prefix] = m.group(1) or m.group(2)
        elif not line.startswith((" ", "\t")):
            prefix = None
    return out


def diagnostics(lab):
    """What the daemons think, for assertion messages."""
    lines = []
    for name in LOOPBACKS:
        if name in FRR_NODES:
            cmds = [[VTYSH, "-c", "show ip ospf neighbor"], [VTYSH, "-c", "show ip route"]]
        else:
            cmds = [[BIRDC, "-s", SOCKET, "show", "ospf", "neighbors"], [BIRDC, "-s", SOCKET, "show", "route"]]
        for cmd in cmds:
            res = lab[name].run(cmd, timeout=10)
            lines.append(f"--- {name}: {' '.join(cmd)} (exit {res.exit_code})\n{res.stdout}{res.stderr}")
    return "\n".join(lines)


# -- tests -------------------------------------------------------------------------------------

def test_frr_and_bird_form_adjacencies_and_exchange_routes(lab):
    require_daemons()
    before = daemon_processes()
    lab.up(TOPOLOGY)
    namespaces = pid_namespaces(lab)

    # zebra, staticd and ospfd on r1 and r3, bird on r2, each in its node's PID namespace; none on the host.
    new = {k: v for k, v in daemon_processes().items() if k not in before}
    by_ns = {}
    for comm, ns in new.values():
        by_ns.setdefault(ns, []).append(comm)
    assert sorted(sorted(v) for k, v in by_ns.items() if k in namespaces) == \
        [["bird"], ["ospfd", "staticd", "zebra"], ["ospfd", "staticd", "zebra"]], by_ns
    assert os.readlink("/proc/self/ns/pid") not in by_ns, by_ns

    converge(lab, diagnostics)
    assert lab.ping_all(timeout=2.0).ok, str(lab.ping_all(timeout=2.0))

    # Adjacencies across implementations.
    assert lab.wait_until(lambda: full_neighbors(lab["r2"]) == {"10.0.0.1", "10.0.0.3"}, timeout=10), \
        diagnostics(lab)
    assert full_neighbors(lab["r1"]) == {"10.0.0.2"}
    assert full_neighbors(lab["r3"]) == {"10.0.0.2"}

    # FRR learns BIRD's loopback and, through BIRD, the other FRR's; BIRD learns both FRRs'.
    expected = {
        "r1": {"10.0.0.2/32": "10.0.12.2", "10.0.0.3/32": "10.0.12.2", "10.0.23.0/30": "10.0.12.2"},
        "r2": {"10.0.0.1/32": "10.0.12.1", "10.0.0.3/32": "10.0.23.2"},
        "r3": {"10.0.0.1/32": "10.0.23.1", "10.0.0.2/32": "10.0.23.1", "10.0.12.0/30": "10.0.23.1"},
    }
    for name, prefixes in expected.items():
        routes = ospf_routes(lab[name])
        proto = "ospf" if name in FRR_NODES else "bird"
        for prefix, via in prefixes.items():
            assert routes.get(prefix) == via, \
                f"{name}: {prefix} -> {routes.get(prefix)}, expected via {via}\n{diagnostics(lab)}"
            assert kernel_protocol(lab[name], prefix) == proto, f"{name}: kernel route to {prefix}"

    # Each node's control tool reaches its own daemon.
    for name in FRR_NODES:
        assert vtysh_json(lab[name], "show ip ospf json")["routerId"] == LOOPBACKS[name]
    assert "Router ID is 10.0.0.2" in birdc(lab["r2"], "show status")

    lab.down()
    assert_no_daemon_left(before, namespaces)


def test_mixed_link_down_withdraws_routes_across_bird_and_up_restores_them(lab):
    require_daemons()
    before = daemon_processes()
    lab.up(TOPOLOGY)
    namespaces = pid_namespaces(lab)
    r1, r2, r3 = lab["r1"], lab["r2"], lab["r3"]
    converge(lab, diagnostics)

    # Cut r2 - r3: FRR on r1 must hear it from BIRD on r2, BIRD from its own interface.
    lab.link("r2:eth2").down()
    assert lab.wait_until(lambda: "10.0.0.3/32" not in ospf_routes(r1), timeout=30), diagnostics(lab)
    assert lab.wait_until(lambda: "10.0.0.3/32" not in ospf_routes(r2), timeout=30), diagnostics(lab)
    assert lab.wait_until(lambda: "10.0.0.1/32" not in ospf_routes(r3), timeout=30), diagnostics(lab)
    assert lab.wait_until(lambda: kernel_protocol(r1, "10.0.0.3/32") is None, timeout=10)
    assert not r1.ping("10.0.0.3", timeout=1.0)
    assert r1.ping("10.0.0.2", timeout=2.0)
    assert full_neighbors(r2) == {"10.0.0.1"}

    # Back up: the adjacency re-forms and the routes return on both implementations.
    lab.link("r2:eth2").up()
    converge(lab, diagnostics)
    assert ospf_routes(r1).get("10.0.0.3/32") == "10.0.12.2"
    assert ospf_routes(r2).get("10.0.0.3/32") == "10.0.23.2"
    assert ospf_routes(r3).get("10.0.0.1/32") == "10.0.23.1"
    assert lab.wait_until(lambda: full_neighbors(r2) == {"10.0.0.1", "10.0.0.3"}, timeout=10)

    lab.down()
    assert_no_daemon_left(before, namespaces)
