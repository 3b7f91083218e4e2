"""Processes in nodes (issue 16, gaps 2 and 6): PIDs between a node's PID namespace and the
host's (a daemon's pid file inside a node holds its PID there; the test signals it from the
host), and Node.run's cwd and stderr merge.
"""
import os
import signal
import time

import pytest

import nslab

ONE = {"name": "pids", "nodes": {"a": {}, "b": {}}}


def test_pid_file_written_in_the_node_is_signalled_from_the_host(lab):
    lab.up(ONE)
    a = lab["a"]
    p = a.spawn(["sh", "-c", "echo $$ > /tmp/d.pid; exec sleep 60"])
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        text = a.run("cat /tmp/d.pid 2>/dev/null").stdout.strip()
        if text:
            break
        time.sleep(0.02)
    inside = int(text)
    assert inside != p.pid, "a node has its own PID namespace: its PIDs are not the host's"
    assert a.host_pid(inside) == p.pid
    assert a.node_pid(p.pid) == inside
    os.kill(a.host_pid(inside), signal.SIGTERM)
    assert p.wait(timeout=10) in (-signal.SIGTERM, 128 + signal.SIGTERM)


def test_pid_1_is_the_init_and_other_nodes_processes_are_refused(lab):
    lab.up(ONE)
    a, b = lab["a"], lab["b"]
    assert a.host_pid(1) == a.pid and a.node_pid(a.pid) == 1
    with pytest.raises(nslab.LabError, match="not in node a"):
        a.node_pid(b.pid)
    with pytest.raises(nslab.LabError, match="no process 99999 in node a"):
        a.host_pid(99999)
    with pytest.raises(nslab.LabError, match="not in node a"):
        a.node_pid(os.getpid())


def test_run_in_a_directory_of_the_node_and_with_stderr_merged(lab):
    """Issue 16, gap 6: Node.run's cwd and stderr=subprocess.STDOUT."""
    import subprocess
    lab.up(ONE)
    a = lab["a"]
    a.run("mkdir -p /tmp/work && echo data > /tmp/work/f", check=True)
    r = a.run("pwd; cat f", cwd="/tmp/work")
    assert r.stdout == "/tmp/work\ndata\n", r
    merged = a.run("echo one; echo two >&2; echo three", stderr=subprocess.STDOUT)
    assert merged.stdout == "one\ntwo\nthree\n" and merged.stderr == ""
    apart = a.run("echo one; echo two >&2")
    assert apart.stdout == "one\n" and apart.stderr == "two\n"
    # The node's /tmp is its own: a directory only the host has is not there.
    with pytest.raises(nslab.KernelError, match="change to directory /tmp/nowhere-here in node a"):
        a.run("true", cwd="/tmp/nowhere-here")
    with pytest.raises(ValueError):
        a.run("true", stderr=subprocess.PIPE)


def test_popen_has_subprocess_popens_interface(lab):
    """Issue 16, gap 6: Node.popen with pipes, stdin, text, cwd, signals and returncode."""
    import subprocess
    lab.up(ONE)
    a = lab["a"]
    with a.popen(["sh", "-c", "pwd; tr a-z A-Z; echo oops >&2; exit 3"], stdin=subprocess.PIPE,
                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd="/proc", text=True) as p:
        out, err = p.communicate("hello\n", timeout=10)
    assert (out, err, p.returncode) == ("/proc\nHELLO\n", "oops\n", 3)
    # Bytes, stderr into stdout, line by line while it runs.
    p = a.popen(["sh", "-c", "echo one; echo two >&2; sleep 60"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    assert p.stdout.readline() == b"one\n" and p.stdout.readline() == b"two\n"
    assert p.poll() is None and p.returncode is None
    inside = a.node_pid(p.pid)
    assert inside != p.pid and a.host_pid(inside) == p.pid
    with pytest.raises(subprocess.TimeoutExpired):
        p.wait(timeout=0.05)
    p.terminate()
    assert p.wait(timeout=10) == -signal.SIGTERM
    p.stdout.close()
    # Nothing asked for: DEVNULL, and communicate() gives None for streams without a pipe.
    q = a.popen("cat", stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
    assert q.communicate(timeout=10) == (None, None) and q.returncode == 0
    with pytest.raises(nslab.KernelError, match="change to directory /nowhere in node a"):
        a.popen("true", cwd="/nowhere")
