"""topologies/schema.json stays in step with the parser: every example validates against the
schema AND `lab validate`; a sample of tests/unit/test_topology_errors.cpp (the rows a schema
can express: unknown keys, wrong types, bad names, enums and patterns) is rejected by both;
and a few unusual but valid inputs are accepted by both, so the schema is never stricter than
the parser where editors would flag a good file."""
import json
import re
import subprocess

import jsonschema
import pytest

from nslab_testing import LAB, ROOT

SCHEMA = json.loads((ROOT / "topologies" / "schema.json").read_text())
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)
EXAMPLES = sorted(p for p in (ROOT / "topologies").glob("*.json") if p.name != "schema.json")


def strip_comments(text):
    """Topologies allow // and /* */ comments (TOPOLOGY.md); json.loads does not. Strings are
    copied untouched, so a "//" inside one survives."""
    return re.sub(r'("(?:\\.|[^"\\])*")|//[^\n]*|/\*.*?\*/', lambda m: m.group(1) or "", text, flags=re.S)


def schema_errors(text):
    return [f"/{'/'.join(map(str, e.absolute_path))}: {e.message}"
            for e in VALIDATOR.iter_errors(json.loads(strip_comments(text)))]


def lab_validate(tmp_path, text):
    f = tmp_path / "t.json"
    f.write_text(text)
    r = subprocess.run([str(LAB), "validate", str(f)], capture_output=True, text=True)
    return r.returncode, r.stdout + r.stderr


def test_schema_is_valid_draft_2020_12():
    assert SCHEMA["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(SCHEMA)


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_example_valid_both_ways(path):
    assert schema_errors(path.read_text()) == []
    r = subprocess.run([str(LAB), "validate", str(path)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr


def test_examples_exist():
    assert len(EXAMPLES) >= 5


# The same frames as the C++ table's LAB/H1/R1/... macros.
def lab(nodes, links=""):
    return '{"name": "t", "nodes": {' + nodes + '}, "links": [' + links + "]}"


H1, R1 = '"h1": {}', '"r1": {"kind": "router"}'
H1_R1 = '{"endpoints": ["h1:eth0", "r1:eth0"], "ipv4": ["10.0.0.2/24", "10.0.0.1/24"]}'


def routes(lst):
    return lab('"h1": {"routes": [' + lst + "]}," + R1, H1_R1)


def netem(obj):
    return lab(H1 + "," + R1, '{"endpoints": ["h1:eth0", "r1:eth0"], "netem": ' + obj + "}")


def link(extra):
    return lab(H1 + "," + R1, '{"endpoints": ["h1:eth0", "r1:eth0"]' + extra + "}")


def ends(a, b='"r1:eth0"'):
    return lab(H1 + "," + R1, '{"endpoints": [' + a + ", " + b + "]}")


# label (a row of test_topology_errors.cpp) -> its input.
BAD = {
    "unknown_top_key": '{"name": "t", "nodes": {}, "lnks": []}',
    "unknown_key_lists_known": '{"name": "t", "nodes": {}, "zzzzzzzz": 1}',
    "version_unsupported": '{"version": 2, "name": "t", "nodes": {}}',
    "version_type": '{"version": "1", "name": "t", "nodes": {}}',
    "name_missing": '{"nodes": {}}',
    "name_type": '{"name": 7, "nodes": {}}',
    "name_bad": '{"name": "Lab_1", "nodes": {}}',
    "name_too_long": '{"name": "a23456789012345678901234567890123", "nodes": {}}',
    "nodes_missing": '{"name": "t"}',
    "links_type": '{"name": "t", "nodes": {}, "links": {}}',
    "node_name_upper": lab('"R1": {}'),
    "node_name_too_long": lab('"abcdefghijklmnop": {}'),
    "node_name_escaped": lab('"a/b": {}'),
    "node_type": lab('"h1": []'),
    "node_unknown_key": lab('"h1": {"kidn": "host"}'),
    "kind_bad": lab('"r1": {"kind": "rooter"}'),
    "namespace_unknown": lab('"h1": {"namespaces": ["pdi"]}'),
    "namespace_net": lab('"h1": {"namespaces": ["uts", "net"]}'),
    "namespace_twice": lab('"h1": {"namespaces": ["uts", "uts"]}'),
    "hostname_bad": lab('"h1": {"hostname": "a b"}'),
    "loopback_bad_cidr": lab('"h1": {"loopback": ["10.0.0.300/32"]}'),
    "loopback_no_length": lab('"h1": {"loopback": ["10.0.0.1"]}'),
    "sysctl_global": lab('"h1": {"sysctls": {"vm.swappiness": "10"}}'),
    "sysctl_slashes": lab('"h1": {"sysctls": {"net/ipv4/ip_forward": "1"}}'),
    "sysctl_value_type": lab('"h1": {"sysctls": {"net.ipv4.ip_forward": true}}'),
    "env_value_type": lab('"h1": {"env": {"A": 1}}'),
    "env_bad_name": lab('"h1": {"env": {"A=B": "1"}}'),
    "exec_type": lab('"h1": {"exec": "true"}'),
    "exec_element": lab('"h1": {"exec": ["true", 3]}'),
    "private_dir_relative": lab('"h1": {"private_dirs": ["etc/frr"]}'),
    "private_dir_dotdot": lab('"h1": {"private_dirs": ["/etc/../root"]}'),
    "private_dir_root": lab('"h1": {"private_dirs": ["//"]}'),
    "file_relative": lab('"h1": {"private_dirs": ["/etc/frr"], "files": {"frr.conf": "x"}}'),
    "file_dotdot": lab('"h1": {"private_dirs": ["/etc/frr"], "files": {"/etc/frr/../shadow": "x"}}'),
    "file_content_type": lab('"h1": {"private_dirs": ["/d"], "files": {"/d/f": 1}}'),
    "rootfs_relative": lab('"h1": {"rootfs": "srv/root"}'),
    "limits_unknown": lab('"h1": {"limits": {"memroy": "1G"}}'),
    "limits_cpus": lab('"h1": {"limits": {"cpus": 0}}'),
    "limits_memory": lab('"h1": {"limits": {"memory": "lots"}}'),
    "limits_pids": lab('"h1": {"limits": {"pids": 0}}'),
    "defaults_unknown_key": '{"name": "t", "defaults": {"privat_dirs": []}, "nodes": {}}',
    "defaults_bad_value": '{"name": "t", "defaults": {"private_dirs": ["tmp"]}, "nodes": {"h1": {}}}',
    "defaults_switch": '{"name": "t", "defaults": {"kind": "switch"}, "nodes": {"h1": {}}}',
    "defaults_object_type": '{"name": "t", "defaults": {"sysctls": []}, "nodes": {"h1": {}}}',
    "interface_kind_unknown": lab('"r1": {"interfaces": {"d0": {"kind": "dumy"}}}'),
    "interface_unknown_key": lab('"r1": {"interfaces": {"d0": {"kind": "dummy", "id": 3}}}'),
    "interface_vlan_id_zero": lab('"r1": {"interfaces": {"v": {"kind": "vlan", "link": "eth0", "id": 0}}},' + H1, H1_R1),
    "interface_vlan_id_4095": lab('"r1": {"interfaces": {"v": {"kind": "vlan", "link": "eth0", "id": 4095}}}, "h1": {}', H1_R1),
    "interface_name_bad": lab('"r1": {"interfaces": {"a/b": {"kind": "dummy"}}}'),
    "port_pvid_zero": lab('"s1": {"kind": "switch"},' + H1, '{"endpoints": ["h1:eth0", {"node": "s1", "pvid": 0}]}'),
    "port_vlans_4095": lab('"s1": {"kind": "switch"},' + H1, '{"endpoints": ["h1:eth0", {"node": "s1", "vlans": [10, 4095]}]}'),
    "port_vlans_type": lab('"s1": {"kind": "switch"},' + H1, '{"endpoints": ["h1:eth0", {"node": "s1", "vlans": 10}]}'),
    "vlan_filtering_type": lab('"s1": {"kind": "switch", "vlan_filtering": 1}'),
    "rule_unknown_key": lab('"h1": {"rules": [{"table": 5, "fwmrak": 1}]}'),
    "rule_needs_table": lab('"h1": {"rules": [{"from": "10.0.0.0/8"}]}'),
    "rule_priority_zero": lab('"h1": {"rules": [{"table": 5, "priority": 0}]}'),
    "rules_type": lab('"h1": {"rules": {"table": 5}}'),
    "route_table_zero": routes('{"to": "default", "via": "10.0.0.1", "table": 0}'),
    "bond_mode_unknown": lab('"r1": {"interfaces": {"b": {"kind": "bond", "members": ["eth0"], "mode": "vepa"}}},' + H1, H1_R1),
    "bond_without_members": lab('"r1": {"interfaces": {"b": {"kind": "bond"}}}'),
    "tunnel_family": lab('"r1": {"interfaces": {"g": {"kind": "ip6gre", "remote": "10.0.0.2"}}}'),
    "tunnel_key_on_ipip": lab('"r1": {"interfaces": {"g": {"kind": "ipip", "remote": "10.0.0.2", "key": 1}}}'),
    "wireguard_key_bad": lab('"r1": {"interfaces": {"w": {"kind": "wireguard", "private_key": "c2hvcnQ="}}}'),
    "route_unknown_key": routes('{"to": "default", "vai": "10.0.0.1"}'),
    "routes_type": lab('"h1": {"routes": {}}'),
    "route_needs_via_or_dev": routes('{"to": "default"}'),
    "route_to_missing": routes('{"via": "10.0.0.1"}'),
    "route_to_bad": routes('{"to": "everywhere", "via": "10.0.0.1"}'),
    "route_via_prefix": routes('{"to": "default", "via": "10.0.0.1/24"}'),
    "route_via_bad": routes('{"to": "default", "via": "10.0.0.x"}'),
    "route_dev_bad_name": routes('{"to": "default", "dev": "a/b"}'),
    "route_metric": routes('{"to": "default", "via": "10.0.0.1", "metric": -1}'),
    "link_type": lab(H1, "3"),
    "link_unknown_key": link(', "mut": 1500'),
    "endpoints_missing": lab(H1, '{"mtu": 1500}'),
    "endpoints_three": lab(H1 + "," + R1, '{"endpoints": ["h1:eth0", "r1:eth0", "r1:eth1"]}'),
    "endpoint_type": ends("5"),
    "endpoint_empty": ends('""'),
    "endpoint_object_unknown_key": ends('{"node": "h1", "ifce": "eth0"}'),
    "endpoint_object_no_node": ends('{"iface": "eth0"}'),
    "iface_lo": ends('"h1:lo"'),
    "iface_too_long": ends('"h1:abcdefghijklmnop"'),
    "iface_space": ends('{"node": "h1", "iface": "eth 0"}'),
    "iface_empty": ends('"h1:"'),
    "iface_reserved": ends('"h1:all"'),
    "ipv4_count": link(', "ipv4": ["10.0.0.1/24"]'),
    "ipv4_wrong_family": link(', "ipv4": ["fd00::1/64", null]'),
    "ipv6_wrong_family": link(', "ipv6": [null, "10.0.0.1/24"]'),
    "ipv4_list_element": link(', "ipv4": [null, ["10.0.0.1/24", "x"]]'),
    "ipv4_entry_type": link(', "ipv4": [5, null]'),
    "mtu_range": link(', "mtu": 9'),
    "mtu_float": link(', "mtu": 1500.5'),
    "up_type": link(', "up": "no"'),
    "mac_bad": ends('{"node": "h1", "iface": "eth0", "mac": "zz"}'),
    "netem_type": link(', "netem": []'),
    "netem_unknown_key": netem('{"dealy": "10ms"}'),
    "netem_duration": netem('{"delay": "10 ms"}'),
    "netem_duration_number": netem('{"delay": 10}'),
    "netem_duration_unit": netem('{"delay": "10m"}'),
    "netem_percent_range": netem('{"loss": "150%"}'),
    "netem_percent_number_range": netem('{"corrupt": -1}'),
    "netem_percent_bad": netem('{"duplicate": "lots"}'),
    "netem_jitter_without_delay": netem('{"jitter": "2ms"}'),
    "netem_reorder_without_delay": netem('{"reorder": "25%"}'),
    "netem_rate": netem('{"rate": "fast"}'),
    "netem_limit": netem('{"limit": 0}'),
    "addressing_type": '{"name": "t", "nodes": {}, "addressing": "10.0.0.0/8"}',
    "addressing_unknown_key": '{"name": "t", "nodes": {}, "addressing": {"ip4": "10.0.0.0/8"}}',
    "addressing_family": '{"name": "t", "nodes": {}, "addressing": {"ipv4": "fd00::/48"}}',
}


def test_bad_sample_comes_from_the_table():
    """A row renamed or dropped in the C++ table must be renamed or dropped here too."""
    table = (ROOT / "tests" / "unit" / "test_topology_errors.cpp").read_text()
    labels = set(re.findall(r'^\s*\{"(\w+)",', table, flags=re.M))
    assert set(BAD) <= labels, sorted(set(BAD) - labels)


@pytest.mark.parametrize("label", sorted(BAD))
def test_bad_rejected_both_ways(tmp_path, label):
    text = BAD[label]
    assert schema_errors(text), f"schema accepts {label}: {text}"
    rc, out = lab_validate(tmp_path, text)
    assert rc == 2, f"lab validate accepts {label} (rc {rc}): {out}"


# Valid, and written the less common ways TOPOLOGY.md allows: both must accept them.
GOOD = {
    "schema_key": '{"$schema": "../topologies/schema.json", "version": 1, "name": "t", "nodes": {"h1": {}}}',
    "everything": """{
      "name": "all-keys-0",
      "addressing": {"ipv4": "10.200.0.0/16", "ipv6": "fd00:200::/48"},
      // comments are allowed
      "defaults": {"kind": "router", "env": {"A": "1"}, "sysctls": {"net.ipv4.ip_forward": 1}},
      "nodes": {
        "r1": {"hostname": "r-1.example", "loopback": ["10.0.0.1/32", "fd00::1/128"],
               "namespaces": ["uts", "mnt", "pid", "ipc", "cgroup", "time"],
               "private_dirs": ["/etc/frr"], "files": {"/etc/frr/a.conf": "x"}, "exec": ["true"],
               "limits": {"cpus": 0.5, "memory": "128M", "pids": 100},
               "routes": [{"to": "default", "via": "10.1.0.2", "metric": 10},
                          {"to": "fd00:9::/64", "dev": "eth1"}]},
        "h2": {"kind": "host", "limits": {"memory": 1048576}, "sysctls": {"kernel.shmmax": "1"}},
        "s1": {"kind": "switch"}
      },
      "links": [
        {"endpoints": ["r1:eth1", {"node": "h2", "iface": "e-0", "mac": "02:00:00:00:00:01",
                                   "ipv6": ["fd00:1::2/64"]}],
         "ipv4": ["10.1.0.1/30", ["10.1.0.2/30"]], "ipv6": ["fd00:1::1/64", null], "mtu": 9000, "up": true,
         "netem": {"delay": "1.5s", "jitter": "200us", "loss": 1, "duplicate": "0.5%", "corrupt": "100%",
                   "reorder": 25, "rate": "512kbit", "limit": 1000}},
        {"endpoints": ["r1:eth2", "s1"]},
        {"endpoints": ["h2:eth1", "s1:up"], "netem": {"rate": 1000000}}
      ]
    }""",
    "interfaces": """{"name": "t", "nodes": {
      "r1": {"kind": "router", "interfaces": {
        "red": {"kind": "vrf", "table": 10},
        "lo1": {"kind": "dummy", "ipv4": ["10.255.0.1/32"], "ipv6": ["fd00:ff::1/128"], "vrf": "red", "mtu": 1400,
                "mac": "02:00:00:00:00:09", "up": true},
        "eth1.10": {"kind": "vlan", "link": "eth1", "id": 10, "protocol": "802.1ad"},
        "mv0": {"kind": "macvlan", "link": "eth1", "mode": "vepa", "up": false},
        "vx0": {"kind": "vxlan", "vni": 0, "group": "239.1.1.1", "local": "10.0.0.1", "dev": "eth1", "port": 8472,
                "learning": false},
        "tap0": {"kind": "tap"}}},
      "r2": {}},
      "links": [{"endpoints": [{"node": "r1", "iface": "eth1", "vrf": "red"}, "r2:eth1"],
                 "ipv4": ["10.0.0.1/24", "10.0.0.2/24"]}]}""",
    "vlans_and_rules": """{"name": "t", "nodes": {
      "s1": {"kind": "switch", "vlan_filtering": true}, "s2": {"kind": "switch", "vlan_filtering": false},
      "r1": {"kind": "router", "interfaces": {"red": {"kind": "vrf", "table": 10}},
             "routes": [{"to": "10.9.0.0/24", "via": "10.0.0.2", "table": "red"}, {"to": "default", "via": "10.0.0.2", "table": 70000}],
             "rules": [{"from": "10.1.0.0/24", "to": "10.9.0.5", "iif": "eth0", "oif": "red", "fwmark": 0, "table": 70000,
                        "priority": 100}, {"to": "fd00::/64", "table": "red"}, {"iif": "lo", "table": 7}]},
      "h1": {}, "h2": {}},
      "links": [{"endpoints": ["r1:eth0", {"node": "s1", "vlans": [10, 4094]}], "ipv4": ["10.0.0.1/24", null]},
                {"endpoints": ["h1:eth0", {"node": "s1", "pvid": 1}]},
                {"endpoints": ["h2:eth0", {"node": "s1", "iface": "acc", "pvid": 10, "vlans": [20]}]},
                {"endpoints": ["s1", "s2"]}]}""",
    "bonds_tunnels_wireguard": """{"name": "t", "nodes": {
      "r1": {"kind": "router", "interfaces": {
        "bond0": {"kind": "bond", "members": ["eth2", "eth3"], "mode": "802.3ad", "miimon": 0, "ipv4": ["10.5.0.1/24"]},
        "gre1": {"kind": "gre", "local": "10.0.0.1", "remote": "10.0.0.2", "ttl": 0, "key": 4294967295},
        "t6": {"kind": "ip6tnl", "remote": "fd00::2", "ipv4": ["10.6.0.1/30"]},
        "s1": {"kind": "sit", "remote": "10.0.0.2", "ipv6": ["fd00:6::1/64"]},
        "wg0": {"kind": "wireguard", "private_key": "dwdtCnMYpX08FsFyUbJmRd9ML4frwJkqsXf7pR25LCo=", "listen_port": 51820,
                "peers": [{"public_key": "3p7bfXt9wbTTW2HC7OQ1Nz+DQ8hbeGdNrfx+FG+IK08=", "endpoint": "[fd00::2]:51820",
                           "allowed_ips": ["0.0.0.0/0", "::/0"], "keepalive": 25},
                          {"public_key": "hSDwCYkwp1R0i33ctD73Wg2/Og0mOBr066SpjqqbTmo="}]}}},
      "r2": {}},
      "links": [{"endpoints": ["r1:eth1", "r2:eth1"], "ipv4": ["10.0.0.1/24", "10.0.0.2/24"], "ipv6": ["fd00::1/64", "fd00::2/64"]},
                {"endpoints": ["r1:eth2", "r2:eth2"]}, {"endpoints": ["r1:eth3", "r2:eth3"]}]}""",
}


@pytest.mark.parametrize("label", sorted(GOOD))
def test_good_accepted_both_ways(tmp_path, label):
    assert schema_errors(GOOD[label]) == []
    rc, out = lab_validate(tmp_path, GOOD[label])
    assert rc == 0, out
