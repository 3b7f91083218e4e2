"""`limits` bite: a memory hog meets the OOM killer, a fork bomb stops at `pids`, a busy loop
gets about its CPU share. Cgroup v2 where the host's v2 root passes the controller on, else v1;
NSLAB_EXPECT_CGROUP=v2 (or v1) makes the tests insist on one."""
import json
import os
import signal
import subprocess

from isolation import cgroup_dirs, cpu_limited_labs, lab_cli
from nslab_testing import LAB

EXPECT = os.environ.get("NSLAB_EXPECT_CGROUP")


def one_node(name, limits, **keys):
    return {"name": name, "nodes": {"n": {"limits": limits, **keys}}}


def check_mode(node):
    assert node.cgroup in ("v1", "v2", "v1+v2")
    if EXPECT:
        assert node.cgroup == EXPECT, f"limits enforced through cgroup {node.cgroup}, expected {EXPECT}"


def test_memory_hog_is_oom_killed(lab):
    lab.up(one_node("lim-mem", {"memory": "48M"}))
    n = lab["n"]
    check_mode(n)
    assert n.run(["python3", "-c", "b = b'x' * (8 << 20); print(len(b))"], timeout=60).ok
    hog = n.run(["python3", "-c", "b = b'x' * (400 << 20); print(len(b))"], timeout=60)
    assert hog.exit_code == 128 + 9, hog       # SIGKILL from the OOM killer
    assert n.run("echo alive").stdout == "alive\n"  # the node itself survives


def test_fork_bomb_stops_at_pids(lab):
    lab.up(one_node("lim-pids", {"pids": 20}))
    n = lab["n"]
    check_mode(n)
    code = """
import errno, os, time
kids = []
try:
    while len(kids) < 200:
        pid = os.fork()
        if pid == 0:
            time.sleep(30)
            os._exit(0)
        kids.append(pid)
    print(len(kids), 0)
except OSError as e:
    print(len(kids), e.errno)
for k in kids:
    os.kill(k, 9)
for k in kids:
    os.waitpid(k, 0)
"""
    forked, err = map(int, n.run(["python3", "-c", code], timeout=60).stdout.split())
    # The init and this python count too; the rest of the 20 are the bomb's.
    assert 10 <= forked < 20 and err == 11, (forked, err)  # EAGAIN


def test_busy_loop_gets_its_cpu_share(lab, tmp_path):
    """Also, where cpu is a v1 controller: a v1 hierarchy the host has not mounted is mounted
    by nslab and unmounted with the last lab."""
    with cpu_limited_labs():
        busy_loop_gets_its_cpu_share(lab, tmp_path)


def busy_loop_gets_its_cpu_share(lab, tmp_path):
    lab.up(one_node("lim-cpu", {"cpus": 0.25}))
    n = lab["n"]
    check_mode(n)
    code = """
import os, time
# CPU time of the loop alone: start-up (slow under emulation) is not part of the measure.
b = os.times()
t = time.monotonic()
while time.monotonic() - t < 3:
    pass
c = os.times()
print(c.user + c.system - b.user - b.system)
"""
    used = float(n.run(["python3", "-c", code], timeout=60).stdout)
    # 3 s of wall time at a quarter of a CPU is 0.75 s of CPU; unlimited it would be ~3 s.
    assert 0.3 <= used <= 1.3, used
    # The only test that limits CPUs, so the cpu hierarchy is ours to hide and remount.
    if not v2_passes_on("cpu"):
        lab.down()  # no lab may use the hierarchy when the last one goes
        v1_hierarchy_the_host_lacks_is_mounted_then_unmounted(tmp_path)


def test_exec_phase_and_spawned_processes_join_the_node_cgroup(lab):
    lab.up(one_node("lim-join", {"pids": 50}, exec=["sleep 30 &"]))
    n = lab["n"]
    mine = n.run("cat /proc/self/cgroup").stdout.splitlines()
    assert any(l.endswith("/nslab/" + lab.name + "/n") for l in mine), mine
    sleeper = n.run("cat /proc/$(pgrep -x sleep)/cgroup").stdout.splitlines()
    assert set(sleeper) == set(mine)


def test_cgroups_removed_at_teardown_and_shown_in_status(tmp_path):
    topo = tmp_path / "lim.json"
    topo.write_text('{"name": "lim-cli", "nodes": {"n": {"limits": {"memory": "64M", "pids": 30}}, "m": {}}}')
    up = lab_cli("up", "-q", str(topo))
    assert up.returncode == 0, up.stderr
    try:
        assert cgroup_dirs("lim-cli")
        status = lab_cli("status", "lim-cli").stdout
        assert "cgroup" in status and "memory 64M" in status, status
        if EXPECT:
            assert f"cgroup {EXPECT}" in status, status
    finally:
        down = lab_cli("down", "lim-cli")
    assert down.returncode == 0, down.stderr
    assert cgroup_dirs("lim-cli") == []


def test_clean_removes_cgroups_of_a_killed_keeper(tmp_path):
    topo = tmp_path / "crash.json"
    topo.write_text('{"name": "lim-crash", "nodes": {"n": {"limits": {"pids": 30}}}}')
    assert lab_cli("up", "-q", str(topo)).returncode == 0
    keeper = json.load(open("/run/nslab/lim-crash/state.json"))["keeper"]["pid"]
    os.kill(keeper, signal.SIGKILL)
    os.waitpid(keeper, 0)  # `lab up` made the keeper our child (a child of its parent)
    assert cgroup_dirs("lim-crash")
    r = lab_cli("clean")
    assert r.returncode == 0, r.stderr
    assert cgroup_dirs("lim-crash") == []
    assert not os.path.exists("/run/nslab/lim-crash")


def v1_mount_of(controller):
    for line in open("/proc/self/mountinfo"):
        left, right = line.split(" - ", 1)
        fields = right.split()
        if fields[0] == "cgroup" and controller in fields[2].split(","):
            return left.split()[4]
    return None


def v2_passes_on(controller):
    for line in open("/proc/self/mountinfo"):
        left, right = line.split(" - ", 1)
        if right.split()[0] == "cgroup2":
            with open(left.split()[4] + "/cgroup.subtree_control") as f:
                return controller in f.read().split()
    return False


def v1_hierarchy_the_host_lacks_is_mounted_then_unmounted(tmp_path):
    topo = tmp_path / "mount.json"
    topo.write_text('{"name": "lim-mount", "nodes": {"n": {"limits": {"cpus": 0.5}}}}')
    mine = "/run/nslab/.cgroup/cpu"
    # In a mount namespace of its own where the host's pids hierarchy is not mounted, the
    # engine mounts it itself, and takes the mount away with the last lab that used it.
    hide = f"umount {v1_mount_of('cpu')}" if v1_mount_of("cpu") else "true"
    script = f"""
set -e
{hide}
{LAB} up -q {topo}
echo mounted=$(grep -c ' {mine} ' /proc/self/mountinfo || true)
{LAB} status lim-mount | grep '^node n:'
{LAB} exec lim-mount n -- cat /proc/self/cgroup | grep ':cpu:'
{LAB} down lim-mount
echo after=$(grep -c ' {mine} ' /proc/self/mountinfo || true)
"""
    r = subprocess.run(["unshare", "-m", "--propagation", "private", "sh", "-c", script],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "mounted=1" in r.stdout and "after=0" in r.stdout, r.stdout
    assert "node n: cgroup v1 (cpus 0.5)" in r.stdout
    assert ":cpu:/nslab/lim-mount/n" in r.stdout
    assert not os.path.exists("/run/nslab/.cgroup")
