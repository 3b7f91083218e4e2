"""Lab state is trusted only where nobody else could have planted it (issue 14, item 1).

A throwaway user's run dir (or NSLAB_RUN_DIR) that another user owns or may write, a lab entry
that is a symlink, and a forged state file whose cgroups lie outside the cgroup filesystem: each
is refused with a message naming the path, and nothing outside nslab's own state is touched.
"""
import json
import os
import pathlib
import shutil
import subprocess
import tempfile

import pytest

from test_rootless import User, tools  # noqa: F401  (tools is a fixture)


@pytest.fixture
def user(tools):  # noqa: F811
    u = User(tools)
    yield u
    leftovers, state = u.remove()
    assert not leftovers, f"processes of {u.name} left running: {leftovers}"
    assert not state, f"state left in {u.run_dir}: {state}"


@pytest.fixture
def scratch():
    d = tempfile.mkdtemp(prefix="nslab-trust-")
    os.chmod(d, 0o755)
    yield pathlib.Path(d)
    shutil.rmtree(d, ignore_errors=True)


def test_run_dir_of_another_user_is_refused(user, scratch):
    planted = scratch / "planted"
    planted.mkdir(mode=0o755)  # root's, readable by the user
    os.chmod(planted, 0o755)
    for cmd in ("lab status", "lab down --all"):
        r = user.sh(f"NSLAB_RUN_DIR={planted} {cmd}")
        assert r.returncode != 0, cmd + ": " + r.stdout + r.stderr
        assert str(planted) in r.stderr and "belongs to uid 0" in r.stderr, cmd + ": " + r.stderr


def test_group_writable_run_dir_is_refused(user, scratch):
    shared = scratch / "shared"
    shared.mkdir()
    os.chown(shared, user.uid, user.gid)
    os.chmod(shared, 0o770)
    for cmd in ("lab status", "lab down --all"):
        r = user.sh(f"NSLAB_RUN_DIR={shared} {cmd}")
        assert r.returncode != 0, cmd + ": " + r.stdout + r.stderr
        assert str(shared) in r.stderr and "writable by its group or others" in r.stderr, cmd + ": " + r.stderr


def test_planted_tmp_run_dir_is_refused(tools, user):  # noqa: F811
    """User A plants /tmp/nslab-<uid of B>; B's status and down refuse it."""
    other = User(tools)
    try:
        r = other.sh(f"mkdir -m 0755 {user.run_dir}")
        assert r.returncode == 0, r.stderr
        for cmd in ("lab status", "lab down --all"):
            r = user.sh(cmd)
            assert r.returncode != 0, cmd + ": " + r.stdout + r.stderr
            assert user.run_dir in r.stderr and f"belongs to uid {other.uid}" in r.stderr, cmd + ": " + r.stderr
    finally:
        shutil.rmtree(user.run_dir, ignore_errors=True)
        leftovers, state = other.remove()
    assert not leftovers and not state


def test_symlinked_lab_entry_is_refused(user, scratch):
    victim = scratch / "victim"
    victim.mkdir()
    (victim / "canary").write_text("still here\n")
    os.chown(victim, user.uid, user.gid)
    os.chown(victim / "canary", user.uid, user.gid)
    r = user.sh(f"mkdir -m 0700 {user.run_dir} && ln -s {victim} {user.run_dir}/evil")
    assert r.returncode == 0, r.stderr
    try:
        r = user.sh("lab down evil")
        assert r.returncode != 0, r.stdout + r.stderr
        assert f"{user.run_dir}/evil is a symlink" in r.stderr, r.stderr
        assert (victim / "canary").read_text() == "still here\n"
        r = user.sh("lab down --all")
        assert r.returncode != 0 and "is a symlink" in r.stderr, r.stdout + r.stderr
        assert (victim / "canary").exists()
    finally:
        os.unlink(f"{user.run_dir}/evil")


def test_forged_cgroup_path_is_refused(user, scratch):
    """A state file naming a fake cgroup (a plain directory whose cgroup.procs lists -1 and a
    sleep of the user's) must not make `lab down` kill anything. On the old code kill(-1)
    killed every process of the user, the sleep among them."""
    fake = scratch / "x" / "nslab" / "forged"
    fake.mkdir(parents=True)
    for d in (scratch / "x", scratch / "x" / "nslab", fake):
        os.chown(d, user.uid, user.gid)
    sleep = subprocess.Popen(["setpriv", f"--reuid={user.uid}", f"--regid={user.gid}", "--init-groups",
                              "sleep", "60"])
    try:
        (fake / "cgroup.procs").write_text(f"-1\n{sleep.pid}\n")
        boot_id = pathlib.Path("/proc/sys/kernel/random/boot_id").read_text().strip()
        state = {"lab": "forged", "status": "up", "boot_id": boot_id, "keeper": {"pid": 0, "starttime": 0},
                 "nodes": [], "cgroups": [str(fake)]}
        r = user.sh(f"mkdir -m 0700 -p {user.run_dir}/forged && cat > {user.run_dir}/forged/state.json <<'EOF'\n"
                    f"{json.dumps(state)}\nEOF")
        assert r.returncode == 0, r.stderr
        r = user.sh("lab down forged")
        assert r.returncode != 0, r.stdout + r.stderr
        assert str(fake) in r.stderr and "not on a cgroup filesystem" in r.stderr, r.stderr
        assert sleep.poll() is None, "the sleep named in the forged cgroup.procs was killed"
    finally:
        sleep.kill()
        sleep.wait()
        shutil.rmtree(user.run_dir, ignore_errors=True)
