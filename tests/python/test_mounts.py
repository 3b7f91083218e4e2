"""Bind mounts of host paths and a shared /tmp (issue 16, gap 3): a harness passes files into a
node and reads its logs back; mount points nslab makes on the host go again at lab down."""
import json
import os
import uuid

import pytest

from isolation import host_scratch, lab_cli, one_node_topology


@pytest.fixture
def work():
    with host_scratch("nslab-mt") as d:
        os.makedirs(f"{d}/src")
        with open(f"{d}/src/in.txt", "w") as f:
            f.write("from the host\n")
        with open(f"{d}/file.conf", "w") as f:
            f.write("conf\n")
        yield d


def up(tmp_path, name, node):
    return lab_cli("up", "-q", one_node_topology(tmp_path, name, node))


def in_node(name, cmd):
    return lab_cli("exec", name, "n", "--", "sh", "-c", cmd)


def test_bind_mounts_pass_files_both_ways_and_readonly_holds(tmp_path, work):
    name = f"mt-{uuid.uuid4().hex[:6]}"
    rw, ro, f = f"{work}/made/rw", f"{work}/made/ro", "/etc/frr/file.conf"
    r = up(tmp_path, name, {"private_dirs": ["/etc/frr"], "mounts": [
        {"source": f"{work}/src", "target": rw},
        {"source": f"{work}/src", "target": ro, "readonly": True},
        {"source": f"{work}/file.conf", "target": f}]})
    assert r.returncode == 0, r.stderr
    try:
        assert in_node(name, f"cat {rw}/in.txt {f}").stdout == "from the host\nconf\n"
        assert in_node(name, f"echo log > {rw}/out.log").returncode == 0
        with open(f"{work}/src/out.log") as log:
            assert log.read() == "log\n"
        denied = in_node(name, f"echo x > {ro}/nope")
        assert denied.returncode != 0 and "Read-only" in denied.stderr
    finally:
        assert lab_cli("down", name).returncode == 0
    # The targets nslab made on the host are gone again; the sources are untouched.
    assert not os.path.exists(f"{work}/made")
    assert sorted(os.listdir(f"{work}/src")) == ["in.txt", "out.log"]


def test_shared_tmp_sees_the_hosts_tmp(tmp_path):
    name = f"mt-t-{uuid.uuid4().hex[:6]}"
    marker = f"/tmp/nslab-shared-{uuid.uuid4().hex[:8]}"
    r = up(tmp_path, name, {"shared_tmp": True})
    assert r.returncode == 0, r.stderr
    try:
        assert in_node(name, f"echo shared > {marker}").returncode == 0
        with open(marker) as f:
            assert f.read() == "shared\n"
    finally:
        if os.path.exists(marker):
            os.unlink(marker)
        assert lab_cli("down", name).returncode == 0
    # Without it, the node's /tmp is its own.
    name = f"mt-p-{uuid.uuid4().hex[:6]}"
    assert up(tmp_path, name, {}).returncode == 0
    try:
        assert in_node(name, f"echo private > {marker}").returncode == 0
        assert not os.path.exists(marker)
    finally:
        assert lab_cli("down", name).returncode == 0


def test_a_missing_source_fails_up_naming_it_and_leaves_nothing(tmp_path, work):
    name = f"mt-m-{uuid.uuid4().hex[:6]}"
    r = up(tmp_path, name, {"mounts": [{"source": f"{work}/absent", "target": f"{work}/t"}]})
    assert r.returncode != 0
    assert f"open mount source {work}/absent" in r.stderr and "node n" in r.stderr, r.stderr
    assert name not in lab_cli("status").stdout
    assert not os.path.exists(f"{work}/t")


def test_validate_locates_bad_mounts(tmp_path):
    t = tmp_path / "bad.json"
    t.write_text(json.dumps({"name": "mt-v", "nodes": {"n": {"mounts": [
        {"source": "rel/path", "target": "/x"}, {"source": "/a", "target": "/"}, {"target": "/y"},
        {"source": "/a", "target": "/z", "ro": True}]}}}))
    r = lab_cli("validate", str(t))
    assert r.returncode != 0
    for where in ("/nodes/n/mounts/0/source", "/nodes/n/mounts/1/target", "/nodes/n/mounts/2", "/nodes/n/mounts/3/ro"):
        assert where in r.stderr, (where, r.stderr)
