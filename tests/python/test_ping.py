"""Reachability from Python: the engine's raw-socket pinger."""
import time

from nslab_testing import ROOT

TOPO = ROOT / "topologies"


def test_ping_all_reports_every_pair(lab):
    lab.up(TOPO / "triangle.json")
    m = lab.ping_all()
    assert m.ok and len(m.results) == 6 and m.dropped == 0
    assert "*** Results: 0% dropped (6/6 received)" in str(m)


def test_ping_all_names_the_unreachable_pairs(lab):
    # h2 has no route beyond its own subnet: it reaches neither h1 nor r's first address
    # (10.1.0.1), and h1's echo reaches h2 but the reply has no way back.
    lab.up({"name": "x", "nodes": {"h1": {"routes": [{"to": "default", "via": "10.1.0.1"}]}, "r": {"kind": "router"}, "h2": {}},
            "links": [{"endpoints": ["h1:eth0", "r:eth1"], "ipv4": ["10.1.0.2/24", "10.1.0.1/24"]},
                      {"endpoints": ["r:eth2", "h2:eth0"], "ipv4": ["10.2.0.1/24", "10.2.0.2/24"]}]})
    t0 = time.monotonic()
    m = lab.ping_all(timeout=0.5)
    assert time.monotonic() - t0 < 2
    assert sorted((f.src, f.dst) for f in m.failures) == [("h1", "h2"), ("h2", "h1"), ("h2", "r")]
    assert "X" in str(m) and not m
    # A lab fault, not the host's table: no note (unless some lab on the host overflowed it).
    assert m.neighbour_overflows >= 0
    assert ("neighbour table overflowed" in str(m)) == (m.neighbour_overflows > 0)


def test_matrix_says_when_the_host_neighbour_table_overflowed():
    from nslab.ping import PingMatrix
    rows = [("a", "b", "10.0.0.2", True, 0.1), ("b", "a", "10.0.0.1", False, 0.0)]
    assert "gc_thresh3" in str(PingMatrix(rows, neighbour_overflows=3))
    assert "gc_thresh3" not in str(PingMatrix(rows, neighbour_overflows=0))
    # Every pair answered: an overflow elsewhere on the host is no news here.
    assert "gc_thresh3" not in str(PingMatrix(rows[:1], neighbour_overflows=3))


def test_node_ping_by_name_and_address(lab):
    lab.up(TOPO / "dual-stack.json")
    names = [n for n, node in lab.nodes.items() if node.kind != "switch"]
    a, b = names[0], names[-1]
    assert lab[a].ping(b)
    v6 = [x.split("/")[0] for x in lab[b].configured_addresses() if ":" in x]
    assert v6 and lab[a].ping(v6[0])
    assert lab.ping_all(family=6).ok
