"""Helpers shared by the routing-daemon tests (FRR, BIRD, both): the three-router line they all
use, talking to vtysh and birdc, waiting for convergence, skipping or failing when a daemon is
missing, and proving that no daemon outlives its lab."""
import json
import os
import time

import pytest

from nslab_testing import processes, require_root, skip_or_fail

# The three routers of every routing topology here, and their loopbacks.
LOOPBACKS = {"r1": "10.0.0.1", "r2": "10.0.0.2", "r3": "10.0.0.3"}
ZEBRA, OSPFD, VTYSH = "/usr/lib/frr/zebra", "/usr/lib/frr/ospfd", "/usr/bin/vtysh"
BIRD, BIRDC = "/usr/sbin/bird", "/usr/sbin/birdc"
SOCKET = "/run/bird/bird.ctl"
CONVERGE = 60  # seconds: OSPF converges in about 1 s here; the bound is for slow CI machines

# Process names of the routing daemons the tests start.
DAEMONS = {"zebra", "ospfd", "watchfrr", "staticd", "mgmtd", "bird"}


def require_binaries(paths, package):
    """Skip when a daemon binary is missing, unless NSLAB_REQUIRE_ROOT=1 (CI): then fail."""
    require_root("creates namespaces and runs daemons")
    missing = [p for p in paths if not os.access(p, os.X_OK)]
    if missing:
        skip_or_fail(f"{package} is not installed ({', '.join(missing)} missing; ci/deps.sh installs it)")


def daemon_processes():
    """Routing daemons running now: {(pid, starttime): (comm, pid namespace)}. Zombies excluded."""
    return {(pid, fields[19]): (comm, ns) for pid, comm, fields, ns in processes() if comm in DAEMONS}


def pid_namespaces(lab):
    """The PID namespaces of the lab's nodes (each node's init is PID 1 of its own)."""
    return {os.readlink(f"/proc/{node.pid}/ns/pid") for node in lab.nodes.values()}


def assert_no_daemon_left(before, namespaces):
    """After lab.down(): no daemon that was not running before the test is left, neither in the
    lab's namespaces nor escaped to this process's PID namespace (the host's)."""
    watched = set(namespaces) | {os.readlink("/proc/self/ns/pid")}
    left = {k: v for k, v in daemon_processes().items() if k not in before and v[1] in watched}
    assert not left, "daemons left after lab down: " + ", ".join(
        f"{comm} (pid {pid}, {ns})" for (pid, _), (comm, ns) in sorted(left.items()))


def vtysh_json(node, command):
    return node.vtysh(command, json=True, timeout=10)


def birdc(node, command):
    return node.birdc(command, timeout=10)


def kernel_protocol(node, prefix):
    """The `proto` of the kernel's route to `prefix` in the node, or None when it has none."""
    res = node.run(["ip", "-j", "route", "show", prefix], timeout=5)
    assert res.ok, res.stderr
    routes = json.loads(res.stdout or "[]")
    return routes[0].get("protocol") if routes else None


def reaches_all_loopbacks(lab):
    return all(lab[src].ping(addr, timeout=1.0)
               for src in LOOPBACKS for dst, addr in LOOPBACKS.items() if src != dst)


def converge(lab, diagnostics):
    """Wait until every router pings every loopback; on timeout fail with the ping matrix and
    `diagnostics(lab)` (each daemon's own view)."""
    if lab.wait_until(lambda: reaches_all_loopbacks(lab), timeout=CONVERGE, interval=0.5):
        return
    try:
        state = f"{lab.ping_all(timeout=1.0)}\n{diagnostics(lab)}"
    except Exception as e:  # noqa: BLE001 - the report must not hide the failure
        state = f"(cannot inspect the lab: {e})"
    pytest.fail(f"OSPF did not converge within {CONVERGE} s\n{state}")


def assert_lab_gone(name, timeout=20.0, prefix=False):
    """After a failed lab up: no state dir, no pins and no process of lab `name` (its keeper and
    its nodes' inits carry `--lab NAME` in their command line; a node's daemons die with its
    init's PID namespace); with `prefix`, of every lab whose name starts with `name`. Checks
    only those labs' traces, so tests may run side by side."""
    def ours(lab):
        return lab.startswith(name) if prefix else lab == name
    deadline = time.monotonic() + timeout
    while True:
        left = [f"/run/nslab/{d}" for d in os.listdir("/run/nslab") if ours(d)] if os.path.isdir("/run/nslab") else []
        left += [f"/run/netns/{p}" for p in os.listdir("/run/netns") if ours(p.split(".")[0])] \
            if os.path.isdir("/run/netns") else []
        for pid in filter(str.isdigit, os.listdir("/proc")):
            try:
                argv = open(f"/proc/{pid}/cmdline", "rb").read().split(b"\0")
            except OSError:
                continue
            if b"--lab" in argv and argv.index(b"--lab") + 1 < len(argv) and ours(argv[argv.index(b"--lab") + 1].decode(errors="replace")):
                left.append(f"process {pid}")
        if not left or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert not left, f"lab {name}{'*' if prefix else ''} left: {left}"


def ospf_route(lab_or_run, prefix):
    """The next hop of the OSPF route zebra installed for `prefix`, or None. `lab_or_run` runs a
    vtysh command and returns its parsed JSON (Node.vtysh, or `lab exec` for the CLI tests)."""
    out = lab_or_run(f"show ip route {prefix} json")
    for entry in (out or {}).get(prefix, []):
        if entry.get("protocol") == "ospf" and entry.get("installed"):
            return entry["nexthops"][0].get("ip")
    return None


def wait_for(lab, fn, want, what, timeout=CONVERGE):
    """Waits until fn() == want; fails saying what was awaited and what fn() gave last."""
    assert lab.wait_until(lambda: fn() == want, timeout=timeout, interval=0.3), f"{what}: got {fn()!r}, want {want!r}"
