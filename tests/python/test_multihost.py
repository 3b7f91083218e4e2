"""One lab over several machines (issue 19), on three simulated machines (tests/python/fleet.py:
nodes of an outer lab, each with its own network, mount and PID namespaces, a private /run and
an sshd) and a control machine "ctl" that starts the lab with `lab up --hosts`, as a user would
from their workstation. Links between machines are VXLAN over the simulated underlay."""
import json
import time

import pytest

from fleet import clean_fleet, lab_binary
from nslab_testing import BUILD
from routing import OSPFD, VTYSH, ZEBRA, ospf_route, require_binaries

LAB = lab_binary()

# h1 - r1 - r2 - h2 routed, r1 on machine h1, r2 on h2; and a switch with a host on each machine.
ROUTED = {
    "name": "mh",
    "nodes": {
        "a1": {"routes": [{"to": "default", "via": "10.0.1.1"}]},
        "r1": {"kind": "router", "routes": [{"to": "10.0.2.0/24", "via": "10.0.12.2"}]},
        "r2": {"kind": "router", "routes": [{"to": "10.0.1.0/24", "via": "10.0.12.1"}]},
        "a2": {"routes": [{"to": "default", "via": "10.0.2.1"}]},
        "s1": {"kind": "switch"}, "x": {}, "y": {}, "z": {},
    },
    "links": [
        {"endpoints": ["a1:eth0", "r1:eth0"], "ipv4": ["10.0.1.10/24", "10.0.1.1/24"]},
        {"endpoints": ["r1:eth1", "r2:eth1"], "ipv4": ["10.0.12.1/30", "10.0.12.2/30"]},
        {"endpoints": ["r2:eth0", "a2:eth0"], "ipv4": ["10.0.2.1/24", "10.0.2.10/24"]},
        {"endpoints": ["x:eth0", "s1"], "ipv4": ["10.5.0.1/24", None]},
        {"endpoints": ["y:eth0", "s1"], "ipv4": ["10.5.0.2/24", None]},
        {"endpoints": ["z:eth0", "s1"], "ipv4": ["10.5.0.3/24", None]},
    ],
}
PLACED = {"a1": "h1", "r1": "h1", "x": "h1", "r2": "h2", "a2": "h2", "y": "h2", "z": "h3", "s1": "h3"}


@pytest.fixture(scope="module")
def fleet():
    # One set of machines for the module: each test leaves them as it found them (checked),
    # and they leave the real host as they found it.
    with clean_fleet(3) as f:
        yield f


def put(fleet, path, data):
    fleet.ctl.run(["sh", "-c", f"cat > {path}"], input=json.dumps(data), check=True)


def lab(fleet, *args, check=True, timeout=120):
    return fleet.ctl.run([LAB, *args], timeout=timeout, check=check)


def parts_gone(fleet, name, timeout=30.0, machines=("h1", "h2", "h3", "ctl")):
    """Every machine and ctl have nothing left of lab `name`: no state, no pins, no interfaces
    but lo and the underlay's. Returns what is left, or {} once nothing is."""
    left = {}
    deadline = time.monotonic() + timeout
    while True:
        left = {}
        for m in machines:
            out = fleet[m].run(["sh", "-c", "ls /run/nslab 2>/dev/null; ls /run/netns 2>/dev/null; ip -o link | grep -v ': lo:' | grep -v ': eth0@' ; true"]).stdout.split()
            if out:
                left[m] = out
        if not left or time.monotonic() > deadline:
            return left
        time.sleep(0.3)


def test_a_routed_line_and_a_switch_over_three_machines(fleet):
    put(fleet, "/tmp/t.json", ROUTED)
    put(fleet, "/tmp/hosts.json", fleet.hosts_json(PLACED))
    up = lab(fleet, "up", "/tmp/t.json", "--hosts", "/tmp/hosts.json")
    assert "over 3 machines" in up.stdout, up.stdout
    try:
        # Across two machines through both routers: a1 (h1) -> r1 (h1) -VXLAN- r2 (h2) -> a2 (h2).
        r = lab(fleet, "exec", "mh", "a1", "--", "ping", "-c", "2", "-W", "2", "10.0.2.10", check=False)
        assert r.exit_code == 0, r.stdout + r.stderr
        # The link that crosses is a VXLAN made in r1's namespace with the VXLAN's MTU.
        link = json.loads(lab(fleet, "exec", "mh", "r1", "--", "ip", "-d", "-j", "link", "show", "eth1").stdout)[0]
        assert link["linkinfo"]["info_kind"] == "vxlan" and link["mtu"] == 1450, link
        # The switch is a bridge on each machine joined by VXLAN: x (h1) reaches y (h2) and z (h3).
        for target in ("10.5.0.2", "10.5.0.3"):
            r = lab(fleet, "exec", "mh", "x", "--", "ping", "-c", "2", "-W", "2", target, check=False)
            assert r.exit_code == 0, (target, r.stdout + r.stderr)
        # Each machine runs its own part, as its own `lab status` says.
        status = json.loads(lab(fleet, "status", "mh", "--json").stdout)
        parts = {h: sorted(n["name"] for n in s["nodes"]) for h, s in status["hosts"].items()}
        assert parts == {"h1": ["a1", "r1", "s1", "x"], "h2": ["a2", "r2", "s1", "y"], "h3": ["s1", "z"]}, parts
        # Nothing of the lab in any machine's own namespace but the VXLAN sockets' state.
        for h in ("h1", "h2", "h3"):
            links = fleet[h].run(["ip", "-o", "link"]).stdout
            assert "vxlan" not in links and "veth" not in links, (h, links)
    finally:
        down = lab(fleet, "down", "mh", check=False)
    assert down.exit_code == 0, down.stdout + down.stderr
    assert parts_gone(fleet, "mh", timeout=5) == {}


def up_routed(fleet):
    put(fleet, "/tmp/t.json", ROUTED)
    put(fleet, "/tmp/hosts.json", fleet.hosts_json(PLACED))
    lab(fleet, "up", "/tmp/t.json", "--hosts", "/tmp/hosts.json", "-q")


def test_one_machines_part_ending_takes_the_lab_down_everywhere(fleet):
    up_routed(fleet)
    # h2's part is taken down on h2 itself, behind the starter's back.
    r = fleet.ssh("h2", f"{LAB} down mh")
    assert r.exit_code == 0, r.stdout + r.stderr
    # The starter's keeper hears its session end, and takes the others down within a bound.
    assert parts_gone(fleet, "mh", timeout=30) == {}


def test_the_starter_dying_takes_every_part_down(fleet):
    up_routed(fleet)
    keeper = json.loads(lab(fleet, "status", "mh", "--json").stdout)["keeper"]["pid"]
    fleet.ctl.run(["kill", "-9", str(keeper)], check=True)  # ours: the keeper the test's lab up made
    # Each machine's part notices its session end (or no heartbeat within the bound) and goes.
    t0 = time.monotonic()
    assert parts_gone(fleet, "mh", timeout=40, machines=("h1", "h2", "h3")) == {}
    assert time.monotonic() - t0 < 25
    # ctl keeps the dead keeper's state until `lab clean`, as any lab would.
    assert "mh" in fleet.ctl.run(["ls", "/run/nslab"]).stdout.split()
    lab(fleet, "clean")
    assert parts_gone(fleet, "mh", timeout=5) == {}


def test_a_failure_on_one_machine_rolls_back_every_machine(fleet):
    bad = json.loads(json.dumps(ROUTED))
    # Only h3 can fail: its node's exec command does, after the other machines built theirs.
    bad["nodes"]["z"]["exec"] = ["exit 3"]
    put(fleet, "/tmp/t.json", bad)
    put(fleet, "/tmp/hosts.json", fleet.hosts_json(PLACED))
    r = lab(fleet, "up", "/tmp/t.json", "--hosts", "/tmp/hosts.json", check=False)
    assert r.exit_code != 0
    assert "host h3" in r.stderr and "exit 3" in r.stderr, r.stderr
    assert parts_gone(fleet, "mh", timeout=10) == {}


def test_placement_is_checked_before_any_machine_is_asked(fleet):
    put(fleet, "/tmp/t.json", ROUTED)
    put(fleet, "/tmp/hosts.json", fleet.hosts_json(dict(PLACED, z="h9")))
    r = lab(fleet, "up", "/tmp/t.json", "--hosts", "/tmp/hosts.json", check=False)
    assert r.exit_code == 2, r.stdout + r.stderr
    assert '/placement/nodes/z: node "z" is placed on unknown host "h9"' in r.stderr, r.stderr
    assert parts_gone(fleet, "mh", timeout=1) == {}


def ospf(name, rid):
    return {"daemons": ["ospfd"], "config": (
        f"frr defaults traditional\nhostname {name}\n!\n"
        "interface eth1\n ip ospf network point-to-point\n ip ospf hello-interval 1\n ip ospf dead-interval 3\n!\n"
        "interface eth2\n ip ospf network point-to-point\n ip ospf hello-interval 1\n ip ospf dead-interval 3\n!\n"
        f"router ospf\n ospf router-id {rid}\n network 10.0.0.0/8 area 0\n"
        " timers throttle spf 0 50 1000\n timers throttle lsa all 0\n timers lsa min-arrival 0\n!\n")}


def test_ospf_converges_across_vxlan_between_machines(fleet):
    """r1 (h1) - r2 (h2) - r3 (h3): FRR's OSPF over two VXLAN links, each router on its own
    machine; r3 learns r1's loopback through r2 and reaches it."""
    require_binaries((ZEBRA, OSPFD, VTYSH), "frr")
    topo = {"name": "mhospf", "defaults": {"kind": "router"}, "nodes": {
        "r1": {"loopback": ["10.255.0.1/32"], "frr": ospf("r1", "10.255.0.1")},
        "r2": {"loopback": ["10.255.0.2/32"], "frr": ospf("r2", "10.255.0.2")},
        "r3": {"loopback": ["10.255.0.3/32"], "frr": ospf("r3", "10.255.0.3")}},
        "links": [{"endpoints": ["r1:eth1", "r2:eth1"], "ipv4": ["10.0.12.1/30", "10.0.12.2/30"]},
                  {"endpoints": ["r2:eth2", "r3:eth2"], "ipv4": ["10.0.23.1/30", "10.0.23.2/30"]}]}
    put(fleet, "/tmp/ospf.json", topo)
    put(fleet, "/tmp/hosts.json", fleet.hosts_json({"r1": "h1", "r2": "h2", "r3": "h3"}))
    lab(fleet, "up", "/tmp/ospf.json", "--hosts", "/tmp/hosts.json", "-q")
    try:
        def at_r3(cmd):
            r = lab(fleet, "exec", "mhospf", "r3", "--", "vtysh", "-c", cmd, check=False)
            return json.loads(r.stdout) if r.exit_code == 0 and r.stdout.strip() else {}
        deadline = time.monotonic() + 60
        while ospf_route(at_r3, "10.255.0.1/32") != "10.0.23.1" and time.monotonic() < deadline:
            time.sleep(0.5)
        assert ospf_route(at_r3, "10.255.0.1/32") == "10.0.23.1", at_r3("show ip route json")
        r = lab(fleet, "exec", "mhospf", "r3", "--", "ping", "-c", "2", "-W", "2", "-I", "10.255.0.3", "10.255.0.1", check=False)
        assert r.exit_code == 0, r.stdout + r.stderr
    finally:
        lab(fleet, "down", "mhospf")
    assert parts_gone(fleet, "mhospf", timeout=5) == {}


def test_the_python_api_over_several_machines(fleet):
    """Lab.up(topology, hosts=...) from ctl: the same Lab as on one machine, nodes take run()."""
    put(fleet, "/tmp/t.json", ROUTED)
    put(fleet, "/tmp/hosts.json", fleet.hosts_json(PLACED))
    script = (
        "import nslab\n"
        "lab = nslab.Lab('mh')\n"
        "lab.up('/tmp/t.json', hosts='/tmp/hosts.json')\n"
        "try:\n"
        "    print('ping', lab['a1'].run(['ping', '-c', '1', '-W', '2', '10.0.2.10']).exit_code)\n"
        "    print('hostname', lab['z'].run('hostname').stdout.strip())\n"
        "    print('hosts', sorted({n['host'] for n in lab.to_dict()['nodes']}))\n"
        "finally:\n"
        "    lab.down()\n")
    r = fleet.ctl.run(["env", f"PYTHONPATH={BUILD / 'python'}", "/usr/bin/python3", "-c", script], timeout=120)
    assert r.exit_code == 0, r.stdout + r.stderr
    assert "ping 0" in r.stdout and "hostname z" in r.stdout, r.stdout
    assert "hosts ['h1', 'h2', 'h3']" in r.stdout, r.stdout
    assert parts_gone(fleet, "mh", timeout=5) == {}
