"""BIRD 2 inside nslab nodes: OSPF converges over a line of three routers, routes are
OSPF-learned in BIRD and exported to the kernel, a link going down withdraws what lay behind it
and coming back up restores it, and no daemon outlives the lab.

Topology: topologies/bird-ospf-line.json (r1 - r2 - r3, loopbacks 10.0.0.1..3/32). Each node's
BIRD keeps its config in a private /etc/bird and its control socket, pid file and log in a
private /run/bird, so `birdc -s /run/bird/bird.ctl` in a node talks to that node's BIRD only.
"""
import os
import pathlib
import re

from routing import (BIRD, BIRDC, LOOPBACKS, SOCKET, assert_no_daemon_left, birdc, converge,
                     daemon_processes, kernel_protocol, pid_namespaces, require_binaries)

TOPOLOGY = pathlib.Path(__file__).parent / "topologies" / "bird-ospf-line.json"
# BIRD re-originates its router LSA at most every 5 s (MinLSInterval, fixed), so a line of BIRDs
# converges in about 7 s, well inside routing.CONVERGE.


# -- helpers of this module (shared ones are in routing.py) ----------------------------------------

def require_bird():
    """Skip when BIRD is not installed, unless NSLAB_REQUIRE_ROOT=1 (CI), where it is a failure."""
    require_binaries((BIRD, BIRDC), "bird2")


def full_neighbors(node):
    """Router IDs of the node's OSPF neighbours in state Full, from `show ospf neighbors`:
    `10.0.0.2  1  Full/PtP  2.481  eth1  10.0.12.2`."""
    out = set()
    for line in birdc(node, "show ospf neighbors ospf1").splitlines():
        f = line.split()
        if len(f) >= 3 and re.fullmatch(r"\d+\.\d+\.\d+\.\d+", f[0]) and f[2].startswith("Full"):
            out.add(f[0])
    return out


def ospf_routes(node):
    """{prefix: next hop or device} of BIRD's best routes from protocol ospf1, from
    `show route protocol ospf1`:
        10.0.0.3/32          unicast [ospf1 17:31:46.828] * I (150/30) [10.0.0.3]
            via 10.0.12.2 on eth1
    """
    out, prefix = {}, None
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
        for cmd in ("show ospf neighbors", "show route"):
            res = lab[name].run([BIRDC, "-s", SOCKET] + cmd.split(), timeout=10)
            lines.append(f"--- {name}: birdc {cmd} (exit {res.exit_code})\n{res.stdout}{res.stderr}")
    return "\n".join(lines)


# -- tests -------------------------------------------------------------------------------------

def test_bird_ospf_line_converges_with_ospf_routes(lab):
    require_bird()
    before = daemon_processes()
    lab.up(TOPOLOGY)
    namespaces = pid_namespaces(lab)

    # One BIRD per node, each inside its node's PID namespace; none on the host.
    new = {k: v for k, v in daemon_processes().items() if k not in before}
    running = [v for v in new.values() if v[1] in namespaces]
    assert sorted(comm for comm, _ in running) == ["bird"] * 3, running
    assert len({ns for _, ns in running}) == 3
    host_ns = os.readlink("/proc/self/ns/pid")
    assert not [v for v in new.values() if v[1] == host_ns], new

    converge(lab, diagnostics)
    assert lab.ping_all(timeout=2.0).ok, str(lab.ping_all(timeout=2.0))

    # Each node's birdc reaches its own BIRD.
    for name, loopback in LOOPBACKS.items():
        status = birdc(lab[name], "show status")
        assert f"Router ID is {loopback}" in status, status
        assert re.search(r"^ospf1\s+OSPF\s+master4\s+up\b", birdc(lab[name], "show protocols"), re.M)

    # Adjacencies: r2 is Full with both ends, the ends with r2 only.
    assert lab.wait_until(lambda: full_neighbors(lab["r2"]) == {"10.0.0.1", "10.0.0.3"}, timeout=10), \
        diagnostics(lab)
    assert full_neighbors(lab["r1"]) == {"10.0.0.2"}
    assert full_neighbors(lab["r3"]) == {"10.0.0.2"}

    # Every remote loopback and the far link are OSPF routes in BIRD and exported to the kernel.
    expected = {
        "r1": {"10.0.0.2/32": "10.0.12.2", "10.0.0.3/32": "10.0.12.2", "10.0.23.0/30": "10.0.12.2"},
        "r2": {"10.0.0.1/32": "10.0.12.1", "10.0.0.3/32": "10.0.23.2"},
        "r3": {"10.0.0.1/32": "10.0.23.1", "10.0.0.2/32": "10.0.23.1", "10.0.12.0/30": "10.0.23.1"},
    }
    for name, prefixes in expected.items():
        routes = ospf_routes(lab[name])
        for prefix, via in prefixes.items():
            assert routes.get(prefix) == via, f"{name}: {prefix} -> {routes.get(prefix)}, expected via {via}\n" \
                                              f"{diagnostics(lab)}"
            assert kernel_protocol(lab[name], prefix) == "bird", f"{name}: kernel route to {prefix}"
        # Its own loopback is announced (stubnet), never learned back.
        assert f"{LOOPBACKS[name]}/32" not in routes

    # No 127.0.0.0/8 or other stray prefix leaks into OSPF.
    assert set(ospf_routes(lab["r1"])) == {"10.0.0.2/32", "10.0.0.3/32", "10.0.12.0/30", "10.0.23.0/30"}

    lab.down()
    assert_no_daemon_left(before, namespaces)


def test_bird_link_down_withdraws_routes_and_up_restores_them(lab):
    require_bird()
    before = daemon_processes()
    lab.up(TOPOLOGY)
    namespaces = pid_namespaces(lab)
    r1, r3 = lab["r1"], lab["r3"]
    converge(lab, diagnostics)

    # Cut r1 - r2: r3 loses r1's loopback and the r1-r2 link, keeps r2.
    lab.link("r1:eth1").down()
    assert lab.wait_until(lambda: "10.0.0.1/32" not in ospf_routes(r3), timeout=30), diagnostics(lab)
    assert lab.wait_until(lambda: "10.0.0.3/32" not in ospf_routes(r1), timeout=30), diagnostics(lab)
    assert lab.wait_until(lambda: kernel_protocol(r3, "10.0.0.1/32") is None, timeout=10)
    assert not r3.ping("10.0.0.1", timeout=1.0)
    assert r3.ping("10.0.0.2", timeout=2.0)
    assert full_neighbors(lab["r2"]) == {"10.0.0.3"}

    # Back up: the adjacency re-forms and the routes return.
    lab.link("r1:eth1").up()
    converge(lab, diagnostics)
    assert ospf_routes(r3).get("10.0.0.1/32") == "10.0.23.1"
    assert kernel_protocol(r3, "10.0.0.1/32") == "bird"
    assert lab.wait_until(lambda: full_neighbors(lab["r2"]) == {"10.0.0.1", "10.0.0.3"}, timeout=10)

    lab.down()
    assert_no_daemon_left(before, namespaces)


def test_bird_is_private_to_its_node(lab):
    """Config, control socket and pid file live in the node's private dirs, not on the host."""
    require_bird()
    host_had = os.path.exists(SOCKET)
    lab.up(TOPOLOGY)
    for name in LOOPBACKS:
        node = lab[name]
        res = node.run("cat /run/bird/bird.pid; ls /run/bird /etc/bird", timeout=5)
        assert res.ok, res.stderr
        words = res.stdout.split()
        for f in ("bird.ctl", "bird.pid", "bird.conf"):
            assert f in words, f"{name}: {f} missing: {res.stdout}"
        assert node.run(f"cat /proc/{words[0]}/comm", timeout=5).stdout.strip() == "bird"
        assert f"router id {LOOPBACKS[name]};" in node.run("cat /etc/bird/bird.conf", timeout=5).stdout
    if not host_had:
        assert not os.path.exists(SOCKET), f"{SOCKET} appeared on the host"
    lab.down()
