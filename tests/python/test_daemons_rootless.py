"""Routing daemons in rootless labs (an ordinary user, test_rootless.py's fixtures): BIRD runs
in a lab that maps a single id (as root of the lab's user namespace); FRR, whose daemons switch
to user frr, fails there at the node's `frr` key saying why, and runs once the user has
subordinate ids. A rootless lab cannot make mount points on the host: when the host lacks a
daemon's dir, `lab up` names it and the fix."""
import contextlib
import fcntl
import json
import os
import time

from routing import BIRD, BIRDC, OSPFD, VTYSH, ZEBRA, require_binaries
from test_rootless import subordinate_ids, tools, user  # noqa: F401 - fixtures

BIRD_CONF = "router id 10.0.0.1;\nprotocol device {}\n"
FRR_CONF = "hostname r1\nrouter ospf\n ospf router-id 10.0.0.1\n"


FRR_DIRS = ("/etc/frr", "/var/run/frr", "/var/log/frr", "/var/tmp/frr")
BIRD_DIRS = ("/etc/bird", "/run/bird")


@contextlib.contextmanager
def no_root_lab():
    """Holds nslab's run-dir lock while no root lab exists. Making, moving or removing a host
    dir that a running lab's nodes have a mount on would move or detach that mount in their
    namespaces too (a BIRD beside us lost its control socket that way): so wait for a moment
    with no root lab, and keep new ones from starting (they take this lock first) meanwhile."""
    os.makedirs("/run/nslab", exist_ok=True)
    fd = os.open("/run/nslab", os.O_RDONLY | os.O_DIRECTORY)
    try:
        deadline = time.monotonic() + 120
        while True:
            fcntl.flock(fd, fcntl.LOCK_EX)
            labs = [e for e in os.listdir("/run/nslab") if not e.startswith(".")]
            if not labs:
                break
            fcntl.flock(fd, fcntl.LOCK_UN)  # let them go down
            assert time.monotonic() < deadline, f"root labs still up after 120 s: {labs}"
            time.sleep(0.2)
        yield
    finally:
        os.close(fd)


@contextlib.contextmanager
def host_dirs(paths):
    """The daemons' mount points on the host, as their packages' services leave them; those
    made here are removed again. Only while no root lab runs (see no_root_lab)."""
    made = [p for p in paths if not os.path.exists(p)]
    for p in made:
        os.makedirs(p)
    try:
        yield
    finally:
        for p in reversed(made):
            os.rmdir(p)


@contextlib.contextmanager
def host_lacks(path):
    """`path` (an empty dir) moved out of the way meanwhile."""
    aside = path + ".nslab-test-aside"
    there = os.path.isdir(path)
    if there:
        os.rename(path, aside)
    try:
        yield
    finally:
        if there:
            os.rename(aside, path)


def up_and_ask(user, name, node, *commands):
    """As `user`: lab up a one-node lab, run `commands` in the node, lab down. (rc, output)."""
    topo = json.dumps({"name": name, "nodes": {"r1": {"kind": "router", **node}}}).replace("'", "'\\''")
    path = f"/tmp/{name}-{user.uid}.json"
    asks = "".join(f"lab exec {name} r1 -- {c} || rc=1; " for c in commands) + f"lab status {name}; "
    r = user.sh(f"printf '%s' '{topo}' > {path} && lab up -q {path}; rc=$?; rm -f {path}; [ $rc = 0 ] || exit $rc; "
                f"{asks}lab down {name}; exit $rc")
    return r.returncode, r.stdout + r.stderr


def test_bird_runs_in_a_single_id_rootless_lab(user):
    require_binaries((BIRD, BIRDC), "bird2")
    with no_root_lab(), host_dirs(BIRD_DIRS):
        rc, out = up_and_ask(user, "rlbird", {"bird": {"config": BIRD_CONF}},
                             "birdc -s /run/bird/bird.ctl show status")
    assert rc == 0, out
    assert "Router ID is 10.0.0.1" in out and "Daemon is up and running" in out, out
    assert "node r1: daemons bird running" in out, out


def test_a_daemon_dir_the_host_lacks_is_named_with_the_fix(user):
    require_binaries((BIRD, BIRDC), "bird2")
    with no_root_lab(), host_dirs(BIRD_DIRS[:1]), host_lacks("/run/bird"):
        rc, out = up_and_ask(user, "rlbirdnodir", {"bird": {"config": BIRD_CONF}})
    assert rc == 1, out
    assert "node r1: bird needs private dirs the host lacks (/run/bird)" in out, out
    assert "mkdir -p /run/bird" in out, out


def test_frr_in_a_single_id_rootless_lab_says_why_it_cannot(user):
    require_binaries((ZEBRA, OSPFD, VTYSH), "frr")
    with no_root_lab(), host_dirs(FRR_DIRS):
        rc, out = up_and_ask(user, "rlfrr", {"frr": {"daemons": ["ospfd"], "config": FRR_CONF}})
    assert rc == 1, out
    assert "node r1" in out and "user frr" in out and "single user id" in out and "/etc/subuid" in out, out


def test_frr_runs_in_a_rootless_lab_with_subordinate_ids(user, subordinate_ids):  # noqa: F811
    require_binaries((ZEBRA, OSPFD, VTYSH), "frr")
    with no_root_lab(), host_dirs(FRR_DIRS):
        rc, out = up_and_ask(user, "rlfrrsub", {"frr": {"daemons": ["ospfd"], "config": FRR_CONF}},
                             "vtysh -c 'show ip ospf json'", "stat -c %U /var/run/frr/ospfd.pid")
    assert rc == 0, out
    assert '"routerId":"10.0.0.1"' in out.replace(" ", ""), out
    assert "\nfrr\n" in out, out
