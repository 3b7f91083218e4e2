"""Load: N labs of M routers (a routed line) brought up, pinged between every pair and taken
down, R rounds, from N separate processes at once; no error, no leak."""
from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time

from conftest import HERE, figure, lab, report
from nslab_testing import BUILD, reap


def generated(tmp_path, shape, n, name):
    text = lab("gen", shape, str(n)).stdout
    path = tmp_path / f"{name}.json"
    path.write_text(text)
    return path


def test_concurrent_labs(tmp_path, host_unchanged):
    """A line of 50 routers needs 2 ARP entries per inner router: 8 such labs stay under the host's
    default neighbour table (1024), which this test leaves as it is."""
    labs, nodes, rounds = figure("load")
    topo = generated(tmp_path, "line", nodes, "load")
    env = dict(os.environ, PYTHONPATH=str(BUILD / "python"))
    env.pop("NSLAB_FAULT", None)
    t0 = time.monotonic()
    workers = [subprocess.Popen([sys.executable, str(HERE / "load_worker.py"), str(topo), f"load{i}", str(rounds)],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
               for i in range(labs)]
    outs = []
    for w in workers:
        out, err = w.communicate(timeout=1800)
        outs.append((w.returncode, out, err))
    reap()
    wall = time.monotonic() - t0
    failed = [(rc, err) for rc, _, err in outs if rc != 0]
    assert not failed, f"workers failed: {failed}"
    rows = [json.loads(l) for _, out, _ in outs for l in out.splitlines() if l.startswith("{")]
    assert len(rows) == labs * rounds
    assert all(r["pairs"] == nodes * (nodes - 1) for r in rows), rows[:3]
    up = [r["up_s"] for r in rows]
    down = [r["down_s"] for r in rows]
    ping = [r["ping_s"] for r in rows]
    report(f"load: {labs} labs x {nodes} nodes x {rounds} rounds in {wall:.1f} s, "
           f"{sum(r['pairs'] for r in rows)} pings all answered; up median {statistics.median(up):.3f} s "
           f"max {max(up):.3f} s, ping_all median {statistics.median(ping):.3f} s, "
           f"down median {statistics.median(down):.3f} s max {max(down):.3f} s")
