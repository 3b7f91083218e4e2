"""kill -9 at exact points of `lab up` and `lab down` (engine fault hook, NSLAB_FAULT; see
engine/util/fault.hpp), and of Python processes holding an ephemeral lab. Afterwards `lab
clean` (or nothing, for an ephemeral lab) must leave the host identical to before, or the lab
must be entirely up (when the kill came after it was built) and `lab down` must then do so.
Never a half-built lab.

The gating tier runs a seeded sample (NSLAB_FAULT_SEED, default 1) of `figure("kill_points")`
points with every group represented; the extended tier runs them all."""
from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time

import pytest

from conftest import EXTENDED, HERE, figure, lab, report
from nslab_testing import BUILD, LAB, reap, wait_host_equals

TOPOLOGY = str(HERE / "topologies" / "faults.json")
NAME = "faults"
NODES = 6

# Each point: (group, fault for `lab up` and its keeper, fault for `lab down`). A keeper point
# with ":both" also kills the starter, so that nobody but `lab clean` is left to clean up; with
# ":owner" only the starter dies, and the keeper must notice.
POINTS = (
    [("creation", f, "") for f in ["up.dir:1", "up.state:1", "up.spawned:1", "keeper:1", "keeper:1:both",
                                    "nodes:1", "nodes:1:both", "node:2:both", "node:5:owner"]] +
    [("creation", f"node:{k}", "") for k in range(1, NODES + 1)] +
    [("linking", f, "") for f in ["bridge:1", "bridge:1:both", "link:1", "link:2", "link:1:both",
                                   "link:2:owner"]] +
    [("configuration", f"config:{k}", "") for k in range(1, NODES + 1)] +
    [("configuration", f, "") for f in ["config:3:both", "config:2:owner", "pin:1", "pin:4", "pin:6:both",
                                         "up:1", "up:1:both"]] +
    [("exec", f, "") for f in ["exec:1", "exec:3", "exec:2:both", "exec:1:owner", "ready:1", "up.ready:1"]] +
    [("down", up, down) for up, down in [("", "down:1"), ("teardown:1", ""), ("unpin:1", ""), ("unpin:4", ""),
                                         ("teardown:1", "down:1"), ("unpin:3", "down:1")]]
)
GROUPS = ["creation", "linking", "configuration", "exec", "down"]


def chosen_points():
    if EXTENDED:
        return POINTS
    rng = random.Random(int(os.environ.get("NSLAB_FAULT_SEED", "1")))
    n = figure("kill_points")
    by_group = {g: [p for p in POINTS if p[0] == g] for g in GROUPS}
    picked = [rng.choice(by_group[g]) for g in GROUPS]  # one of each group, then any
    rest = [p for p in POINTS if p not in picked]
    return picked + rng.sample(rest, n - len(picked))


def point_id(p):
    return p[1] + (f"/down={p[2]}" if p[2] else "")


def test_enough_points():
    assert len(POINTS) >= 30
    assert len(chosen_points()) == (len(POINTS) if EXTENDED else figure("kill_points"))


def lab_exists() -> bool:
    return os.path.isdir(f"/run/nslab/{NAME}")


def assert_fully_up():
    st = lab("status", NAME)
    assert f"lab {NAME}: up" in st.stdout, st.stdout
    ping = lab("pingall", NAME, "--timeout", "2", check=False)
    assert ping.returncode == 0 and "0% dropped" in ping.stdout, ping.stdout + ping.stderr


def keeper_pid() -> int:
    st = lab("status", NAME).stdout
    return int(st.split("keeper ")[1].split(",")[0])


def alive(pid: int) -> bool:
    """Running (a zombie has finished: it only waits to be reaped)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            stat = f.read()
    except OSError:
        return False
    return stat[stat.rindex(")") + 2] != "Z"


def restore(expect_leftovers: bool):
    """`lab clean`; then the lab is either gone or entirely up (and `lab down` takes it)."""
    clean = lab("clean")
    if expect_leftovers:
        assert f"removed leftovers of lab {NAME}" in clean.stdout, clean.stdout
    if lab_exists():
        assert_fully_up()
        lab("down", NAME)


@pytest.mark.parametrize("point", chosen_points(), ids=point_id)
def test_kill_point(point, host_unchanged):
    group, up_fault, down_fault = point
    report(f"kill point {point_id(point)}")
    up_env = {"NSLAB_FAULT": up_fault} if up_fault else {}
    if group == "down":
        lab("up", "-q", TOPOLOGY, env=up_env)
        assert_fully_up()
        keeper = keeper_pid()
        down = lab("down", NAME, env={"NSLAB_FAULT": down_fault} if down_fault else {}, check=False)
        if down_fault:
            assert down.returncode == -signal.SIGKILL, down.stderr
        else:
            # The keeper died mid-teardown; `lab down` finishes its work.
            assert down.returncode == 0, down.stderr
            assert not lab_exists()
        # `lab down` died: the keeper goes on tearing down, and dies too if it has a fault.
        deadline = time.monotonic() + 15
        while alive(keeper) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not alive(keeper), "the keeper is still tearing down after 15 s"
        restore(expect_leftovers=bool(up_fault and down_fault))
        return
    parts = up_fault.split(":")
    stage, whom = parts[0], parts[2] if len(parts) > 2 else "self"
    up = lab("up", "-q", TOPOLOGY, env=up_env, check=False)
    starter_killed = stage.startswith("up.") or whom in ("owner", "both")
    if starter_killed:
        assert up.returncode == -signal.SIGKILL, f"the fault did not fire: {up.returncode} {up.stderr}"
    elif stage == "ready":
        assert up.returncode == 0, up.stderr  # the lab was up when its keeper died
    else:
        assert up.returncode == 1 and "keeper process died" in up.stderr, f"{up.returncode} {up.stderr}"
    # Whoever is left alive (a keeper that lost its starter rolls back on its own) settles.
    if whom == "owner" or stage == "up.spawned":
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if not lab_exists() or "up" == status_of():
                break
            time.sleep(0.05)
    restore(expect_leftovers=whom == "both" or stage in ("up.dir", "up.state", "ready"))


def status_of() -> str:
    p = lab("status", NAME, check=False)
    return "up" if f"lab {NAME}: up" in p.stdout else ""


def python_env(extra=None):
    env = dict(os.environ, PYTHONPATH=str(BUILD / "python"))
    env.pop("NSLAB_FAULT", None)
    env.update(extra or {})
    return env


def wait_line(proc, want="up", timeout=60):
    """Reads proc's stdout until `want`; fails on EOF."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        if line.strip() == want or line.strip().endswith(want):
            return
    pytest.fail(f"{proc.args} never printed {want!r}: {proc.stderr.read() if proc.stderr else ''}")


def kill_and_wait(proc):
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    reap()


@pytest.mark.parametrize("fault", ["", "up.spawned:1", "config:2:owner", "exec:2:owner"],
                         ids=["after-up", "starter-mid-build", "owner-at-config", "owner-at-exec"])
def test_kill_python_holder(fault, host_unchanged):
    """An ephemeral lab dies with the Python process that holds it: no `lab clean`."""
    name = "holder"
    proc = subprocess.Popen([sys.executable, str(HERE / "holder.py"), TOPOLOGY, name],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=python_env({"NSLAB_FAULT": fault} if fault else None))
    if not fault:
        wait_line(proc)
        assert os.path.isdir(f"/run/nslab/{name}")
        kill_and_wait(proc)
    else:
        proc.wait(timeout=60)
        reap()
        assert proc.returncode == -signal.SIGKILL, proc.stderr.read()
    left = wait_host_equals(host_unchanged, timeout=20)
    assert not left, f"the killed holder's lab left: {left}"
    report(f"python holder killed ({fault or 'after up'}): host restored without lab clean")


def test_kill_pytest_holding_lab_fixture(host_unchanged):
    """A pytest run killed while a test holds the plugin's `lab` fixture leaves nothing."""
    proc = subprocess.Popen([sys.executable, "-m", "pytest", "-q", "-s", "-p", "no:cacheprovider", "--noconftest",
                             "-p", "nslab.pytest_plugin", str(HERE / "holds_lab_fixture.py")],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=python_env(),
                            cwd=str(HERE))
    wait_line(proc)
    assert os.listdir("/run/nslab"), "the fixture's lab is not there"
    kill_and_wait(proc)
    left = wait_host_equals(host_unchanged, timeout=20)
    assert not left, f"the killed pytest's lab left: {left}"


def test_down_while_up_finishes(host_unchanged):
    """`lab down` wins the race with `lab up` reading the ready lab's state: `lab up` must say
    so and fail, not dereference the state that is no longer there (issue 14, item 13)."""
    env = dict(os.environ, NSLAB_FAULT="up.ready:1:stall")
    up = subprocess.Popen([LAB, "up", "-q", TOPOLOGY], env=env, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 30
        while status_of() != "up" and time.monotonic() < deadline:
            time.sleep(0.05)
        assert status_of() == "up", "the lab did not come up"
        lab("down", NAME)  # the starter is still stalled at up.ready
        _, err = up.communicate(timeout=30)
    finally:
        if up.poll() is None:
            up.kill()
            up.wait()
    assert up.returncode == 1, f"lab up exited {up.returncode}: {err}"
    assert f"lab {NAME} was taken down" in err, err
    assert not lab_exists()


# A live change killed at each of its stages: the keeper dies with the change half applied (new
# nodes cloned and recorded, new links made, removed nodes gone). `lab clean` must still leave
# the host as it was: every node the change added is in the lab's record before it can fail.
LIVE_POINTS = ["live:1", "live-nodes:1", "live-steps:1", "live-commit:1"]
ADDED = '{"kind": "router", "loopback": ["10.0.9.9/32"], "exec": ["true"]}'


@pytest.mark.parametrize("fault", LIVE_POINTS)
def test_kill_point_of_a_live_change(fault, host_unchanged):
    report(f"kill point {fault} (live change)")
    lab("up", "-q", TOPOLOGY, env={"NSLAB_FAULT": fault})  # the keeper inherits the fault
    assert_fully_up()
    if fault == "live-commit:1":
        change = lab("node", "rm", NAME, "h2", check=False)        # a removed node is gone first
    else:
        change = lab("node", "add", NAME, "x1", "--json", ADDED, check=False)
    assert change.returncode == 1 and "keeper" in change.stderr, f"{change.returncode} {change.stdout} {change.stderr}"
    restore(expect_leftovers=True)
