"""Live changes with real routing daemons (issue 16): a router running FRR (the `frr` key) and two
links join a running OSPF lab, from Python and from the CLI; OSPF converges through the new
router, also once the direct link is gone; removing the router withdraws its routes and stops
its daemons politely, and nothing is left."""
import json
import os

import nslab
from isolation import cli_lab, lab_cli
from routing import (OSPFD, VTYSH, ZEBRA, assert_no_daemon_left, daemon_processes, ospf_route, require_binaries,
                     wait_for)

def ospf(name, rid, ifaces):
    conf = f"frr defaults traditional\nhostname {name}\n!\n"
    for i in ifaces:
        conf += f"interface {i}\n ip ospf network point-to-point\n ip ospf hello-interval 1\n ip ospf dead-interval 3\n!\n"
    conf += (f"interface lo\n ip ospf passive\n!\nrouter ospf\n ospf router-id {rid}\n network 10.0.0.0/8 area 0\n"
             " timers throttle spf 0 50 1000\n timers throttle lsa all 0\n timers lsa min-arrival 0\n!\n")
    return {"daemons": ["ospfd"], "config": conf}


def base(name):
    return {
        "name": name,
        "defaults": {"kind": "router"},
        "nodes": {"r1": {"loopback": ["10.0.0.1/32"], "frr": ospf("r1", "10.0.0.1", ["eth1", "eth2"])},
                  "r2": {"loopback": ["10.0.0.2/32"], "frr": ospf("r2", "10.0.0.2", ["eth1", "eth2"])}},
        "links": [{"endpoints": ["r1:eth1", "r2:eth1"], "ipv4": ["10.0.12.1/30", "10.0.12.2/30"]}],
    }


R3 = {"loopback": ["10.0.0.3/32"], "frr": ospf("r3", "10.0.0.3", ["eth1", "eth2"])}
R1_R3 = {"ipv4": ["10.0.13.1/30", "10.0.13.2/30"]}
R2_R3 = {"ipv4": ["10.0.23.1/30", "10.0.23.2/30"]}


def test_a_router_joins_and_leaves_a_running_ospf_lab_from_python(lab):
    require_binaries((ZEBRA, OSPFD, VTYSH), "frr")
    before = daemon_processes()
    lab.up(base("live-ospf"))
    r1 = lab["r1"]
    via = lambda prefix: ospf_route(lambda c: r1.vtysh(c, json=True), prefix)  # noqa: E731
    wait_for(lab, lambda: via("10.0.0.2/32"), "10.0.12.2", "r1 -> r2 over the direct link")

    r3 = lab.add_node("r3", R3)
    assert "ospfd" in r3.daemons and "FRRouting" in r3.vtysh("show version")  # answering when add_node returns
    lab.add_link("r1:eth2", "r3:eth1", **R1_R3)
    lab.add_link("r2:eth2", "r3:eth2", **R2_R3)
    wait_for(lab, lambda: via("10.0.0.3/32"), "10.0.13.2", "r1 -> r3 through the new link")
    # Without the direct link, r1 reaches r2 through the new router.
    lab.remove_link("r1:eth1")
    wait_for(lab, lambda: via("10.0.0.2/32"), "10.0.13.2", "r1 -> r2 through r3")
    assert r1.ping("10.0.0.2")

    r3_pidns = {os.readlink(f"/proc/{r3.pid}/ns/pid")}
    change = lab.remove_node("r3")
    assert change.lines[-1] == "- node r3"
    wait_for(lab, lambda: via("10.0.0.3/32"), None, "r3's loopback withdrawn at r1")
    wait_for(lab, lambda: via("10.0.0.2/32"), None, "r2 unreachable once r3 is gone")
    # r3's daemons are gone with it; r1's and r2's still run.
    assert_no_daemon_left(before, r3_pidns)
    assert lab["r2"].vtysh("show version")
    lab.down()
    assert_no_daemon_left(before, set())


def test_a_router_joins_a_running_ospf_lab_from_the_cli(tmp_path):
    require_binaries((ZEBRA, OSPFD, VTYSH), "frr")
    with cli_lab(tmp_path, base("x"), "live-ospf-cli") as name:
        ospf_through_cli(name)


def ospf_through_cli(name):
    def r1_json(command):
        r = lab_cli("exec", name, "r1", "--", VTYSH, "-c", command)
        assert r.returncode == 0, r.stderr
        return json.loads(r.stdout or "{}")

    lab = nslab.Lab.attach(name)
    r = lab_cli("node", "add", name, "r3", "--json", json.dumps(R3))
    assert r.returncode == 0, r.stderr
    for a, b, spec in (("r1:eth2", "r3:eth1", R1_R3), ("r2:eth2", "r3:eth2", R2_R3)):
        r = lab_cli("link", "add", name, a, b, "--json", json.dumps(spec))
        assert r.returncode == 0, r.stderr
    wait_for(lab, lambda: ospf_route(r1_json, "10.0.0.3/32"), "10.0.13.2", "r1 -> r3 (CLI)")
    r = lab_cli("node", "rm", name, "r3")
    assert r.returncode == 0, r.stderr
    wait_for(lab, lambda: ospf_route(r1_json, "10.0.0.3/32"), None, "r3's loopback withdrawn (CLI)")
