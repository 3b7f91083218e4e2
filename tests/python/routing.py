"""Helpers shared by the routing-daemon tests (FRR, BIRD, both): skipping or failing when a
daemon is missing, and proving that no daemon outlives its lab."""
import os

import pytest

# Process names of the routing daemons the tests start.
DAEMONS = {"zebra", "ospfd", "watchfrr", "staticd", "mgmtd", "bird"}


def require_binaries(paths, package):
    """Skip when a daemon binary is missing, unless NSLAB_REQUIRE_ROOT=1 (CI): then fail."""
    strict = os.environ.get("NSLAB_REQUIRE_ROOT") == "1"
    if os.geteuid() != 0:
        (pytest.fail if strict else pytest.skip)("needs root (creates namespaces and runs daemons)")
    missing = [p for p in paths if not os.access(p, os.X_OK)]
    if missing:
        msg = f"{package} is not installed ({', '.join(missing)} missing; ci/deps.sh installs it)"
        (pytest.fail if strict else pytest.skip)(msg)


def daemon_processes():
    """Routing daemons running now: {(pid, starttime): (comm, pid namespace)}. Zombies excluded."""
    found = {}
    for p in os.listdir("/proc"):
        if not p.isdigit():
            continue
        try:
            with open(f"/proc/{p}/stat") as f:
                stat = f.read()
            comm = stat[stat.index("(") + 1:stat.rindex(")")]
            if comm not in DAEMONS:
                continue
            fields = stat[stat.rindex(")") + 2:].split()
            if fields[0] == "Z":
                continue
            ns = os.readlink(f"/proc/{p}/ns/pid")
        except (OSError, ValueError):
            continue  # gone meanwhile
        found[(int(p), fields[19])] = (comm, ns)
    return found


def pid_namespaces(lab):
    """The PID namespaces of the lab's nodes (each node's init is PID 1 of its own)."""
    return {os.readlink(f"/proc/{node.pid}/ns/pid") for node in lab.nodes.values()}


def assert_no_daemon_left(before, namespaces):
    """After lab.down(): no daemon that was not running before the test is left, neither in the
    lab's namespaces nor escaped to this process's PID namespace (the host's)."""
    watched = set(namespaces) | {os.readlink("/proc/self/ns/pid")}
    left = {k: v for k, v in daemon_processes().items() if k not in before and v[1] in watched}
    assert not left, "daemons left after lab down: " + ", ".join(
        f"{comm} (pid {pid})" for (pid, _), (comm, _) in sorted(left.items()))
