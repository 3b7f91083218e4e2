#!/usr/bin/python3
"""Live changes on a running lab: how long an add_link, an add_node, a remove_link and a
`lab apply` of an edited file take on a routed line of N routers (default 100).

    sudo PYTHONPATH=build/python /usr/bin/python3 bench/live.py [--nodes 100] [--rounds 20]

Each figure is the median (and the slowest) of the rounds, measured around the Python call
(client, keeper and kernel together), with the keeper's own time beside it. The apply adds
10 routers with a link each, removes 5 links, changes 10 addresses and one route."""
import argparse
import copy
import json
import statistics
import subprocess
import sys
import time

import nslab

LAB = "build/cli/lab"


def timed(fn):
    t0 = time.perf_counter()
    r = fn()
    return (time.perf_counter() - t0) * 1000, r


def row(name, walls, keeper):
    print(f"{name:<34} median {statistics.median(walls):7.2f} ms   max {max(walls):7.2f} ms"
          f"   keeper median {statistics.median(keeper):7.2f} ms")


def edited(t, n):
    """10 routers added (each linked to one of the line's), 5 links removed from the end of the
    line (their routers stay, isolated), 10 addresses changed, one route added."""
    t = copy.deepcopy(t)
    for k in range(10):
        t["nodes"][f"x{k}"] = {}
        t["links"].append({"endpoints": [f"r{k + 1}:eth9", f"x{k}:eth1"],
                           "ipv4": [f"10.250.{k}.1/30", f"10.250.{k}.2/30"]})
    del t["links"][n - 6:n - 1]
    for link in t["links"][:10]:
        a, b = link["ipv4"]
        link["ipv4"] = [a.replace("10.", "10.1", 1), b.replace("10.", "10.1", 1)]
    t["nodes"]["x0"]["routes"] = [{"to": "10.0.0.0/8", "via": "10.250.0.1"}]
    return t


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--nodes", type=int, default=100)
    ap.add_argument("--rounds", type=int, default=20)
    a = ap.parse_args()
    out = subprocess.run([LAB, "gen", "line", str(a.nodes), "--name", "bench-live"],
                         capture_output=True, text=True, check=True).stdout
    t = json.loads("\n".join(l for l in out.splitlines() if not l.startswith("//")))
    # The generated routes name next hops on every link; without them edits stay valid.
    for node in t["nodes"].values():
        node.pop("routes", None)
    add_link, add_node, rm_link, apply, apply_back = [], [], [], [], []
    k_add_link, k_add_node, k_rm_link, k_apply, k_back = [], [], [], [], []
    with nslab.Lab(t) as lab:
        for i in range(a.rounds):
            ms, ch = timed(lambda: lab._change("add_node", f"n{i}", spec="{}"))
            add_node.append(ms)
            k_add_node.append(ch.ms)
            ms, ch = timed(lambda: lab._change("add_link", "r1:eth9", f"n{i}:eth1",
                                               json.dumps({"ipv4": ["10.251.0.1/30", "10.251.0.2/30"]})))
            add_link.append(ms)
            k_add_link.append(ch.ms)
            ms, ch = timed(lambda: lab.remove_link("r1:eth9"))
            rm_link.append(ms)
            k_rm_link.append(ch.ms)
            lab.remove_node(f"n{i}")
        v2 = edited(t, a.nodes)
        for _ in range(max(3, a.rounds // 4)):
            ms, ch = timed(lambda: lab.apply(dict(v2, name=lab.name)))
            assert len(ch.lines) > 20, ch.lines
            apply.append(ms)
            k_apply.append(ch.ms)
            ms, ch = timed(lambda: lab.apply(dict(t, name=lab.name)))
            apply_back.append(ms)
            k_back.append(ch.ms)
        lines = len(ch.lines)
    print(f"live changes on a routed line of {a.nodes} routers, {a.rounds} rounds")
    row("add_node", add_node, k_add_node)
    row("add_link (with 2 addresses)", add_link, k_add_link)
    row("remove_link", rm_link, k_rm_link)
    row(f"apply v2 ({lines} changes)", apply, k_apply)
    row("apply back to v1", apply_back, k_back)
    return 0


if __name__ == "__main__":
    sys.exit(main())
