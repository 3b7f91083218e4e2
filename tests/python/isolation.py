"""Helpers shared by the isolation tests: the lab CLI, cgroup directories on the host, and a
root filesystem built from Debian's busybox-static."""
import contextlib
import fcntl
import json
import os
import pathlib
import shutil
import subprocess
import uuid

from nslab_testing import LAB

BUSYBOX = "/bin/busybox"


@contextlib.contextmanager
def host_scratch(prefix):
    """A path /srv/<prefix>-<random> for a test's host files, removed afterwards. Not under /tmp:
    a node has a /tmp of its own, so the host's would never be touched."""
    d = f"/srv/{prefix}-{uuid.uuid4().hex[:8]}"
    try:
        yield d
    finally:
        shutil.rmtree(d, ignore_errors=True)


def one_node_topology(tmp_path, name, node):
    """A topology file of lab `name` with one node `n` whose keys are `node`; its path."""
    t = tmp_path / f"{name}.json"
    t.write_text(json.dumps({"name": name, "nodes": {"n": node}}))
    return str(t)


def private_dirs_topology(tmp_path, name, dirs):
    """A one-node topology file of lab `name` whose node has the private dirs `dirs`; its path."""
    return one_node_topology(tmp_path, name, {"private_dirs": dirs})


def lab_cli(*args, **kw):
    return subprocess.run([LAB, *args], capture_output=True, text=True, timeout=120, **kw)


@contextlib.contextmanager
def cli_lab(tmp_path, topology, prefix):
    """`lab up -q` of `topology` (a dict) under a fresh name `<prefix>-<random>`, from a file in
    `tmp_path`; yields the name, and `lab down` afterwards (which must succeed)."""
    name = f"{prefix}-{uuid.uuid4().hex[:6]}"
    t = tmp_path / f"{name}.json"
    t.write_text(json.dumps(dict(topology, name=name)))
    r = lab_cli("up", "-q", str(t))
    assert r.returncode == 0, r.stderr
    try:
        yield name
    finally:
        assert lab_cli("down", name).returncode == 0


def cgroup_dirs(lab_name):
    """Every directory named nslab/<lab_name> under any cgroup mount of this host."""
    found = []
    for line in open("/proc/self/mountinfo"):
        left, right = line.split(" - ", 1)
        if right.split()[0] not in ("cgroup", "cgroup2"):
            continue
        mount = left.split()[4]
        for dirpath, dirnames, _ in os.walk(mount):
            if os.path.basename(dirpath) == "nslab" and lab_name in dirnames:
                found.append(os.path.join(dirpath, lab_name))
            # nslab/ sits at most a few levels down (under the keeper's own cgroup in v1)
            if dirpath.count("/") - mount.count("/") >= 4:
                dirnames[:] = []
    return found


def busybox_rootfs(path: pathlib.Path) -> pathlib.Path:
    """A root filesystem of busybox-static and its applets: /bin, /etc, nothing of the host."""
    if not os.path.exists(BUSYBOX):
        raise RuntimeError("busybox-static is not installed (ci/deps.sh installs it)")
    (path / "bin").mkdir(parents=True)
    (path / "etc").mkdir()
    shutil.copy2(BUSYBOX, path / "bin" / "busybox")
    applets = subprocess.run([BUSYBOX, "--list"], capture_output=True, text=True, check=True).stdout.split()
    for a in applets:
        if a != "busybox":
            os.symlink("busybox", path / "bin" / a)
    (path / "sbin").symlink_to("bin")
    (path / "etc" / "passwd").write_text("root:x:0:0:root:/:/bin/sh\n")
    return path


@contextlib.contextmanager
def cpu_limited_labs():
    """Held by every test whose labs limit CPUs. test_limits checks that the cgroup v1 cpu
    hierarchy nslab mounts goes with the last lab using it, which a CPU-limited lab of another
    test running beside it (Mininet's CPULimitedHost examples) would keep. The lock is on this
    directory, so no file is left behind."""
    fd = os.open(os.path.dirname(os.path.abspath(__file__)), os.O_RDONLY | os.O_DIRECTORY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)
