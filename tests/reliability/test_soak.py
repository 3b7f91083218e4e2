"""Soak: K up/down cycles of a 10-node lab in one Python process. Its fd count, mount count,
the host's netns count and /run/netns entries must be the same after the last cycle as after
the first few (warm-up: imports, caches), and its memory must not grow by more than a bound
that a per-cycle leak of even 10 KiB would exceed at 300 cycles."""
from __future__ import annotations

import json
import os
import subprocess
import sys

from conftest import HERE, figure, lab, report
from nslab_testing import BUILD, reap

WARMUP = 5
RSS_SLACK_KIB = 2048


def test_soak(tmp_path, host_unchanged):
    cycles = figure("soak_cycles")
    topo = tmp_path / "soak.json"
    topo.write_text(lab("gen", "line", "10").stdout)
    env = dict(os.environ, PYTHONPATH=str(BUILD / "python"))
    env.pop("NSLAB_FAULT", None)
    p = subprocess.run([sys.executable, str(HERE / "soak_worker.py"), str(topo), str(cycles)],
                       capture_output=True, text=True, env=env, timeout=3600)
    reap()
    assert p.returncode == 0, p.stderr
    rows = [json.loads(l) for l in p.stdout.splitlines()]
    assert len(rows) == cycles + 1
    base, last = rows[WARMUP], rows[-1]
    for key in ("fds", "mounts", "netns", "pins"):
        values = sorted({r[key] for r in rows[WARMUP:]})
        assert values == [base[key]], f"{key} not flat after cycle {WARMUP}: {[r[key] for r in rows]}"
    assert rows[0]["pins"] == last["pins"] and rows[0]["netns"] == last["netns"]
    growth = last["rss_kib"] - base["rss_kib"]
    assert growth <= RSS_SLACK_KIB, f"RSS grew {growth} KiB from cycle {WARMUP} to {cycles}"
    secs = [r["s"] for r in rows[1:]]
    report(f"soak: {cycles} cycles of a 10-node lab (up, ping 90 pairs, down) in one process, "
           f"{sum(secs):.1f} s; fds {rows[0]['fds']} -> {base['fds']} (cycle {WARMUP}) -> {last['fds']}; "
           f"RSS {rows[0]['rss_kib']} -> {base['rss_kib']} -> {last['rss_kib']} KiB "
           f"(max {max(r['rss_kib'] for r in rows)}); mounts {base['mounts']} -> {last['mounts']}; "
           f"netns {rows[0]['netns']} -> {last['netns']}; /run/netns pins {rows[0]['pins']} -> {last['pins']}")
