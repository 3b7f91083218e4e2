"""A full snapshot of what a lab could leave on the host, for before/after comparisons: links,
addresses, routes and rules, netns pins, mounts, nslab processes, files under the state dirs
and nslab cgroups. Volatile fields (counters, ages, flags that a peer's traffic toggles) are
left out so that two snapshots of an untouched host compare equal."""
from __future__ import annotations

import json
import os
import subprocess

STATE_DIRS = ("/run/nslab", "/run/netns")


def _run(*cmd: str) -> str:
    return subprocess.run(cmd, capture_output=True, text=True, check=False).stdout


def _links() -> list[str]:
    out = []
    for l in json.loads(_run("ip", "-j", "link", "show") or "[]"):
        out.append(f"{l.get('ifindex')} {l.get('ifname')} {l.get('link_type')} {l.get('address', '')} "
                   f"master={l.get('master', '')} mtu={l.get('mtu')}")
    return sorted(out)


def _addresses() -> list[str]:
    out = []
    for l in json.loads(_run("ip", "-j", "addr", "show") or "[]"):
        for a in l.get("addr_info", []):
            out.append(f"{l.get('ifname')} {a.get('local')}/{a.get('prefixlen')}")
    return sorted(out)


def _routes() -> list[str]:
    lines = []
    for fam in ("-4", "-6"):
        lines += _run("ip", fam, "-o", "route", "show", "table", "all").splitlines()
        lines += _run("ip", fam, "-o", "rule", "show").splitlines()
    # Cached PMTU entries and the like expire on their own; they carry "expires".
    return sorted(" ".join(l.split()) for l in lines if "expires" not in l)


def _mounts() -> list[str]:
    with open("/proc/self/mountinfo") as f:
        return sorted(" ".join(l.split()[3:5]) for l in f)


def _files() -> list[str]:
    out = []
    for top in STATE_DIRS:
        for root, dirs, files in os.walk(top):
            out += [os.path.join(root, d) + "/" for d in dirs]
            out += [os.path.join(root, f) for f in files]
    return sorted(out)


def _cgroups() -> list[str]:
    out = []
    for root, dirs, _ in os.walk("/sys/fs/cgroup"):
        depth = root.count("/") - 3
        for d in dirs:
            if "nslab" in d:
                out.append(os.path.join(root, d))
        if depth >= 3:
            dirs[:] = []  # nslab's cgroups sit near the top; the deep system tree is not ours
    return sorted(out)


def _processes() -> list[str]:
    """nslab's own processes, and every process in another PID namespace than ours (a node's).
    Zombies are left out: they hold nothing, and the test runner reaps them."""
    own = os.readlink("/proc/self/ns/pid")
    out = []
    for p in os.listdir("/proc"):
        if not p.isdigit():
            continue
        try:
            with open(f"/proc/{p}/stat") as f:
                stat = f.read()
            ns = os.readlink(f"/proc/{p}/ns/pid")
        except OSError:
            continue
        comm = stat[stat.index("(") + 1:stat.rindex(")")]
        if stat[stat.rindex(")") + 2] == "Z":
            continue
        if ns != own or comm.startswith("nslab"):
            out.append(f"{p} {comm}")
    return sorted(out)


def _netns() -> list[str]:
    return sorted(_run("ip", "netns", "list").splitlines())


def snapshot() -> dict[str, list[str]]:
    return {"links": _links(), "addresses": _addresses(), "routes": _routes(), "netns": _netns(),
            "mounts": _mounts(), "files": _files(), "cgroups": _cgroups(), "processes": _processes()}


def diff(before: dict[str, list[str]], after: dict[str, list[str]]) -> dict[str, dict[str, list[str]]]:
    """{kind: {"new": [...], "gone": [...]}} for every kind that differs."""
    out = {}
    for k in before:
        new = sorted(set(after[k]) - set(before[k]))
        gone = sorted(set(before[k]) - set(after[k]))
        if new or gone:
            out[k] = {"new": new[:20], "gone": gone[:20]}
    return out
