"""One lab of 1000 nodes (issue 7): a routed line of 20 routers, each with a switch and 48 hosts
on it (20 + 20 + 960 nodes). Up; pinged end to end, from a host on the first LAN to a host on
the last one and back (20 routers forward on the way, the "routed line of 20 hops"), and
between a sample of 50 random host pairs; down. Extended tier only (ci/extended); conftest.py
leaves this file out of the gating tier.

Not `lab gen line 1000`: a line of 1000 routers is 999 hops, and IPv4's TTL stops at 255."""
from __future__ import annotations

import json
import random
import time

from conftest import figure, lab, report

ROUTERS = 20


def routed_lans(nodes: int, routers: int = ROUTERS) -> dict:
    """`routers` routers r1..rN in a line (r_i:eth2 - r_{i+1}:eth1 on 10.255.i.0/30), each with a
    switch s_i and the remaining nodes as hosts h<i>-<j> on LAN 10.i.0.0/24 (router .1, hosts
    .2 up), default route to their router. Every router has one route per other LAN."""
    hosts = (nodes - 2 * routers) // routers
    assert 2 <= hosts <= 250 and 2 * routers + hosts * routers == nodes, (nodes, routers)
    topo: dict = {"name": "big", "nodes": {}, "links": []}
    for i in range(1, routers + 1):
        routes = []
        for j in range(1, routers + 1):
            if j < i:
                routes.append({"to": f"10.{j}.0.0/24", "via": f"10.255.{i - 1}.1"})
            elif j > i:
                routes.append({"to": f"10.{j}.0.0/24", "via": f"10.255.{i}.2"})
        topo["nodes"][f"r{i}"] = {"kind": "router", "routes": routes}
        topo["nodes"][f"s{i}"] = {"kind": "switch"}
        topo["links"].append({"endpoints": [f"r{i}:eth0", f"s{i}"], "ipv4": [f"10.{i}.0.1/24", None]})
        if i < routers:
            topo["links"].append({"endpoints": [f"r{i}:eth2", f"r{i + 1}:eth1"],
                                  "ipv4": [f"10.255.{i}.1/30", f"10.255.{i}.2/30"]})
        for j in range(1, hosts + 1):
            h = f"h{i}-{j}"
            topo["nodes"][h] = {"kind": "host", "routes": [{"to": "default", "via": f"10.{i}.0.1"}]}
            topo["links"].append({"endpoints": [f"{h}:eth0", f"s{i}"], "ipv4": [f"10.{i}.0.{j + 1}/24", None]})
    assert len(topo["nodes"]) == nodes
    return topo


def host_addr(h: str) -> str:
    i, j = h[1:].split("-")
    return f"10.{i}.0.{int(j) + 1}"


def test_thousand_node_lab(tmp_path, host_unchanged):
    n = figure("big_lab")
    topo = routed_lans(n)
    path = tmp_path / "big.json"
    path.write_text(json.dumps(topo, indent=0))
    hosts = [k for k, v in topo["nodes"].items() if v["kind"] == "host"]
    first, last = hosts[0], hosts[-1]
    assert first.startswith("h1-") and last.startswith(f"h{ROUTERS}-")
    t0 = time.monotonic()
    up = lab("up", "-q", str(path), "--name", "big", timeout=900)
    t_up = time.monotonic() - t0
    try:
        # End to end both ways, then hosts on the same LAN and on LANs far apart alike.
        pings = [(first, last), (last, first)]
        rng = random.Random(1)
        while len(pings) < 52:
            a, b = rng.sample(hosts, 2)
            pings.append((a, b))
        failed = []
        t1 = time.monotonic()
        for src, dst in pings:
            # A cold path resolves ARP at every hop first: generous.
            p = lab("ping", "big", src, host_addr(dst), "--timeout", "10", check=False, timeout=60)
            if p.returncode != 0:
                failed.append((src, dst, p.stdout + p.stderr))
        t_ping = time.monotonic() - t1
        assert not failed, failed[:5]
        # The end-to-end path crosses exactly the 20 routers: a TTL of 21 arrives, 20 expires.
        def ttl(t):
            return lab("exec", "big", first, "--", "ping", "-n", "-c", "1", "-W", "5", "-t", str(t), host_addr(last),
                       check=False, timeout=60)
        reach, short = ttl(ROUTERS + 1), ttl(ROUTERS)
        assert reach.returncode == 0, reach.stdout + reach.stderr
        assert short.returncode != 0 and "Time to live exceeded" in short.stdout, short.stdout + short.stderr
    finally:
        t2 = time.monotonic()
        lab("down", "big", timeout=900)
        t_down = time.monotonic() - t2
    report(f"big lab: {n} nodes ({ROUTERS} routers in a line, {ROUTERS} switches, {len(hosts)} hosts) up in "
           f"{t_up:.1f} s ({up.stdout.strip()}), {len(pings)} pings ({first}->{last} and back across "
           f"{ROUTERS} routers, 50 random host pairs) in {t_ping:.1f} s, down in {t_down:.1f} s")
