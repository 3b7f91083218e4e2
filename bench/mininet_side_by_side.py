#!/usr/bin/python3
"""The same Mininet script under Mininet and under nslab-mn, timed in the same run.

The script (written out below, nothing else differs) builds treeping64's network, a tree of
depth 2 and fanout 8 (64 hosts, 9 switches), with Linux bridges and no controller, then
pingAll() and stop(). It asks for autoStaticArp: 64 hosts pinging each other need some 8000
neighbour entries, over the host's cap (net.ipv4.neigh.default.gc_thresh3, 1024 here), which
Mininet raises host-wide when it can, and cannot from inside its own network namespace (nor
may a benchmark change the host); without static entries most of Mininet's pings wait out
their timeout and the run takes hours. Real Mininet (Debian's `mininet` with `bridge-utils`) runs it inside a
network and mount namespace of its own (`unshare --net`), so its root-namespace bridges and
veths never touch the host's, and it is never cleaned with `mn -c` (which kills processes by
name host-wide). nslab-mn runs it as `nslab-mn script.py`. Each side prints its phases as
JSON; the wall time is measured around the whole process (interpreter start included).

    sudo /usr/bin/python3 bench/mininet_side_by_side.py [--rounds 3] [--depth 2 --fanout 8]

Needs a built tree (build/cli/nslab-mn). Rounds alternate the two sides; medians are printed
with the ratio Mininet ÷ nslab-mn."""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
BUILD = os.environ.get("BUILD_DIR") or os.path.join(ROOT, "build")
NSLAB_MN = os.path.join(BUILD, "cli", "nslab-mn")

SCRIPT = '''
import json, sys, time
from mininet.log import setLogLevel
from mininet.net import Mininet
from mininet.nodelib import LinuxBridge
from mininet.topolib import TreeTopo
setLogLevel("error")
t0 = time.monotonic()
net = Mininet(topo=TreeTopo(depth=int(sys.argv[1]), fanout=int(sys.argv[2])), switch=LinuxBridge,
              controller=None, autoStaticArp=True)
net.start()
t1 = time.monotonic()
loss = net.pingAll()
t2 = time.monotonic()
net.stop()
t3 = time.monotonic()
print(json.dumps({"start": t1 - t0, "pingall": t2 - t1, "stop": t3 - t2, "loss": loss,
                  "hosts": len(net.hosts)}))
'''


def timed(cmd, env=None, timeout=600):
    """The side's phases and wall time, or None when it did not finish within `timeout` s."""
    t = time.monotonic()
    try:
        r = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=timeout)
    except subprocess.TimeoutExpired:
        return None
    wall = time.monotonic() - t
    if r.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)}: exit {r.returncode}\n{r.stdout}\n{r.stderr}")
    out = json.loads(r.stdout.strip().splitlines()[-1])
    out["wall"] = wall
    return out


def mininet(script, depth, fanout, timeout):
    return timed(["unshare", "--net", "--mount", "--propagation", "private",
                  "/usr/bin/python3", script, str(depth), str(fanout)], timeout=timeout)


def nslab_mn(script, depth, fanout, timeout):
    env = dict(os.environ, PYTHONPATH=os.path.join(BUILD, "python"))
    return timed([NSLAB_MN, script, str(depth), str(fanout)], env=env, timeout=timeout)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--depth", type=int, default=2)
    p.add_argument("--fanout", type=int, default=8)
    p.add_argument("--timeout", type=float, default=600, help="seconds a side may take (then: no result)")
    p.add_argument("--json", action="store_true", help="print the medians as JSON")
    a = p.parse_args()
    if os.geteuid() != 0:
        sys.exit("mininet_side_by_side: needs root (both sides make namespaces)")
    with tempfile.NamedTemporaryFile("w", suffix=".py", prefix="mn-side-by-side-", delete=False) as f:
        f.write(SCRIPT)
    try:
        runs = {"mininet": [], "nslab-mn": []}
        for _ in range(a.rounds):
            runs["mininet"].append(mininet(f.name, a.depth, a.fanout, a.timeout))
            runs["nslab-mn"].append(nslab_mn(f.name, a.depth, a.fanout, a.timeout))
    finally:
        os.unlink(f.name)
    med = {side: {k: statistics.median(r[k] for r in rs if r) for k in ("start", "pingall", "stop", "wall", "loss")}
           for side, rs in runs.items() if any(rs)}
    unfinished = {side: sum(1 for r in rs if r is None) for side, rs in runs.items()}
    if a.json:
        print(json.dumps(med))
        return
    hosts = a.fanout ** a.depth
    print(f"tree depth={a.depth} fanout={a.fanout} ({hosts} hosts), Linux bridges, no controller; "
          f"medians of {a.rounds} rounds, seconds")
    print(f"{'':10} {'start':>8} {'pingAll':>8} {'stop':>8} {'wall':>8} {'loss %':>7}")
    for side, m in med.items():
        print(f"{side:10} {m['start']:8.2f} {m['pingall']:8.2f} {m['stop']:8.2f} {m['wall']:8.2f} {m['loss']:7.1f}")
    for side, n in unfinished.items():
        if n:
            print(f"{side}: {n} of {a.rounds} rounds did not finish within {a.timeout:.0f} s")
    if len(med) < 2:
        return
    ratio = {k: med["mininet"][k] / med["nslab-mn"][k] for k in ("start", "pingall", "stop", "wall")
             if med["nslab-mn"][k] > 0}
    print("Mininet ÷ nslab-mn: " + ", ".join(f"{k} {v:.1f}x" for k, v in ratio.items()))


if __name__ == "__main__":
    main()
