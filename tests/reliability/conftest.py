"""Setup of the reliability tests: the build's `lab`, the tier's figures, a reaper, and the
host check every test ends with. They run one at a time (they compare host snapshots).

NSLAB_TIER=extended (ci/extended) selects the full figures; the default is the gating tier
that ci/run_tests.py runs in CI."""
from __future__ import annotations

import ctypes
import os
import pathlib
import subprocess
import sys
import time

import pytest

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parent.parent
BUILD = pathlib.Path(os.environ.get("BUILD_DIR", ROOT / "build"))
LAB = str(BUILD / "cli" / "lab")
sys.path.insert(0, str(HERE))

import hostsnap  # noqa: E402

EXTENDED = os.environ.get("NSLAB_TIER") == "extended"

# (gating, extended) figures of each check; see docs/guarantees.md.
FIGURES = {
    "kill_points": (10, "all"),                 # of test_faults.POINTS
    "load": ((4, 25, 5), (8, 50, 20)),          # labs, nodes per lab, rounds
    "soak_cycles": (50, 300),
    "big_lab": (0, 1000),                        # nodes; the gating tier leaves it out
}


# The 1000-node lab takes minutes on this machine: extended tier only.
collect_ignore = [] if EXTENDED else ["test_big_lab.py"]


def figure(name):
    return FIGURES[name][1 if EXTENDED else 0]


def pytest_configure(config):
    # Orphans of what we kill (keepers, node processes) are re-parented to us and reaped here,
    # as ci/run_tests.py does, even where PID 1 reaps nothing.
    ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER


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


def lab(*args: str, env: dict | None = None, timeout: float = 120, check: bool = True) -> subprocess.CompletedProcess:
    """Runs the build's `lab` with args; output captured as text."""
    full_env = dict(os.environ)
    full_env.pop("NSLAB_FAULT", None)
    full_env.update(env or {})
    p = subprocess.run([LAB, *args], capture_output=True, text=True, env=full_env, timeout=timeout)
    if check and p.returncode != 0:
        raise AssertionError(f"lab {' '.join(args)} exited {p.returncode}:\n{p.stdout}{p.stderr}")
    return p


def wait_host_equals(before: dict, timeout: float = 20.0) -> dict:
    """Waits (bounded) until the host matches `before`: a killed init takes a moment to finish
    dying, and the kernel frees namespaces in the background. Returns the remaining diff."""
    deadline = time.monotonic() + timeout
    while True:
        reap()
        d = hostsnap.diff(before, hostsnap.snapshot())
        if not d or time.monotonic() > deadline:
            return d
        time.sleep(0.1)


def require_root():
    if os.geteuid() != 0:
        if os.environ.get("NSLAB_REQUIRE_ROOT") == "1":
            pytest.fail("needs root and NSLAB_REQUIRE_ROOT=1 is set")
        pytest.skip("needs root (creates namespaces, links and mounts)")


@pytest.fixture(autouse=True)
def host_unchanged():
    """Every test must leave the host exactly as it found it."""
    require_root()
    if not os.access(LAB, os.X_OK):
        pytest.fail(f"{LAB} is not built")
    before = hostsnap.snapshot()
    yield before
    left = wait_host_equals(before)
    assert not left, f"the test left this on the host: {left}"


def report(line: str) -> None:
    """A figure for the run's log (pytest -s shows it; the JUnit file keeps it)."""
    print(f"[reliability] {line}", flush=True)
    with open(BUILD / "reliability-figures.txt", "a") as f:
        f.write(line + "\n")
