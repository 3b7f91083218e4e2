"""One lab of 1000 routers in a routed line (`lab gen line 1000`): up, pinged across 20 hops,
end to end (999 hops, both ways) and between a sample of 50 random pairs, down. Extended tier
only (ci/extended); conftest.py leaves this file out of the gating tier."""
from __future__ import annotations

import random
import time

from conftest import figure, lab, report
from test_load import generated


def test_thousand_node_lab(tmp_path, neigh_table, host_unchanged):
    """999 hops need about 2000 ARP entries: the neigh_table fixture raises the host's limit."""
    n = figure("big_lab")
    topo = generated(tmp_path, "line", n, "big")
    t0 = time.monotonic()
    up = lab("up", "-q", str(topo), "--name", "big", timeout=600)
    t_up = time.monotonic() - t0
    try:
        pings = [("r1", "r21"), ("r1", f"r{n}"), (f"r{n}", "r1")]
        rng = random.Random(1)
        pings += [(f"r{rng.randint(1, n)}", f"r{rng.randint(1, n)}") for _ in range(50)]
        failed = []
        t1 = time.monotonic()
        for src, dst in pings:
            if src == dst:
                continue
            # A cold path resolves ARP at every hop first: up to 999 of them.
            p = lab("ping", "big", src, dst, "--timeout", "20", check=False, timeout=60)
            if p.returncode != 0:
                failed.append((src, dst, p.stdout + p.stderr))
        t_ping = time.monotonic() - t1
        assert not failed, failed[:5]
    finally:
        t2 = time.monotonic()
        lab("down", "big", timeout=600)
        t_down = time.monotonic() - t2
    report(f"big lab: {n} routers in a line up in {t_up:.1f} s ({up.stdout.strip()}), "
           f"{len(pings)} pings (r1->r21 over 20 hops, r1->r{n} end to end, 50 random pairs) in {t_ping:.1f} s, "
           f"down in {t_down:.1f} s")
