"""Private dirs a daemon can use (issue 16, gap 1): a string entry is a tmpfs like /tmp (1777,
root's), so a daemon that drops to its own user writes its pid file there; an object entry sets
mode and owner, names looked up in the node's own /etc/passwd and /etc/group."""
import os
import uuid

import pytest

from isolation import host_scratch, lab_cli, private_dirs_topology


@pytest.fixture
def base():
    with host_scratch("nslab-pd") as d:
        yield d


def in_node(name, *cmd):
    return lab_cli("exec", name, "n", "--", *cmd)


def test_string_entry_is_sticky_and_world_writable_so_a_dropped_daemon_writes_there(tmp_path, base):
    name = f"pd-s-{uuid.uuid4().hex[:6]}"
    d = f"{base}/run/frr"
    r = lab_cli("up", "-q", private_dirs_topology(tmp_path, name, [d]))
    assert r.returncode == 0, r.stderr
    try:
        st = in_node(name, "stat", "-c", "%a %U %G", d)
        assert st.stdout.split() == ["1777", "root", "root"], st.stdout + st.stderr
        # As a daemon does after dropping root: nobody writes its pid file.
        w = in_node(name, "setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups",
                    "sh", "-c", f"echo 42 > {d}/daemon.pid && cat {d}/daemon.pid")
        assert w.returncode == 0 and w.stdout == "42\n", w.stderr
        # The host's directory stays empty and root's: the file is on the node's tmpfs.
        assert os.listdir(d) == []
        assert (os.stat(d).st_mode & 0o7777) != 0o1777
    finally:
        assert lab_cli("down", name).returncode == 0


def test_object_entry_sets_mode_and_owner_by_name_and_number(tmp_path, base):
    name = f"pd-o-{uuid.uuid4().hex[:6]}"
    a, b = f"{base}/etc/app", f"{base}/var/app"
    r = lab_cli("up", "-q", private_dirs_topology(tmp_path, name, [
        {"path": a, "mode": "0750", "owner": "nobody:nogroup"},
        {"path": b, "mode": "700", "owner": "65534"}]))
    assert r.returncode == 0, r.stderr
    try:
        assert in_node(name, "stat", "-c", "%a %U %G", a).stdout.split() == ["750", "nobody", "nogroup"]
        assert in_node(name, "stat", "-c", "%a %u %g", b).stdout.split() == ["700", "65534", "65534"]
        # 0750 nobody:nogroup: another user may not write there, nobody may.
        denied = in_node(name, "setpriv", "--reuid=daemon", "--regid=daemon", "--clear-groups", "touch", f"{a}/x")
        assert denied.returncode != 0
        ok = in_node(name, "setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", "touch", f"{a}/x")
        assert ok.returncode == 0, ok.stderr
    finally:
        assert lab_cli("down", name).returncode == 0


def test_unknown_owner_fails_up_naming_node_and_owner_and_leaves_nothing(tmp_path, base):
    name = f"pd-u-{uuid.uuid4().hex[:6]}"
    r = lab_cli("up", "-q", private_dirs_topology(tmp_path, name, [{"path": f"{base}/x", "owner": "no-such-user-here"}]))
    assert r.returncode != 0
    assert "no user no-such-user-here" in r.stderr and "node n" in r.stderr, r.stderr
    assert name not in lab_cli("status").stdout
    assert not os.path.exists(base), "a failed lab up left the private dir it made on the host"


def test_validate_names_a_bad_mode(tmp_path):
    r = lab_cli("validate", private_dirs_topology(tmp_path, "pd-v", [{"path": "/srv/x", "mode": "0999"}]))
    assert r.returncode != 0
    assert "/nodes/n/private_dirs/0/mode" in r.stderr and "is not a mode" in r.stderr, r.stderr
