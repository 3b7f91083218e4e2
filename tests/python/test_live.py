"""Live labs (issue 16, gap 4): nodes and links added to and removed from a running lab, from
Python and from the CLI; `lab apply` of an edited file applies exactly the difference it prints,
`--dry-run` changes nothing; a change that fails is undone as a whole while the lab keeps
running; what a running node cannot change is refused with its place in the file."""
import copy
import json

import pytest

import nslab
from isolation import cli_lab, lab_cli

LINE = {
    "defaults": {"kind": "router"},
    "nodes": {"r1": {"loopback": ["10.0.0.1/32"]}, "r2": {"loopback": ["10.0.0.2/32"]},
              "r3": {"loopback": ["10.0.0.3/32"]}},
    "links": [
        {"endpoints": ["r1:eth1", "r2:eth1"], "ipv4": ["10.0.12.1/30", "10.0.12.2/30"], "netem": {"delay": "5ms"}},
        {"endpoints": ["r2:eth2", "r3:eth1"], "ipv4": ["10.0.23.1/30", "10.0.23.2/30"]},
    ],
}


def addresses(node, iface):
    """The IPv4 addresses the kernel has on `iface` of `node` (None when it has no such interface)."""
    res = node.run(["ip", "-j", "-4", "addr", "show", "dev", iface])
    if not res.ok:
        return None
    return sorted(f"{a['local']}/{a['prefixlen']}" for i in json.loads(res.stdout) for a in i["addr_info"])


def ifindex(node, iface):
    res = node.run(["cat", f"/sys/class/net/{iface}/ifindex"])
    return int(res.stdout) if res.ok else None


def edited(base):
    """The edit `lab apply` is tested with: one node added (r4, linked to r3, with a route), one
    link removed (r2 - r3), an address changed (r1 - r2 moves to 10.0.12.4/30) and a netem
    value changed (5 ms -> 20 ms)."""
    t = copy.deepcopy(base)
    t["nodes"]["r4"] = {"loopback": ["10.0.0.4/32"], "routes": [{"to": "10.0.0.3/32", "via": "10.0.34.1"}]}
    t["links"][0]["ipv4"] = ["10.0.12.5/30", "10.0.12.6/30"]
    t["links"][0]["netem"] = {"delay": "20ms"}
    del t["links"][1]
    t["links"].append({"endpoints": ["r3:eth2", "r4:eth1"], "ipv4": ["10.0.34.1/30", "10.0.34.2/30"]})
    return t


EXPECTED = [
    "- address r1:eth1 10.0.12.1/30",
    "- address r2:eth1 10.0.12.2/30",
    "- link r2:eth2 <-> r3:eth1",
    "+ node r4 (router)",
    "+ link r3:eth2 <-> r4:eth1",
    "+ address r1:eth1 10.0.12.5/30",
    "+ address r2:eth1 10.0.12.6/30",
    "~ netem r1:eth1 <-> r2:eth1: delay=5ms -> delay=20ms",
]


def test_python_adds_and_removes_a_node_and_links(lab):
    lab.up(dict(LINE, name="live-py"))
    r4 = lab.add_node("r4", {"loopback": ["10.0.0.4/32"]})
    assert r4.name == "r4" and r4.pid > 0 and "r4" in lab
    link = lab.add_link("r3:eth2", "r4:eth1", ipv4=["10.0.34.1/30", "10.0.34.2/30"])
    assert set(link.endpoints) == {"r3:eth2", "r4:eth1"}
    assert lab["r4"].ping("10.0.34.1")
    # A switch joins too, its port named automatically, and a host behind it.
    lab.add_node("s1", {"kind": "switch"})
    lab.add_node("h1", {"kind": "host"})
    lab.add_link("r4:eth2", "s1", ipv4=["192.168.4.1/24", None])
    lab.add_link("h1:eth0", "s1", ipv4=["192.168.4.10/24", None])
    assert lab["h1"].ping("192.168.4.1")
    d = lab.to_dict()
    assert {n["name"] for n in d["nodes"]} == {"r1", "r2", "r3", "r4", "s1", "h1"}
    # Attaching again (another process's view) shows the same lab.
    assert set(nslab.Lab.attach(lab.name).nodes) == {"r1", "r2", "r3", "r4", "s1", "h1"}

    change = lab.remove_link("r3:eth2")
    assert change.lines == ["- link r3:eth2 <-> r4:eth1"] and change.applied
    assert addresses(lab["r3"], "eth2") is None
    assert not lab["r4"].ping("10.0.34.1", timeout=0.3)
    lab.remove_node("s1")
    assert "s1" not in lab and addresses(lab["r4"], "eth2") is None and addresses(lab["h1"], "eth0") is None
    assert lab["r1"].ping("10.0.12.2")  # what was there before is untouched


def test_cli_node_and_link_add_and_rm(tmp_path):
    with cli_lab(tmp_path, LINE, "live-cli") as name:
        r = lab_cli("node", "add", name, "r4", "--json", '{"loopback": ["10.0.0.4/32"]}')
        assert r.returncode == 0, r.stderr
        assert r.stdout.splitlines()[0] == "+ node r4 (router)"
        r = lab_cli("link", "add", name, "r3:eth2", "r4:eth1", "--json", '{"ipv4": ["10.0.34.1/30", "10.0.34.2/30"]}')
        assert r.returncode == 0, r.stderr
        assert r.stdout.splitlines()[0] == "+ link r3:eth2 <-> r4:eth1" and len(r.stdout.splitlines()) == 2
        assert lab_cli("ping", name, "r4", "10.0.34.1").returncode == 0
        status = json.loads(lab_cli("status", name, "--json").stdout)
        assert "r4" in {n["name"] for n in status["nodes"]}
        # Mistakes are refused by name, exit 2, and change nothing.
        r = lab_cli("node", "add", name, "r4")
        assert r.returncode == 2 and "already has a node r4" in r.stderr
        r = lab_cli("link", "rm", name, "r9:eth1")
        assert r.returncode == 2 and "no link has the end r9:eth1" in r.stderr
        r = lab_cli("link", "rm", name, "r4:eth1")
        assert r.returncode == 0, r.stderr
        assert r.stdout.splitlines()[0] == "- link r3:eth2 <-> r4:eth1"
        r = lab_cli("node", "rm", name, "r4")
        assert r.returncode == 0 and r.stdout.splitlines()[0] == "- node r4", r.stderr
        status = json.loads(lab_cli("status", name, "--json").stdout)
        assert {n["name"] for n in status["nodes"]} == {"r1", "r2", "r3"}


def test_apply_prints_and_applies_exactly_the_difference(lab, tmp_path):
    lab.up(dict(LINE, name="live-apply"))
    before_pids = {n: lab[n].pid for n in ("r1", "r2", "r3")}
    kept_index = ifindex(lab["r1"], "eth1")
    target = tmp_path / "v2.json"
    target.write_text(json.dumps(dict(edited(LINE), name="live-apply")))

    dry = lab.apply(target, dry_run=True)
    assert dry.lines == EXPECTED and not dry.applied
    # A dry run changes nothing.
    assert addresses(lab["r1"], "eth1") == ["10.0.12.1/30"] and addresses(lab["r2"], "eth2") == ["10.0.23.1/30"]
    assert "r4" not in lab and lab.link("r1:eth1").impairment[1] == "delay=5ms"

    change = lab.apply(target)
    assert change.lines == EXPECTED and change.applied
    assert addresses(lab["r1"], "eth1") == ["10.0.12.5/30"] and addresses(lab["r2"], "eth1") == ["10.0.12.6/30"]
    assert addresses(lab["r2"], "eth2") is None and addresses(lab["r3"], "eth1") is None
    assert lab["r4"].ping("10.0.34.1") and lab["r1"].ping("10.0.12.6")
    route = lab["r4"].run(["ip", "-j", "route", "show", "10.0.0.3/32"])
    assert json.loads(route.stdout)[0]["gateway"] == "10.0.34.1"
    assert lab.link("r1:eth1").impairment[1] == "delay=20ms"
    # Nothing else was touched: the same node processes, the kept interface not recreated.
    assert {n: lab[n].pid for n in ("r1", "r2", "r3")} == before_pids
    assert ifindex(lab["r1"], "eth1") == kept_index
    # Applying the same file again finds nothing to do.
    assert lab.apply(target).lines == []


def test_cli_apply_dry_run_and_apply(tmp_path):
    with cli_lab(tmp_path, LINE, "live-capply") as name:
        v2 = tmp_path / "v2.json"
        v2.write_text(json.dumps(dict(edited(LINE), name=name)))
        r = lab_cli("apply", name, str(v2), "--dry-run")
        assert r.returncode == 0, r.stderr
        assert r.stdout.splitlines() == EXPECTED + [f"lab {name}: 8 changes (dry run: nothing applied)"]
        status = json.loads(lab_cli("status", name, "--json").stdout)
        assert "r4" not in {n["name"] for n in status["nodes"]}
        r = lab_cli("apply", name, str(v2), "--json")
        assert r.returncode == 0, r.stderr
        out = json.loads(r.stdout)
        assert out["changes"] == EXPECTED and out["applied"] is True
        assert lab_cli("ping", name, "r4", "10.0.34.1").returncode == 0


def test_a_failing_change_is_undone_and_the_lab_keeps_running(lab):
    lab.up(dict(LINE, name="live-undo"))
    pids = {n: lab[n].pid for n in lab.nodes}
    bad = edited(LINE)
    bad["nodes"]["r4"]["exec"] = ["echo starting; exit 3"]  # fails after its links are made
    with pytest.raises(nslab.NslabError, match="exit"):
        lab.apply(dict(bad, name="live-undo"))
    # Everything as before: no r4, the removed link back, addresses and netem as they were.
    assert set(lab.nodes) == {"r1", "r2", "r3"} and {n: lab[n].pid for n in lab.nodes} == pids
    assert nslab.Lab.attach(lab.name).nodes.keys() == {"r1", "r2", "r3"}
    assert addresses(lab["r1"], "eth1") == ["10.0.12.1/30"] and addresses(lab["r2"], "eth1") == ["10.0.12.2/30"]
    assert addresses(lab["r3"], "eth1") == ["10.0.23.2/30"] and addresses(lab["r3"], "eth2") is None
    assert lab.link("r1:eth1").impairment[1] == "delay=5ms"
    assert lab["r2"].ping("10.0.23.2") and lab["r1"].ping("10.0.12.2")
    # And the same change without the failing command goes through afterwards.
    assert lab.apply(dict(edited(LINE), name="live-undo")).lines == EXPECTED


def test_what_a_running_node_cannot_change_is_refused_with_its_place(lab):
    lab.up(dict(LINE, name="live-refuse"))
    t = copy.deepcopy(LINE)
    t["nodes"]["r1"]["sysctls"] = {"net.ipv4.conf.all.rp_filter": "0"}
    t["nodes"]["r4"] = {}
    with pytest.raises(nslab.TopologyError, match="/nodes/r1/sysctls") as e:
        lab.apply(dict(t, name="live-refuse"))
    assert "remove the node and add it again" in str(e.value)
    assert "r4" not in lab
    # An invalid edit is refused like an invalid file: located, nothing applied.
    with pytest.raises(nslab.TopologyError, match="unknown node"):
        lab.add_link("r1:eth9", "r9:eth1")
