"""What a keeper and the commands it starts inherit from whoever ran `lab up`: descriptors,
descriptor limits; and what a failing or long `exec` command reports and leaves behind."""
import fcntl
import json
import os
import pathlib
import subprocess
import time

from clilab import LAB, cli_lab, keeper_pid, lab
from nslab_testing import ROOT

LINE = ROOT / "topologies" / "line.json"


def _topology(tmp_path, name, exec_cmds):
    """A one-node topology whose node runs `exec_cmds`."""
    p = tmp_path / f"{name}.json"
    p.write_text(json.dumps({"name": name, "nodes": {"h1": {"exec": exec_cmds}}, "links": []}))
    return p


def _assert_gone(name):
    """Nothing of lab `name` is left: no state, no directory, no keeper or init."""
    assert name not in lab("list").stdout
    assert not pathlib.Path(f"/run/nslab/{name}").exists()
    ps = subprocess.run(["ps", "-eo", "args"], capture_output=True, text=True).stdout
    assert f"--lab {name} " not in ps


def test_failing_exec_shows_its_output(tmp_path):
    with cli_lab("execout") as name:
        topo = _topology(tmp_path, name, ["sh -c 'echo hello-from-exec; exit 3'"])
        r = lab("up", "--name", name, topo)
        assert r.returncode != 0
        assert "hello-from-exec" in r.stderr, r.stderr
        assert "printed nothing" not in r.stderr
        assert "exited with code 3" in r.stderr
    _assert_gone(name)


def test_exec_command_sees_only_stdio(tmp_path):
    # The shell says whether it holds fd 9 and lists its descriptors, then fails, so its output
    # lands in the error. fd 9 is an open file of the process running `lab up`: it must not
    # reach the command. (No pipeline in the listed shell: it would hold the pipe's ends while
    # it forks, a race that shows extra descriptors.)
    with cli_lab("execfds") as name:
        topo = _topology(tmp_path, name, ["if [ -e /proc/self/fd/9 ]; then echo fd9-open; else echo fd9-closed; fi;"
                                          " ls -l /proc/$$/fd; exit 1"])
        lock = tmp_path / "held"
        r = subprocess.run(["sh", "-c", f'"{LAB}" up --name {name} "{topo}" 9>"{lock}"'],
                           capture_output=True, text=True, timeout=60)
        assert r.returncode != 0
        assert "fd9-closed" in r.stderr, r.stderr
        assert str(lock) not in r.stderr, r.stderr
    _assert_gone(name)


def test_keeper_does_not_keep_callers_lock(tmp_path):
    lock = tmp_path / "ci.lock"
    with cli_lab("flock") as name:
        # As in `( flock 9; lab up ... ) 9>/tmp/ci.lock`.
        r = subprocess.run(["sh", "-c", f'( flock 9; "{LAB}" up --name {name} -q "{LINE}" ) 9>"{lock}"'],
                           capture_output=True, text=True, timeout=60)
        assert r.returncode == 0, r.stderr
        pid = keeper_pid(name)
        assert pid
        free = subprocess.run(["flock", "-n", str(lock), "true"])
        assert free.returncode == 0, "the keeper still holds the caller's lock"
        fds = [os.readlink(f"/proc/{pid}/fd/{fd}") for fd in os.listdir(f"/proc/{pid}/fd")]
        assert str(lock) not in fds, fds
    _assert_gone(name)


def test_keeper_raises_the_soft_descriptor_limit():
    with cli_lab("nofile") as name:
        r = subprocess.run(["prlimit", "--nofile=64:4096", LAB, "up", "--name", name, "-q", "--gen", "line:50"],
                           capture_output=True, text=True, timeout=120)
        assert r.returncode == 0, r.stderr
        pid = keeper_pid(name)
        limits = pathlib.Path(f"/proc/{pid}/limits").read_text()
        assert any(l.startswith("Max open files") and l.split()[3] == "4096" for l in limits.splitlines()), limits
    _assert_gone(name)


def test_exec_command_gets_the_original_soft_limit(tmp_path):
    with cli_lab("nofileexec") as name:
        topo = _topology(tmp_path, name, ["echo soft=$(ulimit -Sn); exit 1"])
        r = subprocess.run(["prlimit", "--nofile=256:4096", LAB, "up", "--name", name, str(topo)],
                           capture_output=True, text=True, timeout=60)
        assert r.returncode != 0
        assert "soft=256" in r.stderr, r.stderr
    _assert_gone(name)


# A keeper with CAP_SYS_RESOURCE raises its own hard limit up to what the lab needs.
NO_SYS_RESOURCE = ["setpriv", "--bounding-set", "-sys_resource", "--inh-caps", "-sys_resource"]


def test_lab_beyond_the_hard_limit_fails_before_building():
    with cli_lab("nofilehard") as name:
        t0 = time.monotonic()
        # Without CAP_SYS_RESOURCE, as on the CI machine: with it the keeper raises its hard limit.
        r = subprocess.run(NO_SYS_RESOURCE + ["prlimit", "--nofile=64:64", LAB, "up", "--name", name, "-q", "--gen", "line:50"],
                           capture_output=True, text=True, timeout=60)
        took = time.monotonic() - t0
        assert r.returncode != 0
        assert "RLIMIT_NOFILE hard limit is 64" in r.stderr, r.stderr
        assert "descriptors" in r.stderr
        assert took < 10, took
    _assert_gone(name)


def test_down_interrupts_a_long_exec(tmp_path):
    with cli_lab("execdown") as name:
        topo = _topology(tmp_path, name, ["echo started; sleep 119.7"])
        up = subprocess.Popen([LAB, "up", "--name", name, str(topo)], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True)
        try:
            log = pathlib.Path(f"/run/nslab/{name}/logs/h1.log")
            deadline = time.monotonic() + 30
            while not (log.exists() and "started" in log.read_text()):
                assert up.poll() is None, up.communicate()
                assert time.monotonic() < deadline, "the exec command never started"
                time.sleep(0.05)
            t0 = time.monotonic()
            r = lab("down", name, timeout=30)
            took = time.monotonic() - t0
            assert r.returncode == 0, r.stderr
            assert took < 10, f"lab down took {took:.1f} s"
            _, err = up.communicate(timeout=10)
            assert up.returncode != 0
            assert "interrupted" in err, err
        finally:
            if up.poll() is None:
                up.kill()
                up.wait()
    _assert_gone(name)
    ps = subprocess.run(["ps", "-eo", "args"], capture_output=True, text=True).stdout
    assert "sleep 119.7" not in ps.splitlines()


def test_lab_past_the_descriptors_it_could_hold_opens_them_per_use():
    # 200 routers under a limit of 1024: a socket and a namespace per node while wiring (600)
    # plus the reserve do not fit, so the first nodes keep theirs and the rest are opened per
    # batch. The far end is wired and routed as well as the near one.
    with cli_lab("nofilelazy") as name:
        r = subprocess.run(NO_SYS_RESOURCE + ["prlimit", "--nofile=1024:1024", LAB, "up", "--name", name, "-q",
                                              "--gen", "line:200"], capture_output=True, text=True, timeout=120)
        assert r.returncode == 0, r.stderr
        keeper = keeper_pid(name)
        assert len(os.listdir(f"/proc/{keeper}/fd")) < 1024 - 200
        last = lab("exec", name, "r200", "--", "ip", "-o", "-4", "addr", "show", "dev", "eth1")
        assert "10.0.3.26/30" in last.stdout, last.stdout
        ping = lab("exec", name, "r1", "--", "ping", "-c1", "-W5", "10.0.3.26")
        assert ping.returncode == 0, ping.stdout + ping.stderr
        assert lab("down", name).returncode == 0
    _assert_gone(name)
