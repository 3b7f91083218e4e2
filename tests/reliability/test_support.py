"""tests/support's host snapshot sees what it is there to see, and the Python and C++ ones agree.
Here, not in tests/python: these compare snapshots of the whole host, so they must run alone."""
from __future__ import annotations

import os
import subprocess
import time

from nslab_testing import BUILD, ROOT, diff, snapshot


def sh(cmd: str) -> None:
    subprocess.run(cmd, shell=True, check=True, capture_output=True)


def test_snapshot_sees_a_netns_and_a_link():
    ns, link = f"nslab-support-{os.getpid()}", f"nsts{os.getpid() % 100000}"
    # `ip netns add` makes /run/netns (a directory, mounted on itself) when it is missing and
    # leaves both behind: undo that too, or the host check after the test would (rightly) fail.
    had_run_netns = os.path.exists("/run/netns")
    before = snapshot()
    try:
        sh(f"ip netns add {ns}")
        sh(f"ip link add {link} type bridge && ip addr add 198.51.100.77/32 dev {link}")
        during = snapshot()
    finally:
        subprocess.run(["ip", "link", "del", link], capture_output=True)
        subprocess.run(["ip", "netns", "del", ns], capture_output=True)
        if not had_run_netns:
            subprocess.run("umount /run/netns; rmdir /run/netns", shell=True, capture_output=True)
    after = snapshot()
    d = diff(before, during)
    assert ns in d["netns"]["new"]
    assert f"/run/netns/{ns}" in d["files"]["new"]
    assert any(m.endswith(f" /run/netns/{ns}") for m in d["mounts"]["new"])
    assert any(f" {link} ether " in l for l in d["links"]["new"])
    assert f"{link} 198.51.100.77/32" in d["addresses"]["new"]
    assert any(f"198.51.100.77 dev {link}" in r for r in d["routes"]["new"])  # its local route
    assert not [k for k, v in d.items() if v["gone"]]
    left = diff(before, after)
    assert not any(ns in l or link in l for v in left.values() for l in v["new"]), left


def lines(snap: dict) -> list[str]:
    return [f"{kind}: {line}" for kind, ls in snap.items() for line in ls]


def test_cpp_and_python_snapshots_make_the_same_lines():
    """tests/support/nslab_testing.cpp and .py must stay one snapshot written twice."""
    exe = BUILD / "tests" / "support_hostsnap"
    assert exe.exists(), f"{exe} is not built"
    for attempt in range(3):  # a process of the host may come or go between the two
        cpp = subprocess.run([str(exe)], capture_output=True, text=True, check=True).stdout.splitlines()
        py = lines(snapshot())
        if cpp == py:
            return
        time.sleep(0.5)
    only_cpp, only_py = sorted(set(cpp) - set(py)), sorted(set(py) - set(cpp))
    assert cpp == py, f"only in C++ ({ROOT / 'tests/support/nslab_testing.cpp'}): {only_cpp[:20]}\nonly in Python: {only_py[:20]}"
