"""The nslab Python API against real labs."""
import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

import nslab

from nslab_testing import LAB, ROOT

TOPO = ROOT / "topologies"

TWO = {"name": "two", "nodes": {"a": {}, "b": {}},
       "links": [{"endpoints": ["a:eth0", "b:eth0"], "ipv4": ["10.7.0.1/24", "10.7.0.2/24"],
                  "ipv6": ["fd00:7::1/64", "fd00:7::2/64"]}]}


def leftovers(name):
    """What of lab `name` is still on the host."""
    pins = [p for p in os.listdir("/run/netns") if p.startswith(name + ".")] if os.path.isdir("/run/netns") else []
    state = os.path.exists(f"/run/nslab/{name}")
    return pins, state


def test_run_returns_text_exit_code_and_stderr(lab):
    lab.up(TWO)
    r = lab["a"].run("hostname; echo oops >&2; exit 3")
    assert (r.exit_code, r.stdout, r.stderr, r.ok) == (3, "a\n", "oops\n", False)
    assert lab["a"].run(["echo", "x y"]).stdout == "x y\n"
    assert lab["b"].run("printf '\\377\\n'").stdout == "\ufffd\n"  # undecodable bytes replaced
    with pytest.raises(nslab.CommandError):
        lab["a"].run("false", check=True)
    assert lab["a"].run("cat", input="fed to stdin").stdout == "fed to stdin"
    assert lab["a"].run("echo $FOO", env={"FOO": "bar"}).stdout == "bar\n"
    # A key that looks like an option of env(1) is still a variable (issue 14, item 13).
    r = lab["a"].run(["/usr/bin/env"], env={"-i": "v", "FOO": "bar"})
    assert r.ok and "-i=v\n" in r.stdout and "FOO=bar\n" in r.stdout and "PATH=" in r.stdout, r
    with pytest.raises(ValueError, match="not a variable name"):
        lab["a"].run("true", env={"A=B": "c"})


def test_large_output_on_both_streams_does_not_deadlock(lab):
    lab.up(TWO)
    r = lab["a"].run("head -c 3000000 /dev/zero | tr '\\0' o; head -c 2000000 /dev/zero | tr '\\0' e >&2",
                     timeout=30)
    assert len(r.stdout) == 3_000_000 and len(r.stderr) == 2_000_000


def test_timeout_kills_the_whole_process_group(lab):
    lab.up(TWO)
    t0 = time.monotonic()
    with pytest.raises(nslab.CommandTimeout) as e:
        lab["a"].run("echo started; sleep 100 & sleep 100", timeout=0.5)
    assert time.monotonic() - t0 < 5
    assert e.value.stdout == "started\n"
    assert lab["a"].run("pgrep -c sleep").stdout.strip() == "0"


def test_spawn_poll_wait_kill(lab):
    lab.up(TWO)
    p = lab["a"].spawn("echo hello; sleep 0.3; echo bye >&2; exit 4")
    assert p.poll() is None
    assert p.wait(timeout=5) == 4
    assert (p.stdout, p.stderr) == ("hello\n", "bye\n")
    q = lab["b"].spawn(["sleep", "100"])
    with pytest.raises(nslab.CommandTimeout):
        q.wait(timeout=0.2)
    assert q.kill() == 128 + signal.SIGKILL


def test_nodes_links_addresses_and_link_down_up(lab):
    lab.up(TWO)
    assert list(lab.nodes) == ["a", "b"]
    a = lab["a"]
    assert a.pid > 0 and a.hostname == "a" and a.kind == "host"
    assert set(a.addresses()) == {"10.7.0.1/24", "fd00:7::1/64"}
    assert [i.name for i in a.interfaces()] == ["lo", "eth0"]
    link = lab.link("b:eth0")
    assert link.endpoints == ("a:eth0", "b:eth0") and link.is_up
    assert a.run("ping -c1 -W1 10.7.0.2").ok
    link.down()
    assert not link.is_up
    assert not a.run("ping -c1 -W1 10.7.0.2").ok
    link.up()
    assert lab.wait_until(lambda: a.run("ping -c1 -W1 fd00:7::2").ok, timeout=10)
    assert "fd00:7::1/64" in a.addresses()  # kept across down/up
    with pytest.raises(nslab.LabError):
        lab["nope"]
    with pytest.raises(nslab.LabError):
        lab.link("a:eth9")


def test_wait_until(lab):
    lab.up(TWO)
    t0 = time.monotonic()
    assert not lab.wait_until(lambda: False, timeout=0.3, interval=0.05)
    assert 0.3 <= time.monotonic() - t0 < 2
    calls = []
    assert lab.wait_until(lambda: calls.append(1) or len(calls) > 2, timeout=5, interval=0.01)


def test_context_manager_brings_up_and_down():
    with nslab.Lab.from_file(TOPO / "triangle.json", name="ctx-tri") as lab:
        assert lab.is_up and lab.name == "ctx-tri"
        assert lab["r1"].run("ping -c1 -W2 10.0.0.3").ok
        assert leftovers("ctx-tri")[1]
    assert leftovers("ctx-tri") == ([], False)


def test_errors_are_mapped():
    with pytest.raises(nslab.TopologyError) as e:
        nslab.Lab({"name": "bad", "nodes": {"a": {}}, "links": [{"endpoints": ["a:eth0", "b:eth0"]}]}).up()
    assert e.value.pointer == "/links/0/endpoints/1"
    assert isinstance(e.value, ValueError)
    with pytest.raises(nslab.LabError, match="no lab named"):
        nslab.Lab.attach("no-such-lab")
    # A kernel refusal: an address lo already has.
    with pytest.raises(nslab.NetlinkError) as k:
        nslab.Lab({"name": "kern", "nodes": {"a": {"loopback": ["127.0.0.1/8"]}}}).up()
    assert k.value.errno == 17 and "Address already assigned" in str(k.value)
    assert isinstance(k.value, OSError)
    assert leftovers("kern") == ([], False)


def test_attach_to_a_lab_started_by_the_cli():
    subprocess.run([LAB, "up", "-q", str(TOPO / "star.json"), "--name", "cli-star"], check=True)
    try:
        lab = nslab.Lab.attach("cli-star")
        assert "cli-star" in nslab.labs()
        assert lab["h1"].run("hostname").stdout == "h1\n"
        with lab:
            pass  # leaving an attached lab's block does not take it down
        assert leftovers("cli-star")[1]
    finally:
        nslab.down("cli-star")
    assert leftovers("cli-star") == ([], False)


def test_forked_child_never_tears_down_its_parents_lab(lab):
    lab.up(TWO)
    pid = os.fork()
    if pid == 0:
        try:
            lab.down()
            with nslab.Lab.attach(lab.name):
                pass
        finally:
            os._exit(0)
    os.waitpid(pid, 0)
    assert lab["a"].run("true").ok


def test_kill_9_of_the_owner_leaves_nothing():
    script = textwrap.dedent(f"""
        import sys, time, nslab
        lab = nslab.Lab.from_file({str(TOPO / 'star.json')!r}, name="killed-owner").up()
        lab["h1"].spawn("sleep 1000")
        print("ready", flush=True)
        time.sleep(1000)
    """)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    child = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True, env=env)
    assert child.stdout.readline().strip() == "ready"
    assert leftovers("killed-owner")[1]
    child.kill()
    child.wait()
    deadline = time.monotonic() + 10
    while leftovers("killed-owner") != ([], False) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert leftovers("killed-owner") == ([], False)


def test_validate():
    assert nslab.validate(str(TOPO / "triangle.json")) == ("triangle", 3, 3)
