"""`lab clean` removes only what is provably dead, and says what it could not (issue 14, item 4).

A lab cgroup carries a claim naming the keeper that made it. `lab clean` of one state dir must
leave the cgroups of a live lab of another state dir (NSLAB_RUN_DIR) alone, remove those whose
keeper is gone, and, as a user who may not remove root's leftovers, fail quickly and say so
instead of spinning on EPERM and claiming success.
"""
import json
import os
import signal
import time

import pytest

from isolation import cgroup_dirs, lab_cli
from test_rootless import User, tools  # noqa: F401  (tools is a fixture)


def topo(tmp_path, name):
    t = tmp_path / f"{name}.json"
    t.write_text(json.dumps({"name": name, "nodes": {"n": {"limits": {"pids": 30}}}}))
    return str(t)


def env_with(run_dir):
    return {**os.environ, "NSLAB_RUN_DIR": str(run_dir)}


def v2_root():
    for line in open("/proc/self/mountinfo"):
        left, right = line.split(" - ", 1)
        if right.split()[0] == "cgroup2":
            return left.split()[4]
    return None


def test_clean_leaves_a_live_lab_of_another_state_dir(tmp_path):
    other = env_with(tmp_path / "run")
    up = lab_cli("up", "-q", topo(tmp_path, "cl-other"), env=other)
    assert up.returncode == 0, up.stderr
    try:
        dirs = cgroup_dirs("cl-other")
        assert dirs
        r = lab_cli("clean")
        assert r.returncode == 0, r.stderr
        assert cgroup_dirs("cl-other") == dirs, "lab clean removed cgroups of a live lab it does not know"
        assert "kept cgroup" in r.stdout and "cl-other" in r.stdout and "is alive" in r.stdout, r.stdout
        ex = lab_cli("exec", "cl-other", "n", "--", "true", env=other)
        assert ex.returncode == 0, "the other lab's node was killed: " + ex.stderr
    finally:
        down = lab_cli("down", "cl-other", env=other)
    assert down.returncode == 0, down.stderr
    assert cgroup_dirs("cl-other") == []


def test_clean_removes_cgroups_whose_keeper_is_gone(tmp_path):
    other = env_with(tmp_path / "run")
    up = lab_cli("up", "-q", topo(tmp_path, "cl-dead"), env=other)
    assert up.returncode == 0, up.stderr
    state = json.load(open(tmp_path / "run" / "cl-dead" / "state.json"))
    os.kill(state["keeper"]["pid"], signal.SIGKILL)
    os.waitpid(state["keeper"]["pid"], 0)  # `lab up` made the keeper our child
    try:
        assert cgroup_dirs("cl-dead")
        r = lab_cli("clean")  # the default state dir, which never knew cl-dead
        assert r.returncode == 0, r.stderr
        assert "removed leftovers of lab cl-dead" in r.stdout, r.stdout
        assert cgroup_dirs("cl-dead") == []
    finally:
        # Its own state dir still holds its state and pins.
        mine = lab_cli("clean", env=other)
    assert mine.returncode == 0, mine.stderr
    assert "removed leftovers of lab cl-dead" in mine.stdout, mine.stdout
    assert not (tmp_path / "run" / "cl-dead").exists()


@pytest.fixture
def ghost_cgroup():
    """A dead lab's cgroup of root's: claimed by a keeper that has exited."""
    root = v2_root()
    if root is None:
        pytest.skip("no cgroup2 mount")
    parent = os.path.join(root, "nslab")
    made_parent = not os.path.isdir(parent)
    os.makedirs(parent, exist_ok=True)
    ghost = os.path.join(parent, "cl-ghost")
    os.mkdir(ghost)
    pid = os.fork()
    if pid == 0:
        os._exit(0)
    start = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[19]
    os.waitpid(pid, 0)
    boot = open("/proc/sys/kernel/random/boot_id").read().strip()
    os.setxattr(ghost, "user.nslab.keeper", f"{boot} {pid} {start}".encode())
    yield ghost
    if os.path.isdir(ghost):
        os.rmdir(ghost)
    if made_parent and os.path.isdir(parent) and not os.listdir(parent):
        try:
            os.rmdir(parent)
        except OSError:
            pass


def test_clean_as_a_user_says_it_cannot_remove_roots_leftovers(tools, ghost_cgroup):  # noqa: F811
    user = User(tools)
    try:
        t0 = time.monotonic()
        r = user.sh("lab clean")
        took = time.monotonic() - t0
        assert r.returncode == 1, r.stdout + r.stderr
        assert ghost_cgroup in r.stderr and "permission denied" in r.stderr, r.stderr
        assert "removed leftovers of lab cl-ghost" not in r.stdout, r.stdout
        assert took < 5, f"lab clean took {took:.1f} s (spinning on EPERM?)"
        assert os.path.isdir(ghost_cgroup)
    finally:
        leftovers, state = user.remove()
    assert not leftovers and not state
    r = lab_cli("clean")
    assert r.returncode == 0, r.stderr
    assert "removed leftovers of lab cl-ghost" in r.stdout, r.stdout
    assert not os.path.isdir(ghost_cgroup)
