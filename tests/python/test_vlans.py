"""VLAN-aware switches and policy routing (issue 17): `vlan_filtering` with `pvid`/`vlans` on
switch ports, `rules`, and `routes[].table` (a number or a vrf's name). Each test asserts
traffic. VLAN-aware switches need a bridge built with CONFIG_BRIDGE_VLAN_FILTERING, the router
on a trunk the vlan kind too, the vrf tables the vrf kind: the stock-kernel VM has them all;
elsewhere `lab up` must refuse before it builds anything, and those tests skip (see
kinds.up_or_refused). Rules and numbered tables work on every kernel."""
import json
import subprocess

from kinds import iface, up_or_refused
from nslab_testing import LAB


def access(switch, pvid):
    return {"node": switch, "pvid": pvid}


def trunk_lab(netem=None):
    """Two VLAN-aware switches joined by a trunk of VLANs 10 and 20. h1 and h2 are access ports
    in VLAN 10, h3 and h4 in VLAN 20; all four share one subnet, so only the VLANs keep them
    apart."""
    trunk = {"endpoints": [{"node": "s1", "iface": "trunk", "vlans": [10, 20]}, {"node": "s2", "iface": "trunk", "vlans": [10, 20]}]}
    if netem:
        trunk["netem"] = netem
    return {"name": "vlans", "nodes": {
        "s1": {"kind": "switch", "vlan_filtering": True}, "s2": {"kind": "switch", "vlan_filtering": True},
        "h1": {}, "h2": {}, "h3": {}, "h4": {}},
        "links": [trunk,
                  {"endpoints": ["h1:eth0", access("s1", 10)], "ipv4": ["10.0.0.1/24", None]},
                  {"endpoints": ["h2:eth0", access("s2", 10)], "ipv4": ["10.0.0.2/24", None]},
                  {"endpoints": ["h3:eth0", access("s1", 20)], "ipv4": ["10.0.0.3/24", None]},
                  {"endpoints": ["h4:eth0", access("s2", 20)], "ipv4": ["10.0.0.4/24", None]}]}


def assert_vlans_apart(lab):
    """Each VLAN's hosts reach each other across the trunk, both ways, and no host of the
    other VLAN, on either switch."""
    assert lab["h1"].ping("10.0.0.2") and lab["h2"].ping("10.0.0.1"), "VLAN 10 across the trunk"
    assert lab["h3"].ping("10.0.0.4") and lab["h4"].ping("10.0.0.3"), "VLAN 20 across the trunk"
    for src, dst in (("h1", "10.0.0.3"), ("h1", "10.0.0.4"), ("h2", "10.0.0.3"), ("h2", "10.0.0.4"),
                     ("h3", "10.0.0.1"), ("h4", "10.0.0.2")):
        assert not lab[src].ping(dst, timeout=0.3), f"{src} reached {dst} in the other VLAN"


def test_trunk_between_two_vlan_aware_switches(lab):
    up_or_refused(lab, trunk_lab(), ["vlan_filtering"])
    assert_vlans_apart(lab)
    # Ports show their VLANs; a port with its own leaves the default VLAN 1.
    trunk = iface(lab, "s1", "trunk")
    assert trunk["pvid"] is None and trunk["vlans"] == [10, 20], trunk
    p = iface(lab, "s1", "p2")
    assert p["pvid"] == 10 and p["vlans"] == [], p
    vlans = lab["s1"].run(["cat", "/sys/class/net/s1/bridge/vlan_filtering"]).stdout.strip()
    assert vlans == "1"
    status = subprocess.run([LAB, "status", lab.name], capture_output=True, text=True, check=True).stdout
    assert "trunk (s1) [tagged 10,20]" in status and "p2 (s1) [vlan 10]" in status, status


def test_trunk_through_an_impaired_link_keeps_its_tags(lab):
    """The trunk has netem: through the kernel's sch_netem or the userspace forwarder, which
    must put back the tags the veth hands over beside the frame."""
    up_or_refused(lab, trunk_lab({"delay": "5ms"}), ["vlan_filtering"])
    assert_vlans_apart(lab)
    paths = {l["impairment"]["path"] for l in lab.to_dict()["links"]}
    assert paths & {"netem", "userspace"}, paths


def validate_errors(tmp_path, topology):
    """What `lab validate` says of a topology it must refuse."""
    f = tmp_path / "t.json"
    f.write_text(json.dumps(topology))
    r = subprocess.run([LAB, "validate", str(f)], capture_output=True, text=True)
    assert r.returncode == 2, (r.returncode, r.stdout, r.stderr)
    return r.stdout + r.stderr


def test_vlan_ids_and_ports_are_checked_at_their_pointer(tmp_path):
    t = trunk_lab()
    t["nodes"]["s2"]["vlan_filtering"] = False
    t["links"][0]["endpoints"][0]["vlans"] = [10, 4095, 10]
    t["links"][1]["endpoints"][0] = {"node": "h1", "iface": "eth0", "pvid": 10}
    text = validate_errors(tmp_path, t)
    assert "/links/0/endpoints/0/vlans/1: VLAN id 4095 is reserved; use 1 to 4094" in text
    assert "/links/0/endpoints/0/vlans/2: VLAN 10 is listed twice" in text
    assert '/links/0/endpoints/1/vlans: "pvid" and "vlans" need a VLAN-aware switch: give switch "s2"' in text
    assert '/links/1/endpoints/0/pvid: "pvid" and "vlans" are for ports of a switch' in text


# h1 (10.1.1.0/24) and h2 (10.1.2.0/24) behind r, which has two ways to d's 10.9.0.0/24: via a
# (the main table's route, a dead end: a has no route there) and via b (table 100's route). A
# rule sends what comes from h2's subnet to table 100; h3's to table 70000, above the 8 bits
# of rtm_table, with the same route.
POLICY = {
    "name": "policy",
    "nodes": {
        "r": {"kind": "router",
              "routes": [{"to": "10.9.0.0/24", "via": "10.2.1.2"},
                         {"to": "10.9.0.0/24", "via": "10.2.2.2", "table": 100},
                         {"to": "10.9.0.0/24", "via": "10.2.2.2", "table": 70000}],
              "rules": [{"from": "10.1.2.0/24", "table": 100, "priority": 1000},
                        {"from": "10.1.3.0/24", "iif": "eth5", "table": 70000}]},
        "a": {"kind": "router"},
        "b": {"kind": "router", "routes": [{"to": "10.1.0.0/16", "via": "10.2.2.1"}]},
        "d": {"routes": [{"to": "default", "via": "10.9.0.1"}]},
        "h1": {"routes": [{"to": "default", "via": "10.1.1.1"}]},
        "h2": {"routes": [{"to": "default", "via": "10.1.2.1"}]},
        "h3": {"routes": [{"to": "default", "via": "10.1.3.1"}]},
    },
    "links": [
        {"endpoints": ["r:eth0", "h1:eth0"], "ipv4": ["10.1.1.1/24", "10.1.1.2/24"]},
        {"endpoints": ["r:eth3", "h2:eth0"], "ipv4": ["10.1.2.1/24", "10.1.2.2/24"]},
        {"endpoints": ["r:eth5", "h3:eth0"], "ipv4": ["10.1.3.1/24", "10.1.3.2/24"]},
        {"endpoints": ["r:eth1", "a:eth0"], "ipv4": ["10.2.1.1/30", "10.2.1.2/30"]},
        {"endpoints": ["r:eth2", "b:eth0"], "ipv4": ["10.2.2.1/30", "10.2.2.2/30"]},
        {"endpoints": ["b:eth1", "d:eth0"], "ipv4": ["10.9.0.1/24", "10.9.0.2/24"]},
    ],
}


def rx_packets(node, ifname):
    return int(node.run(["cat", f"/sys/class/net/{ifname}/statistics/rx_packets"]).stdout)


def test_a_rule_sends_one_source_through_another_table(lab):
    lab.up(POLICY)
    via_a = rx_packets(lab["a"], "eth0")
    # Only the rule's table knows the way through b.
    assert lab["h2"].ping("10.9.0.2"), "h2 -> d through table 100"
    assert lab["h3"].ping("10.9.0.2"), "h3 -> d through table 70000"
    assert not lab["h1"].ping("10.9.0.2", timeout=0.3), "h1 took table 100's way without a rule"
    # And h1's pings went the main table's way, to a.
    assert rx_packets(lab["a"], "eth0") > via_a
    rules = lab["r"].run(["ip", "rule"]).stdout
    assert "1000:\tfrom 10.1.2.0/24 lookup 100" in rules, rules
    assert "from 10.1.3.0/24 iif eth5 lookup 70000" in rules, rules
    assert "10.9.0.0/24 via 10.2.2.2" in lab["r"].run(["ip", "route", "show", "table", "70000"]).stdout


def test_rules_and_tables_are_checked_at_their_pointer(tmp_path):
    t = {"name": "badrules", "nodes": {"r": {
        "routes": [{"to": "10.9.0.0/24", "dev": "eth0", "table": "red"}],
        "rules": [{"from": "10.1.0.0/24", "to": "fd00::/64", "table": 5}, {"iif": "eth7", "table": 5}, {"from": "10.1.0.0/16"},
                  {"form": "10.0.0.0/8", "table": 5}]}, "h": {}},
        "links": [{"endpoints": ["r:eth0", "h:eth0"]}]}
    text = validate_errors(tmp_path, t)
    assert '/nodes/r/routes/0/table: table "red" names no vrf interface of node "r"' in text
    assert "/nodes/r/rules/0/to: to fd00::/64 is IPv6" in text
    assert '/nodes/r/rules/1/iif: node "r" has no interface "eth7"' in text
    assert '/nodes/r/rules/2: a rule needs "table"' in text
    assert '/nodes/r/rules/3/form: unknown key "form"; did you mean "from"?' in text


# The stock-kernel VM: a router on a trunk, with one vlan interface per VLAN. h10a and h10b are
# in VLAN 10 (10.10.0.0/24), h20 in VLAN 20 (10.20.0.0/24), and x in VLAN 20 with an address of
# VLAN 10's subnet: bridged within VLAN 10, routed between VLANs, and nothing leaks.
ROUTER_ON_A_TRUNK = {
    "name": "trunkrouter",
    "nodes": {
        "s1": {"kind": "switch", "vlan_filtering": True},
        "r": {"kind": "router", "interfaces": {
            "eth0.10": {"kind": "vlan", "link": "eth0", "id": 10, "ipv4": ["10.10.0.1/24"]},
            "eth0.20": {"kind": "vlan", "link": "eth0", "id": 20, "ipv4": ["10.20.0.1/24"]}}},
        "h10a": {"routes": [{"to": "default", "via": "10.10.0.1"}]},
        "h10b": {"routes": [{"to": "default", "via": "10.10.0.1"}]},
        "h20": {"routes": [{"to": "default", "via": "10.20.0.1"}]},
        "x": {},
    },
    "links": [
        {"endpoints": ["r:eth0", {"node": "s1", "vlans": [10, 20]}]},
        {"endpoints": ["h10a:eth0", access("s1", 10)], "ipv4": ["10.10.0.2/24", None]},
        {"endpoints": ["h10b:eth0", access("s1", 10)], "ipv4": ["10.10.0.3/24", None]},
        {"endpoints": ["h20:eth0", access("s1", 20)], "ipv4": ["10.20.0.2/24", None]},
        {"endpoints": ["x:eth0", access("s1", 20)], "ipv4": ["10.10.0.9/24", None]},
    ],
}


def test_router_on_a_trunk_routes_between_vlans(lab):
    up_or_refused(lab, ROUTER_ON_A_TRUNK, ["vlan_filtering", "vlan"])
    assert lab["h10a"].ping("10.10.0.3") and lab["h10b"].ping("10.10.0.2"), "within VLAN 10"
    assert lab["h10a"].ping("10.20.0.2") and lab["h20"].ping("10.10.0.3"), "between the VLANs through r"
    assert not lab["h10a"].ping("10.10.0.9", timeout=0.3), "VLAN 20's x answered in VLAN 10"
    assert not lab["x"].ping("10.10.0.1", timeout=0.3), "x reached r's VLAN 10 from VLAN 20"


# The stock-kernel VM: r's eth1 (h1) and eth2 (towards g and d) are in vrf red. A route in red's
# table, named by the vrf, leads to d's network; h3 comes in on eth3, outside the vrf, and a rule
# looks its traffic up in red's table (a route there leads back to it).
VRF_TABLES = {
    "name": "vrftables",
    "nodes": {
        "r": {"kind": "router",
              "interfaces": {"red": {"kind": "vrf", "table": 10}},
              "routes": [{"to": "10.9.0.0/24", "via": "10.2.0.2", "table": "red"},
                         {"to": "10.3.0.0/24", "dev": "eth3", "table": "red"}],
              "rules": [{"iif": "eth3", "table": "red", "priority": 900}]},
        "g": {"kind": "router", "routes": [{"to": "10.1.0.0/24", "via": "10.2.0.1"}, {"to": "10.3.0.0/24", "via": "10.2.0.1"}]},
        "d": {"routes": [{"to": "default", "via": "10.9.0.1"}]},
        "h1": {"routes": [{"to": "default", "via": "10.1.0.1"}]},
        "h3": {"routes": [{"to": "default", "via": "10.3.0.1"}]},
    },
    "links": [
        {"endpoints": [{"node": "r", "iface": "eth1", "vrf": "red"}, "h1:eth0"], "ipv4": ["10.1.0.1/24", "10.1.0.2/24"]},
        {"endpoints": [{"node": "r", "iface": "eth2", "vrf": "red"}, "g:eth0"], "ipv4": ["10.2.0.1/30", "10.2.0.2/30"]},
        {"endpoints": ["r:eth3", "h3:eth0"], "ipv4": ["10.3.0.1/24", "10.3.0.2/24"]},
        {"endpoints": ["g:eth1", "d:eth0"], "ipv4": ["10.9.0.1/24", "10.9.0.2/24"]},
    ],
}


def test_a_route_and_a_rule_in_a_vrf_table(lab):
    up_or_refused(lab, VRF_TABLES, ["vrf"])
    assert lab["h1"].ping("10.9.0.2"), "h1 -> d through the route in red's table"
    assert lab["h3"].ping("10.9.0.2"), "h3 -> d through the rule into red's table"
    # The way to d is in red's table only.
    assert lab["r"].run(["ip", "route", "show", "10.9.0.0/24"]).stdout.strip() == ""
    assert "10.9.0.0/24 via 10.2.0.2" in lab["r"].run(["ip", "route", "show", "table", "10"]).stdout
    assert "iif eth3 lookup 10" in lab["r"].run(["ip", "rule"]).stdout
