"""A link down at one end only (issue 16, gap 5): the peer keeps its admin state and sees the
carrier go, as protocol tests need; CLI `--one-end` and Python `end=`."""
import pytest

import nslab
from isolation import cli_lab, lab_cli

TWO = {"nodes": {"a": {}, "b": {}},
       "links": [{"endpoints": ["a:eth0", "b:eth0"], "ipv4": ["10.9.0.1/24", "10.9.0.2/24"]}]}


def state(lab, endpoint):
    """{endpoint: (admin up, carrier)} of the link's two ends."""
    return {e: (up, carrier) for e, up, carrier, _ in lab._h().link_state(endpoint)}


def test_python_end_downs_only_that_end_and_the_peer_sees_the_carrier_go(lab):
    lab.up(dict(TWO, name="oneend"))
    link = lab.link("a:eth0")
    link.down(end="b:eth0")
    assert state(lab, "a:eth0") == {"a:eth0": (True, False), "b:eth0": (False, False)}
    assert not lab["a"].ping("10.9.0.2", timeout=0.5)
    link.up(end="b:eth0")
    assert state(lab, "a:eth0") == {"a:eth0": (True, True), "b:eth0": (True, True)}
    assert lab["a"].ping("10.9.0.2")
    with pytest.raises(nslab.LabError, match="not an end of the link a:eth0 <-> b:eth0"):
        link.down(end="a:eth1")


def test_cli_one_end(tmp_path):
    with cli_lab(tmp_path, TWO, "oneend") as name:
        r = lab_cli("link", name, "a:eth0", "down", "--one-end")
        assert r.returncode == 0, r.stderr
        show = lab_cli("link", name, "b:eth0", "show").stdout
        rows = {l.split()[0]: l.split()[1] for l in show.splitlines()[1:3]}
        assert rows == {"a:eth0": "down", "b:eth0": "no-carrier"}, show
        assert lab_cli("link", name, "a:eth0", "up", "--one-end").returncode == 0
        show = lab_cli("link", name, "b:eth0", "show").stdout
        assert {l.split()[0]: l.split()[1] for l in show.splitlines()[1:3]} == {"a:eth0": "up", "b:eth0": "up"}
        bad = lab_cli("link", name, "a:eth0", "show", "--one-end")
        assert bad.returncode == 2 and "--one-end goes with up or down" in bad.stderr


def test_an_endpoint_created_down_leaves_its_peer_without_carrier(lab):
    """`"up": false` in an endpoint object: only that end is made down; a live apply brings it up."""
    t = {"name": "endup", "nodes": {"a": {}, "b": {}},
         "links": [{"endpoints": ["a:eth0", {"node": "b", "iface": "eth0", "up": False}],
                    "ipv4": ["10.9.0.1/24", "10.9.0.2/24"]}]}
    lab.up(t)
    assert state(lab, "a:eth0") == {"a:eth0": (True, False), "b:eth0": (False, False)}
    assert not lab["a"].ping("10.9.0.2", timeout=0.3)
    t["links"][0]["endpoints"][1]["up"] = True
    assert lab.apply(t).lines == ["~ link a:eth0 <-> b:eth0: b:eth0 up"]
    assert state(lab, "a:eth0") == {"a:eth0": (True, True), "b:eth0": (True, True)}
    assert lab["a"].ping("10.9.0.2")
