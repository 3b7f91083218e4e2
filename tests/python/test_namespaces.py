"""What each `namespaces` choice means, shown from inside a node: uts, ipc, pid and mnt can
each be turned off; cgroup and time come on request, time with configurable offsets."""
import os
import socket
import time

import pytest

import nslab

from isolation import cgroup_dirs

ALL_BUT = lambda *off: [n for n in ("uts", "mnt", "pid", "ipc") if n not in off]  # noqa: E731


def node_lab(name, **keys):
    return {"name": name, "nodes": {"n": keys}}


def test_pid_namespace_hides_host_processes(lab):
    lab.up({"name": "ns-pid", "nodes": {"own": {}, "shared": {"namespaces": ALL_BUT("pid")}}})
    me = os.getpid()
    assert lab["own"].run("cat /proc/1/comm").stdout == "nslab-init\n"
    assert not lab["own"].run(f"test -d /proc/{me}").ok
    assert lab["shared"].run(f"test -d /proc/{me}").ok          # sees the test process
    assert lab["shared"].run("cat /proc/1/comm").stdout != "nslab-init\n"


def test_without_pid_namespace_teardown_still_ends_daemons():
    with nslab.Lab(node_lab("ns-nopid", namespaces=ALL_BUT("pid"))) as lab:
        # A daemon that left its starter: only the node's cgroup still knows it is the node's.
        pid = int(lab["n"].run("sleep 1000 >/dev/null 2>&1 < /dev/null & echo $!").stdout)
        # The shell's child may not have exec'd sleep yet when `echo $!` returns (seen in CI
        # under load): wait for it, not for a fixed time.
        deadline = time.monotonic() + 5
        while open(f"/proc/{pid}/comm").read() != "sleep\n" and time.monotonic() < deadline:
            time.sleep(0.02)
        assert open(f"/proc/{pid}/comm").read() == "sleep\n"
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            if open(f"/proc/{pid}/stat").read().split(")")[1].split()[0] == "Z":
                break
        except FileNotFoundError:
            break
        time.sleep(0.05)
    else:
        pytest.fail(f"daemon {pid} of a node without a PID namespace outlived the lab")
    assert cgroup_dirs("ns-nopid") == []


def shm_sizes():
    with open("/proc/sysvipc/shm") as f:
        return [line.split()[3] for line in f.readlines()[1:]]


def test_ipc_namespace_keeps_sysv_objects_apart(lab):
    lab.up({"name": "ns-ipc", "nodes": {"own": {}, "shared": {"namespaces": ALL_BUT("ipc")}}})
    made = lab["own"].run("ipcmk -M 12347")
    assert made.ok, made
    assert "12347" not in shm_sizes()
    assert "12347" in lab["own"].run("cat /proc/sysvipc/shm").stdout
    made = lab["shared"].run("ipcmk -M 12349")
    assert made.ok, made
    shmid = made.stdout.split(":")[1].strip()
    try:
        assert "12349" in shm_sizes()                           # the host sees it
    finally:
        lab["shared"].run(f"ipcrm -m {shmid}")


def test_uts_namespace_and_hostname(lab):
    lab.up({"name": "ns-uts", "nodes": {"own": {"hostname": "custom"}, "shared": {"namespaces": ALL_BUT("uts")}}})
    assert lab["own"].run("hostname").stdout == "custom\n"
    assert lab["shared"].run("hostname").stdout == socket.gethostname() + "\n"
    with pytest.raises(nslab.TopologyError) as e:
        nslab.validate(node_lab("x", namespaces=ALL_BUT("uts"), hostname="h"))
    assert e.value.pointer == "/nodes/n/hostname"


def test_mnt_namespace_and_private_tmp(lab, tmp_path):
    lab.up({"name": "ns-mnt", "nodes": {"own": {}, "shared": {"namespaces": ALL_BUT("mnt")}}})
    marker = f"/tmp/nslab-ns-mnt-{os.getpid()}"
    open(marker, "w").close()
    try:
        assert not lab["own"].run(f"test -e {marker}").ok        # its /tmp is its own
        assert lab["shared"].run(f"test -e {marker}").ok
    finally:
        os.unlink(marker)
    with pytest.raises(nslab.TopologyError) as e:
        nslab.validate(node_lab("x", namespaces=ALL_BUT("mnt"), private_dirs=["/etc/x"]))
    assert e.value.pointer == "/nodes/n/private_dirs"


def test_cgroup_namespace_roots_the_node_at_its_cgroup(lab):
    lab.up({"name": "ns-cg", "nodes": {"own": {"namespaces": ALL_BUT() + ["cgroup"]},
                                       "limited": {"limits": {"pids": 50}}}})
    own = lab["own"].run("cat /proc/self/cgroup").stdout.splitlines()
    assert own and all(l.endswith(":/") for l in own), own
    limited = lab["limited"].run("cat /proc/self/cgroup").stdout.splitlines()
    assert any(l.endswith(f"/nslab/{lab.name}/limited") for l in limited), limited


def read_clocks(run):
    out = run(["python3", "-c", "import time; print(time.clock_gettime(time.CLOCK_MONOTONIC), "
                                "time.clock_gettime(time.CLOCK_BOOTTIME))"])
    return [float(x) for x in out.split()]


def test_time_namespace_offsets(lab):
    lab.up(node_lab("ns-time", namespaces=ALL_BUT() + ["time"],
                    time_offsets={"monotonic": "1000s", "boottime": "2000s"},
                    exec=["cat /proc/uptime > /tmp/uptime-at-exec"]))
    host = [time.clock_gettime(time.CLOCK_MONOTONIC), time.clock_gettime(time.CLOCK_BOOTTIME)]
    node = read_clocks(lambda argv: lab["n"].run(argv).stdout)
    assert abs(node[0] - host[0] - 1000) < 5, (node, host)
    assert abs(node[1] - host[1] - 2000) < 5, (node, host)
    # `exec` commands joined it too.
    at_exec = float(lab["n"].run("cut -d' ' -f1 /tmp/uptime-at-exec").stdout)
    assert at_exec > host[1] + 1900


def test_time_offsets_need_the_time_namespace():
    with pytest.raises(nslab.TopologyError) as e:
        nslab.validate(node_lab("x", time_offsets={"monotonic": "5s"}))
    assert e.value.pointer == "/nodes/n/time_offsets"
    with pytest.raises(nslab.TopologyError) as e:
        nslab.validate(node_lab("x", namespaces=["time"], time_offsets={"realtime": "5s"}))
    assert e.value.pointer == "/nodes/n/time_offsets/realtime"
    with pytest.raises(nslab.TopologyError) as e:
        nslab.validate(node_lab("x", namespaces=["time"], time_offsets={"boottime": "soon"}))
    assert e.value.pointer == "/nodes/n/time_offsets/boottime"
