"""The kernel matrix's own check that cgroup v2 limits work in the VM, before nslab uses them:
after ci/vm/prepare.sh, a child cgroup has the memory, pids and cpu controllers, and each
limit holds against a process that tries to exceed it. Run by ci/vm/suite.txt in the VM (and
in the Vagrant VM); not on hosts whose cgroup v2 lacks the controllers, such as this CI host.
"""
import os
import subprocess
import time

import pytest

ROOT = "/sys/fs/cgroup"


@pytest.fixture
def cgroup():
    path = os.path.join(ROOT, f"nslab-vm-check-{os.getpid()}")
    os.mkdir(path)
    try:
        yield path
    finally:
        # The processes put in it have exited; the kernel frees a cgroup once they are reaped.
        for _ in range(50):
            try:
                os.rmdir(path)
                break
            except OSError:
                time.sleep(0.1)
        assert not os.path.exists(path)


def write(cg, name, value):
    with open(os.path.join(cg, name), "w") as f:
        f.write(value)


def read(cg, name):
    with open(os.path.join(cg, name)) as f:
        return f.read()


def stats(cg, name):
    words = read(cg, name).split()
    return {k: int(v) for k, v in zip(words[::2], words[1::2])}


def inside(cg, script, timeout=60):
    """Runs `script` with /bin/sh in the cgroup: the shell moves itself in before exec."""
    return subprocess.run(["/bin/sh", "-c", f"echo $$ > {cg}/cgroup.procs && exec /bin/sh -c '{script}'"],
                          capture_output=True, text=True, timeout=timeout)


def test_controllers_enabled(cgroup):
    assert {"memory", "pids", "cpu"} <= set(read(cgroup, "cgroup.controllers").split())


def test_memory_max_kills_the_hog(cgroup):
    write(cgroup, "memory.max", str(32 << 20))
    if os.path.exists(os.path.join(cgroup, "memory.swap.max")):
        write(cgroup, "memory.swap.max", "0")
    r = inside(cgroup, "exec /usr/bin/python3 -c \"b = bytearray(128 << 20)\"")
    assert r.returncode == -9 or r.returncode == 137, (r.returncode, r.stderr)
    assert stats(cgroup, "memory.events")["oom_kill"] >= 1


def test_pids_max_stops_forks(cgroup):
    write(cgroup, "pids.max", "4")
    r = inside(cgroup, "for i in 1 2 3 4 5 6; do sleep 0.5 & done; wait")
    assert "fork" in r.stderr.lower(), (r.returncode, r.stderr)
    assert stats(cgroup, "pids.events")["max"] >= 1


def test_cpu_max_throttles(cgroup):
    write(cgroup, "cpu.max", "10000 100000")  # 10 % of one CPU
    inside(cgroup, "end=$(($(date +%s) + 2)); while [ $(date +%s) -lt $end ]; do :; done")
    s = stats(cgroup, "cpu.stat")
    assert s["nr_throttled"] > 0, s
