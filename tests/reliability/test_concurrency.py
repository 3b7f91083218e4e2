"""Concurrency of lab state: two `lab up` of the same name at once (one wins, the other is told
the lab exists: the lab directory is made under a lock together with its state), and `lab
down` while a long `lab exec` runs (it returns promptly, and so does the exec)."""
from __future__ import annotations

import subprocess
import time

from conftest import EXTENDED, HERE, lab, report
from nslab_testing import LAB, reap

TOPOLOGY = str(HERE / "topologies" / "faults.json")


def test_same_name_up_race(host_unchanged):
    rounds = 20 if EXTENDED else 5
    for r in range(rounds):
        procs = [subprocess.Popen([LAB, "up", "-q", TOPOLOGY], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  text=True) for _ in range(2)]
        outs = [(p.wait(timeout=120), *p.communicate()) for p in procs]
        reap()
        codes = sorted(rc for rc, _, _ in outs)
        assert codes == [0, 1], f"round {r}: {outs}"
        loser = next(err for rc, _, err in outs if rc == 1)
        assert "lab faults exists (" in loser, f"round {r}: unclear error: {loser}"
        lab("down", "faults")
    report(f"same-name race: {rounds} rounds of two concurrent `lab up faults`, one won each time, "
           f"the other said 'lab faults exists'")


def test_down_during_long_exec(host_unchanged):
    lab("up", "-q", TOPOLOGY)
    execs = [subprocess.Popen([LAB, "exec", "faults", node, "--", "sleep", "300"], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for node in ("h1", "r1")]
    time.sleep(0.5)
    assert all(p.poll() is None for p in execs), "the exec did not start"
    t0 = time.monotonic()
    down = lab("down", "faults", timeout=60)
    t_down = time.monotonic() - t0
    codes = [p.wait(timeout=30) for p in execs]
    t_exec = time.monotonic() - t0
    for p in execs:
        p.communicate()
    reap()
    assert down.returncode == 0
    assert t_down < 15, f"lab down took {t_down:.1f} s with an exec running"
    assert codes == [137, 137], codes  # 128 + SIGKILL: the node went down under them
    report(f"lab down with two `lab exec ... sleep 300` running: down in {t_down:.2f} s, the execs returned "
           f"{codes} within {t_exec:.2f} s")
