"""FRR (zebra, staticd, ospfd) inside nslab nodes: OSPF converges over a line of three routers,
routes are OSPF-learned in zebra and the kernel, a link going down withdraws what lay behind it
and coming back up restores it, and no daemon outlives the lab.

Topology: topologies/frr-ospf-line.json (r1 - r2 - r3, loopbacks 10.0.0.1..3/32). The daemons
come from each node's `frr` key: nslab runs them in the node's private /etc/frr, /var/run/frr,
/var/log/frr and /var/tmp/frr, so every node's vtysh talks to that node's daemons only.
"""
import os
import pathlib

from routing import (LOOPBACKS, OSPFD, VTYSH, ZEBRA, assert_no_daemon_left, converge,
                     daemon_processes, kernel_protocol, pid_namespaces, require_binaries,
                     vtysh_json)

TOPOLOGY = pathlib.Path(__file__).parent / "topologies" / "frr-ospf-line.json"


# -- helpers of this module (shared ones are in routing.py) ----------------------------------------

def require_frr():
    """Skip when FRR is not installed, unless NSLAB_REQUIRE_ROOT=1 (CI), where it is a failure."""
    require_binaries((ZEBRA, OSPFD, VTYSH), "frr")


def full_neighbors(node):
    """Router IDs of the node's OSPF neighbours in state Full."""
    data = vtysh_json(node, "show ip ospf neighbor json")
    return {rid for rid, entries in data.get("neighbors", {}).items()
            if any(e.get("nbrState", e.get("state", "")).startswith("Full") for e in entries)}


def ospf_routes(node):
    """{prefix: route entry} of the routes zebra selected and installed from OSPF."""
    out = {}
    for prefix, entries in vtysh_json(node, "show ip route json").items():
        for e in entries:
            if e.get("protocol") == "ospf" and e.get("selected") and e.get("installed"):
                out[prefix] = e
    return out


def diagnostics(lab):
    """What the daemons think, for assertion messages."""
    lines = []
    for name in LOOPBACKS:
        for cmd in ("show ip ospf neighbor", "show ip route"):
            res = lab[name].run([VTYSH, "-c", cmd], timeout=10)
            lines.append(f"--- {name}: {cmd} (exit {res.exit_code})\n{res.stdout}{res.stderr}")
    return "\n".join(lines)


# -- tests -------------------------------------------------------------------------------------

def test_frr_ospf_line_converges_with_ospf_routes(lab):
    require_frr()
    before = daemon_processes()
    lab.up(TOPOLOGY)
    namespaces = pid_namespaces(lab)

    # One zebra, staticd and ospfd per node, each inside its node's PID namespace; none on the host.
    new = {k: v for k, v in daemon_processes().items() if k not in before}
    running = [v for v in new.values() if v[1] in namespaces]
    assert sorted(comm for comm, _ in running) == ["ospfd"] * 3 + ["staticd"] * 3 + ["zebra"] * 3, running
    assert len({ns for _, ns in running}) == 3
    host_ns = os.readlink("/proc/self/ns/pid")
    assert not [v for v in new.values() if v[1] == host_ns], new

    converge(lab, diagnostics)
    assert lab.ping_all(timeout=2.0).ok, str(lab.ping_all(timeout=2.0))

    # Each node's vtysh reaches its own daemons: its own router ID, its own running config.
    for name, loopback in LOOPBACKS.items():
        assert vtysh_json(lab[name], "show ip ospf json")["routerId"] == loopback
        conf = lab[name].run([VTYSH, "-c", "show running-config"], timeout=10)
        assert conf.ok and f"hostname {name}" in conf.stdout and "router ospf" in conf.stdout

    # Adjacencies: r2 is Full with both ends, the ends with r2 only.
    assert lab.wait_until(lambda: full_neighbors(lab["r2"]) == {"10.0.0.1", "10.0.0.3"}, timeout=10)
    assert full_neighbors(lab["r1"]) == {"10.0.0.2"}
    assert full_neighbors(lab["r3"]) == {"10.0.0.2"}

    # Every remote loopback and the far link are OSPF routes, selected and in the kernel.
    expected = {
        "r1": {"10.0.0.2/32": "10.0.12.2", "10.0.0.3/32": "10.0.12.2", "10.0.23.0/30": "10.0.12.2"},
        "r2": {"10.0.0.1/32": "10.0.12.1", "10.0.0.3/32": "10.0.23.2"},
        "r3": {"10.0.0.1/32": "10.0.23.1", "10.0.0.2/32": "10.0.23.1", "10.0.12.0/30": "10.0.23.1"},
    }
    for name, prefixes in expected.items():
        routes = ospf_routes(lab[name])
        for prefix, via in prefixes.items():
            assert prefix in routes, f"{name}: no OSPF route to {prefix}\n{diagnostics(lab)}"
            hops = [h.get("ip") for h in routes[prefix]["nexthops"]]
            assert via in hops, f"{name}: {prefix} via {hops}, expected {via}"
            assert kernel_protocol(lab[name], prefix) == "ospf", f"{name}: kernel route to {prefix}"
    # Costs add up along the line: 10 per link, and FRR announces a loopback at cost 0.
    routes = ospf_routes(lab["r1"])
    assert (routes["10.0.0.2/32"]["metric"], routes["10.0.0.3/32"]["metric"]) == (10, 20)

    lab.down()
    assert_no_daemon_left(before, namespaces)


def test_frr_link_down_withdraws_routes_and_up_restores_them(lab):
    require_frr()
    before = daemon_processes()
    lab.up(TOPOLOGY)
    namespaces = pid_namespaces(lab)
    r1, r3 = lab["r1"], lab["r3"]
    converge(lab, diagnostics)

    # Cut r2 - r3: r1 loses r3's loopback and the far link, keeps r2.
    lab.link("r2:eth2").down()
    assert lab.wait_until(lambda: "10.0.0.3/32" not in ospf_routes(r1), timeout=30), diagnostics(lab)
    assert lab.wait_until(lambda: "10.0.0.1/32" not in ospf_routes(r3), timeout=30), diagnostics(lab)
    assert "10.0.23.0/30" not in ospf_routes(r1)
    assert lab.wait_until(lambda: kernel_protocol(r1, "10.0.0.3/32") is None, timeout=10)
    assert not r1.ping("10.0.0.3", timeout=1.0)
    assert r1.ping("10.0.0.2", timeout=2.0)
    assert full_neighbors(lab["r2"]) == {"10.0.0.1"}

    # Back up: the adjacency re-forms and the routes return.
    lab.link("r2:eth2").up()
    converge(lab, diagnostics)
    assert "10.0.0.3/32" in ospf_routes(r1)
    assert "10.0.0.1/32" in ospf_routes(r3)
    assert lab.wait_until(lambda: full_neighbors(lab["r2"]) == {"10.0.0.1", "10.0.0.3"}, timeout=10)

    lab.down()
    assert_no_daemon_left(before, namespaces)


def test_frr_daemons_are_private_to_their_node(lab):
    """Config, pid files and sockets live in the node's private dirs, not on the host."""
    require_frr()
    host_had = {p: os.path.exists(p) for p in ("/var/run/frr/zebra.vty", "/var/run/frr/zserv.api",
                                               "/var/run/frr/zebra.pid")}
    lab.up(TOPOLOGY)
    for name in LOOPBACKS:
        node = lab[name]
        res = node.run("cat /var/run/frr/zebra.pid /var/run/frr/ospfd.pid; ls /var/run/frr /etc/frr", timeout=5)
        assert res.ok, res.stderr
        for sock in ("zebra.vty", "ospfd.vty", "zserv.api", "frr.conf"):
            assert sock in res.stdout.split(), f"{name}: {sock} missing: {res.stdout}"
        # The node's own PID namespace: its zebra's pid file holds a small in-node PID that
        # names a zebra in the node's /proc.
        comm = node.run(f"cat /proc/{res.stdout.split()[0]}/comm", timeout=5)
        assert comm.stdout.strip() == "zebra"
        assert f"hostname {name}" in node.run("cat /etc/frr/frr.conf", timeout=5).stdout
    for path, existed in host_had.items():
        if not existed:
            assert not os.path.exists(path), f"{path} appeared on the host"
    lab.down()
