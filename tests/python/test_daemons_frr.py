"""FRR as part of a node (the `frr` key): BGP with BFD converges from the key alone and
Node.vtysh(json=True) reads it; a bad frr.conf or a daemon that cannot start fails `lab up` at
the node's `frr` key with the daemon's own words and leaves nothing; `lab down` stops the
daemons with SIGTERM (each logs its shutdown) and none is left; a daemon's pid file names, through
Node.host_pid, a live host process of that daemon running as frr; a daemon as frr writes into a
default (1777) private dir.

OSPF from the key alone is tests/python/test_frr.py (topologies/frr-ospf-line.json)."""
import os
import pwd
import time

import pytest

from isolation import host_scratch, lab_cli
from nslab import CommandError, LabError
from routing import (OSPFD, VTYSH, ZEBRA, assert_lab_gone, assert_no_daemon_left, daemon_processes, pid_namespaces,
                     require_binaries)

BGPD, BFDD = "/usr/lib/frr/bgpd", "/usr/lib/frr/bfdd"
CONVERGE = 60  # seconds; BGP with 1 s timers comes up in a few here


def require_frr():
    require_binaries((ZEBRA, OSPFD, BGPD, BFDD, VTYSH), "frr")


def bgp_conf(me, asn, peer, peer_asn, loopback):
    return (f"frr defaults traditional\nhostname {me}\n!\n"
            f"router bgp {asn}\n bgp router-id {loopback}\n no bgp ebgp-requires-policy\n"
            f" neighbor {peer} remote-as {peer_asn}\n neighbor {peer} timers 1 3\n"
            f" neighbor {peer} timers connect 1\n neighbor {peer} bfd\n"
            f" address-family ipv4 unicast\n  network {loopback}/32\n exit-address-family\n!\n"
            f"bfd\n peer {peer}\n  receive-interval 100\n  transmit-interval 100\n !\n!\n")


def bgp_lab(name="bgp"):
    return {
        "name": name,
        "defaults": {"kind": "router", "frr": {"daemons": ["bgpd", "bfdd"]}},
        "nodes": {
            "r1": {"loopback": ["10.0.0.1/32"],
                   "frr": {"config": bgp_conf("r1", 65001, "10.0.12.2", 65002, "10.0.0.1")}},
            "r2": {"loopback": ["10.0.0.2/32"],
                   "frr": {"config": bgp_conf("r2", 65002, "10.0.12.1", 65001, "10.0.0.2")}},
        },
        "links": [{"endpoints": ["r1:eth1", "r2:eth1"], "ipv4": ["10.0.12.1/30", "10.0.12.2/30"]}],
    }


def one_router(config, **node):
    return {"name": "frr1", "nodes": {"r1": {"kind": "router", "frr": {"daemons": ["ospfd"], "config": config}, **node}}}


def established(node, peer):
    peers = node.vtysh("show bgp ipv4 unicast summary", json=True).get("peers", {})
    return peers.get(peer, {}).get("state") == "Established"


def bfd_status(node, peer):
    return {p["peer"]: p["status"] for p in node.vtysh("show bfd peers", json=True)}.get(peer)


def bgp_route(node, prefix):
    """zebra's selected, installed BGP route to `prefix`, or None."""
    for e in node.vtysh(f"show ip route {prefix}", json=True).get(prefix, []):
        if e.get("protocol") == "bgp" and e.get("selected") and e.get("installed"):
            return e
    return None


def test_bgp_and_bfd_converge_from_the_frr_key_alone(lab):
    require_frr()
    before = daemon_processes()
    lab.up(bgp_lab(lab.name))
    namespaces = pid_namespaces(lab)
    r1, r2 = lab["r1"], lab["r2"]
    assert r1.daemons == ["zebra", "bgpd", "staticd", "bfdd"]

    # Up means answering: every daemon takes a vtysh command at once.
    for d in r1.daemons:
        assert "FRRouting" in r1.run([VTYSH, "-d", d, "-c", "show version"], timeout=10).stdout

    assert lab.wait_until(lambda: established(r1, "10.0.12.2") and established(r2, "10.0.12.1"),
                          timeout=CONVERGE), r1.vtysh("show bgp summary")
    assert lab.wait_until(lambda: bfd_status(r1, "10.0.12.2") == "up", timeout=CONVERGE), r1.vtysh("show bfd peers")
    assert lab.wait_until(lambda: bgp_route(r1, "10.0.0.2/32") and bgp_route(r2, "10.0.0.1/32"),
                          timeout=CONVERGE), r1.vtysh("show ip route")
    assert bgp_route(r1, "10.0.0.2/32")["nexthops"][0]["ip"] == "10.0.12.2"
    assert r1.ping("10.0.0.2") and r2.ping("10.0.0.1")

    # The link goes: BFD sees it within its 300 ms detection time, BGP withdraws the route.
    lab.link("r1:eth1").down()
    assert lab.wait_until(lambda: bfd_status(r1, "10.0.12.2") == "down", timeout=10), r1.vtysh("show bfd peers")
    assert lab.wait_until(lambda: bgp_route(r1, "10.0.0.2/32") is None, timeout=10)
    lab.link("r1:eth1").up()
    assert lab.wait_until(lambda: bgp_route(r1, "10.0.0.2/32") is not None, timeout=CONVERGE)

    lab.down()
    assert_no_daemon_left(before, namespaces)


def test_vtysh_text_json_lists_and_errors(lab):
    require_frr()
    lab.up(one_router("hostname r1\nrouter ospf\n ospf router-id 10.9.9.9\n", loopback=["10.9.9.9/32"]))
    r1 = lab["r1"]
    assert r1.vtysh("show ip ospf", json=True)["routerId"] == "10.9.9.9"
    assert r1.vtysh("show ip ospf json", json=True)["routerId"] == "10.9.9.9"
    assert "hostname r1" in r1.vtysh("show running-config")
    r1.vtysh(["configure terminal", "router ospf", "ospf router-id 10.8.8.8"])
    assert r1.vtysh("show ip ospf", json=True)["routerId"] == "10.8.8.8"
    with pytest.raises(CommandError) as e:
        r1.vtysh("show no-such-thing")
    assert "r1" in str(e.value) and "no-such-thing" in str(e.value)
    with pytest.raises(ValueError):
        r1.vtysh(["show version", "show version"], json=True)
    # `lab exec` reaches the same daemons.
    res = lab_cli("exec", lab.name, "r1", "--", "vtysh", "-c", "show ip ospf json")
    assert res.returncode == 0 and '"routerId":"10.8.8.8"' in res.stdout.replace(" ", ""), res.stdout + res.stderr


def test_a_bad_frr_conf_fails_lab_up_at_the_frr_key_and_leaves_nothing(lab):
    require_frr()
    with pytest.raises(LabError) as e:
        lab.up(one_router("hostname r1\nrouter ospf\n no-such-command here\n"))
    err = e.value
    assert (err.node, err.pointer, err.step) == ("r1", "/nodes/r1/frr", "frr r1")
    assert "Unknown command" in str(err) and "no-such-command" in str(err), str(err)
    assert "vtysh -b" in str(err)
    assert not lab.is_up
    assert_lab_gone(lab.name)


def test_a_daemon_that_cannot_start_is_named_with_its_log(lab):
    require_frr()
    # ospfd finds a directory where its pid file goes, and refuses to start.
    topo = one_router("hostname r1\n", exec=["mkdir /var/run/frr/ospfd.pid"])
    with pytest.raises(LabError) as e:
        lab.up(topo)
    msg = str(e.value)
    assert e.value.node == "r1" and e.value.pointer == "/nodes/r1/frr"
    # Its starter usually says so; when it loses the race with the daemon it exits 0 and the wait
    # for an answer sees the daemon gone.
    assert "FRR daemon ospfd did not start" in msg or "FRR daemon ospfd exited before it answered" in msg, msg
    assert "last lines of /var/log/frr/ospfd.log" in msg and "pid lock file" in msg, msg
    assert_lab_gone(lab.name)


def test_lab_down_stops_daemons_with_sigterm(lab):
    require_frr()
    before = daemon_processes()
    with host_scratch("nslab-frr-logs") as logs:
        os.makedirs(logs)
        os.chmod(logs, 0o777)
        # The daemons' logs on the host, so they can be read after the node is gone.
        lab.up(one_router("hostname r1\nrouter ospf\n", mounts=[{"source": logs, "target": "/var/log/frr"}]))
        namespaces = pid_namespaces(lab)
        t0 = time.monotonic()
        lab.down()
        took = time.monotonic() - t0
        assert_no_daemon_left(before, namespaces)
        for d in ("zebra", "staticd", "ospfd"):
            text = open(f"{logs}/{d}.log").read()
            assert "Terminating on signal" in text, f"{d} did not log a SIGTERM shutdown:\n{text}"
        assert "Zebra final shutdown" in open(f"{logs}/zebra.log").read()
        assert took < 3.0, f"lab down took {took:.1f} s"


def test_pid_file_pid_is_a_live_host_process_running_as_frr(lab):
    require_frr()
    lab.up(one_router("hostname r1\n"))
    r1 = lab["r1"]
    frr_uid = pwd.getpwnam("frr").pw_uid
    for d in ("zebra", "staticd", "ospfd"):
        pid = int(r1.run(["cat", f"/var/run/frr/{d}.pid"], check=True).stdout)
        host = r1.host_pid(pid)
        assert host != pid
        with open(f"/proc/{host}/comm") as f:
            assert f.read().strip() == d
        assert os.stat(f"/proc/{host}").st_uid == frr_uid
        assert r1.node_pid(host) == pid


def test_private_dirs_belong_to_frr(lab):
    require_frr()
    lab.up(one_router("hostname r1\n"))
    stat = lab["r1"].run("stat -c '%n %U %G %a' /etc/frr /var/run/frr /var/log/frr /var/tmp/frr",
                         check=True).stdout.splitlines()
    assert stat == [f"{d} frr frr 755" for d in ("/etc/frr", "/var/run/frr", "/var/log/frr", "/var/tmp/frr")]


def test_a_daemon_as_frr_writes_into_a_default_private_dir(lab):
    require_frr()
    # The node lists /var/run/frr as a plain private dir (root's, 1777, like /tmp): nslab keeps it
    # as written, and the daemons, which run as frr, write their pid files and sockets into it.
    lab.up(one_router("hostname r1\nrouter ospf\n", private_dirs=["/var/run/frr"]))
    r1 = lab["r1"]
    assert r1.run("stat -c '%U %G %a' /var/run/frr", check=True).stdout.split() == ["root", "root", "1777"]
    owners = r1.run("stat -c '%n %U' /var/run/frr/zebra.pid /var/run/frr/ospfd.pid /var/run/frr/ospfd.vty",
                    check=True).stdout.splitlines()
    assert owners == [f"/var/run/frr/{f} frr" for f in ("zebra.pid", "ospfd.pid", "ospfd.vty")]
    assert "routerId" in r1.vtysh("show ip ospf", json=True)
