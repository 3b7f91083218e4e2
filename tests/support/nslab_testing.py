"""The one set of helpers every nslab Python test suite uses (tests/python, tests/reliability,
ci/run_tests.py). Its C++ counterpart is tests/support/nslab_testing.hpp; the two host
snapshots produce the same lines (tests/reliability/test_support.py compares them).

- where the build is: BUILD_DIR, else build/ of this checkout (a relative BUILD_DIR is taken
  from the checkout's top, as ci/build.sh does);
- root: a test that needs it skips with the reason, or fails under NSLAB_REQUIRE_ROOT=1 (CI);
- reaping: orphans re-parented to us (keepers whose starter was this process) are reaped;
- the host snapshot: what a lab could leave on the host, compared before and after a test or
  a whole run.

Conftests put this directory on sys.path (so the file needs no install); ci/run_tests.py and
CTest put it on PYTHONPATH as well, for the worker processes they start."""
from __future__ import annotations

import json
import os
import pathlib
import subprocess
import time

ROOT = pathlib.Path(__file__).resolve().parents[2]
BUILD = ROOT / (os.environ.get("BUILD_DIR") or "build")  # an absolute BUILD_DIR replaces ROOT
LAB = str(BUILD / "cli" / "lab")
KEEPER = str(BUILD / "cli" / "nslab-keeper")
SUPPORT = ROOT / "tests" / "support"

ROOT_REASON = "creates namespaces, links and mounts"


# --- root ---------------------------------------------------------------------------------------

def root_required() -> bool:
    """CI sets NSLAB_REQUIRE_ROOT=1: what would skip for want of root (or of a tool CI
    installs) fails instead, so that a green run means the test ran."""
    return os.environ.get("NSLAB_REQUIRE_ROOT") == "1"


def skip_or_fail(reason: str) -> None:
    """Skips the current test with `reason`, or fails it under NSLAB_REQUIRE_ROOT=1."""
    import pytest  # here, not at the top: ci/run_tests.py imports this module without pytest
    if root_required():
        pytest.fail(f"{reason} and NSLAB_REQUIRE_ROOT=1 is set")
    pytest.skip(reason)


def require_root(why: str = ROOT_REASON) -> None:
    """Skips (or, under NSLAB_REQUIRE_ROOT=1, fails) the current test when not root."""
    if os.geteuid() != 0:
        skip_or_fail(f"needs root ({why})")


# --- processes ----------------------------------------------------------------------------------

def reap() -> None:
    """Reaps every exited child. Only call it when no subprocess of ours is still to be waited
    for: it would take that one's exit status."""
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def become_subreaper() -> None:
    """Orphans of what a test kills (keepers, node processes) are re-parented to this process
    and reaped by reap(), even where PID 1 reaps nothing (a container's)."""
    import ctypes
    ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER


# --- the host snapshot --------------------------------------------------------------------------
#
# What a lab could leave on the host, one sorted list of lines per kind. Volatile fields
# (counters, ages, flags that a peer's traffic toggles, netns ids) are left out so that two
# snapshots of an untouched host compare equal. tests/support/nslab_testing.cpp makes the same
# lines; change both together.

KINDS = ("links", "addresses", "routes", "netns", "mounts", "files", "cgroups", "processes")
STATE_DIRS = ("/run/nslab", "/run/netns")
CGROUP_DEPTH = 6  # nslab's cgroups sit a few levels below a mount (under the keeper's own in v1)


def _run(*cmd: str) -> str:
    return subprocess.run(cmd, capture_output=True, text=True, check=False).stdout


def _links_and_addresses() -> tuple[list[str], list[str]]:
    links, addrs = [], []
    for l in json.loads(_run("ip", "-j", "addr", "show") or "[]"):
        links.append(f"{l.get('ifindex')} {l.get('ifname')} {l.get('link_type')} {l.get('address', '')} "
                     f"master={l.get('master', '')} mtu={l.get('mtu')}")
        for a in l.get("addr_info", []):
            addrs.append(f"{l.get('ifname')} {a.get('local')}/{a.get('prefixlen')}")
    return sorted(links), sorted(addrs)


def _routes() -> list[str]:
    lines = []
    for fam in ("-4", "-6"):
        lines += _run("ip", fam, "-o", "route", "show", "table", "all").splitlines()
        lines += _run("ip", fam, "-o", "rule", "show").splitlines()
    # Cached PMTU entries and the like expire on their own; they carry "expires".
    return sorted(" ".join(l.split()) for l in lines if "expires" not in l and l.strip())


def _mounts() -> list[str]:
    with open("/proc/self/mountinfo") as f:
        return sorted(" ".join(l.split()[3:5]) for l in f)  # the mount's root and where it is


def _netns() -> list[str]:
    try:
        return sorted(os.listdir("/run/netns"))
    except OSError:
        return []


def _files() -> list[str]:
    out = []
    for top in STATE_DIRS:
        for root, dirs, files in os.walk(top):
            out += [os.path.join(root, d) + "/" for d in dirs]
            out += [os.path.join(root, f) for f in files]
    return sorted(out)


def _cgroup_mounts() -> list[str]:
    out = []
    with open("/proc/self/mountinfo") as f:
        for line in f:
            left, _, right = line.partition(" - ")
            if right.split()[:1] in (["cgroup"], ["cgroup2"]):
                out.append(left.split()[4])
    return out


def _cgroups() -> list[str]:
    """Every cgroup directory with "nslab" in its name or below one, in cgroup v2 and every v1
    hierarchy, down to CGROUP_DEPTH levels below its mount (the deep system tree is not ours)."""
    out = []
    for mount in _cgroup_mounts():
        for root, dirs, _ in os.walk(mount):
            depth = 0 if root == mount else root[len(mount):].count("/")
            ours = "nslab" in root[len(mount):]
            out += [os.path.join(root, d) for d in dirs if ours or "nslab" in d]
            if depth + 1 >= CGROUP_DEPTH:
                dirs[:] = []
    return sorted(out)


def processes(zombies=False):
    """Every process now, as (pid, comm, fields after the comm, its PID namespace), where
    fields[0] is the state, fields[1] the parent and fields[19] the start time. Zombies only
    with `zombies`: they hold nothing, and the test runner reaps them."""
    for p in os.listdir("/proc"):
        if not p.isdigit():
            continue
        try:
            with open(f"/proc/{p}/stat") as f:
                stat = f.read()
        except OSError:
            continue  # gone meanwhile
        fields = stat[stat.rindex(")") + 2:].split()
        if fields[0] == "Z" and not zombies:
            continue
        try:
            ns = os.readlink(f"/proc/{p}/ns/pid")
        except OSError:
            if fields[0] != "Z":
                continue  # gone meanwhile
            ns = None  # a zombie has no namespaces left
        yield int(p), stat[stat.index("(") + 1:stat.rindex(")")], fields, ns


def _processes() -> list[str]:
    """nslab's own processes, and every process in another PID namespace than ours (a node's)."""
    own = os.readlink("/proc/self/ns/pid")
    return sorted(f"{pid} {comm}" for pid, comm, _, ns in processes() if ns != own or comm.startswith("nslab"))


def snapshot() -> dict[str, list[str]]:
    links, addresses = _links_and_addresses()
    return {"links": links, "addresses": addresses, "routes": _routes(), "netns": _netns(),
            "mounts": _mounts(), "files": _files(), "cgroups": _cgroups(), "processes": _processes()}


def diff(before: dict[str, list[str]], after: dict[str, list[str]]) -> dict[str, dict[str, list[str]]]:
    """{kind: {"new": [...], "gone": [...]}} for every kind that differs (20 lines of each at most)."""
    out = {}
    for k in before:
        new = sorted(set(after[k]) - set(before[k]))
        gone = sorted(set(before[k]) - set(after[k]))
        if new or gone:
            out[k] = {"new": new[:20], "gone": gone[:20]}
    return out


def wait_host_equals(before: dict, timeout: float = 20.0) -> dict:
    """Waits (bounded) until the host matches `before`: a killed init takes a moment to finish
    dying, and the kernel frees namespaces in the background. Returns the remaining diff."""
    deadline = time.monotonic() + timeout
    while True:
        reap()
        d = diff(before, snapshot())
        if not d or time.monotonic() > deadline:
            return d
        time.sleep(0.1)


if __name__ == "__main__":
    # `python3 tests/support/nslab_testing.py`: the snapshot as "kind: line" lines, as the C++
    # tests/support's nslab_hostsnap prints it.
    for kind, lines in snapshot().items():
        for line in lines:
            print(f"{kind}: {line}")
