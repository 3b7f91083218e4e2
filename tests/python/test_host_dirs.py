"""A private dir the host lacks is made on the host for the node's tmpfs, and removed again by
the last lab that uses it, while it is empty (issue 14, item 13; TOPOLOGY "mount points nslab
has to create")."""
import json
import os
import signal

import pytest

from isolation import host_scratch, lab_cli, private_dirs_topology


@pytest.fixture
def base():
    with host_scratch("nslab-test") as d:
        yield d


def up(path):
    r = lab_cli("up", "-q", path)
    assert r.returncode == 0, r.stderr
    return r


def test_last_lab_removes_the_dirs_it_made(tmp_path, base):
    inner = f"{base}/etc/app"
    up(private_dirs_topology(tmp_path, "hd-a", [inner]))
    try:
        assert os.path.isdir(inner)
        up(private_dirs_topology(tmp_path, "hd-b", [inner]))
        try:
            assert lab_cli("down", "hd-a").returncode == 0
            assert os.path.isdir(inner), "hd-a removed a dir hd-b still uses"
            w = lab_cli("exec", "hd-b", "n", "--", "sh", "-c", f"echo hi > {inner}/f && cat {inner}/f")
            assert w.returncode == 0 and w.stdout == "hi\n", w.stderr
        finally:
            assert lab_cli("down", "hd-b").returncode == 0
    finally:
        lab_cli("down", "hd-a")
    assert not os.path.exists(base), f"{base} is left on the host after lab down"


def test_dirs_that_existed_or_were_filled_stay(tmp_path, base):
    os.makedirs(f"{base}/had")
    up(private_dirs_topology(tmp_path, "hd-c", [f"{base}/had", f"{base}/new/a", f"{base}/new/b"]))
    try:
        with open(f"{base}/new/b/kept", "w") as f:  # somebody uses it on the host now
            f.write("x")
    finally:
        assert lab_cli("down", "hd-c").returncode == 0
    assert os.path.isdir(f"{base}/had"), "a dir nslab did not make was removed"
    assert os.path.isfile(f"{base}/new/b/kept")
    assert not os.path.exists(f"{base}/new/a"), "an empty dir nslab made is left"


def test_clean_removes_dirs_of_a_killed_lab(tmp_path, base):
    up(private_dirs_topology(tmp_path, "hd-d", [f"{base}/x"]))
    keeper = json.load(open("/run/nslab/hd-d/state.json"))["keeper"]["pid"]
    os.kill(keeper, signal.SIGKILL)
    os.waitpid(keeper, 0)  # `lab up` made the keeper our child
    r = lab_cli("clean")
    assert r.returncode == 0, r.stderr
    assert not os.path.exists(base)
