"""BIRD as part of a node (the `bird` key): a config file beside the topology, BIRD running as
user bird and answering Node.birdc as soon as `lab up` returns; a config BIRD refuses fails
`lab up` at the node's `bird` key with BIRD's words and leaves nothing; a config file that is
not there is a topology error (`lab up` and `lab validate`); `lab down` stops BIRD with SIGTERM.

OSPF from the key alone is tests/python/test_bird.py (topologies/bird-ospf-line.json)."""
import json
import os
import pwd
import time

import pytest

from isolation import host_scratch, lab_cli
from nslab import CommandError, LabError, TopologyError
from routing import (BIRD, BIRDC, assert_lab_gone, assert_no_daemon_left, daemon_processes, pid_namespaces,
                     require_binaries)

CONF = "router id 10.0.0.1;\nprotocol device {}\nprotocol static s1 {\n  ipv4;\n  route 10.99.0.0/24 blackhole;\n}\n"


def require_bird():
    require_binaries((BIRD, BIRDC), "bird2")


def topology(tmp_path, name, node):
    path = tmp_path / "lab.json"
    path.write_text(json.dumps({"name": name, "nodes": {"b1": {"kind": "router", **node}}}))
    return path


def test_bird_from_a_config_file_answers_birdc_at_once(lab, tmp_path):
    require_bird()
    (tmp_path / "confs").mkdir()
    (tmp_path / "confs" / "b1.conf").write_text(CONF)
    lab.up(topology(tmp_path, lab.name, {"bird": {"config": "confs/b1.conf"}}))
    b1 = lab["b1"]
    assert b1.daemons == ["bird"]
    assert "Daemon is up and running" in b1.birdc("show status")
    assert "10.99.0.0/24" in b1.birdc("show route protocol s1")
    with pytest.raises(CommandError) as e:
        b1.birdc("show no-such-thing")
    assert "b1" in str(e.value)

    # It runs as bird, and its pid file's PID is that process on the host.
    pid = int(b1.run(["cat", "/run/bird/bird.pid"], check=True).stdout)
    host = b1.host_pid(pid)
    with open(f"/proc/{host}/comm") as f:
        assert f.read().strip() == "bird"
    assert os.stat(f"/proc/{host}").st_uid == pwd.getpwnam("bird").pw_uid
    # nslab's log line is appended to the config; BIRD logs there.
    assert b1.run("tail -n 1 /etc/bird/bird.conf", check=True).stdout.strip() == 'log "/run/bird/bird.log" all;'
    assert "Started" in b1.daemon_logs()["bird"]


def test_a_config_bird_refuses_fails_lab_up_at_the_bird_key(lab, tmp_path):
    require_bird()
    with pytest.raises(LabError) as e:
        lab.up(topology(tmp_path, lab.name, {"bird": {"config": "router id 10.0.0.1;\nprotocol nonsense {}\n"}}))
    assert (e.value.node, e.value.pointer, e.value.step) == ("b1", "/nodes/b1/bird", "bird b1")
    assert "syntax error" in str(e.value) and "bird.conf:2" in str(e.value), str(e.value)
    assert_lab_gone(lab.name)


def test_a_missing_config_file_is_a_topology_error(lab, tmp_path):
    path = topology(tmp_path, lab.name, {"bird": {"config": "missing.conf"}})
    with pytest.raises(TopologyError) as e:
        lab.up(path)
    assert e.value.pointer == "/nodes/b1/bird/config"
    assert str(tmp_path / "missing.conf") in str(e.value)
    res = lab_cli("validate", str(path))
    assert res.returncode == 2 and "/nodes/b1/bird/config" in res.stdout + res.stderr, res.stdout + res.stderr


def test_lab_down_stops_bird_with_sigterm(lab, tmp_path):
    require_bird()
    before = daemon_processes()
    with host_scratch("nslab-bird-run") as run:
        os.makedirs(run)
        os.chmod(run, 0o1777)
        # BIRD's run dir on the host, so its log can be read after the node is gone.
        lab.up(topology(tmp_path, lab.name, {"bird": {"config": CONF},
                                             "mounts": [{"source": run, "target": "/run/bird"}]}))
        namespaces = pid_namespaces(lab)
        t0 = time.monotonic()
        lab.down()
        took = time.monotonic() - t0
        assert_no_daemon_left(before, namespaces)
        log = open(f"{run}/bird.log").read()
        assert "Shutting down" in log and "Shutdown completed" in log, log
        assert took < 3.0, f"lab down took {took:.1f} s"


def test_a_failed_tests_report_shows_each_daemons_log_tail(pytester, tmp_path):
    require_bird()
    topo = topology(tmp_path, "unused", {"bird": {"config": CONF}})
    pytester.makeconftest('pytest_plugins = ["nslab.pytest_plugin"]')
    pytester.makepyfile(f"""
        import pytest

        @pytest.mark.topology({str(topo)!r})
        def test_fails(lab):
            assert lab["b1"].birdc("show status")
            assert False, "on purpose"
    """)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(failed=1)
    out = result.stdout.str()
    assert ": b1 daemon logs" in out, out                 # the section of the report
    assert "--- bird: last lines of its log" in out, out
    assert "<INFO> Started" in out, out                    # BIRD's own words


def test_validate_resolves_config_paths_against_the_topology_file(tmp_path):
    import nslab
    (tmp_path / "b1.conf").write_text(CONF)
    assert nslab.validate(topology(tmp_path, "v", {"bird": {"config": "b1.conf"}}))[0] == "v"
    with pytest.raises(TopologyError) as e:
        nslab.validate(topology(tmp_path, "v", {"bird": {"config": "b2.conf"}}))
    assert e.value.pointer == "/nodes/b1/bird/config"
