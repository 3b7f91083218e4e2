"""Setup of the reliability tests: the build's `lab`, the tier's figures, a reaper, and the
host check every test ends with. They run one at a time (they compare host snapshots).

NSLAB_TIER=extended (ci/extended) selects the full figures; the default is the gating tier
that ci/run_tests.py runs in CI."""
from __future__ import annotations

import os
import pathlib
import subprocess
import sys

import pytest

HERE = pathlib.Path(__file__).resolve().parent
# tests/support is not installed anywhere: put it on the path for every test module here.
sys.path.insert(0, str(HERE.parent / "support"))

from nslab_testing import BUILD, LAB, become_subreaper, require_root, snapshot, wait_host_equals  # noqa: E402

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
    become_subreaper()


def lab(*args: str, env: dict | None = None, timeout: float = 120, check: bool = True) -> subprocess.CompletedProcess:
    """Runs the build's `lab` with args; output captured as text."""
    full_env = dict(os.environ)
    full_env.pop("NSLAB_FAULT", None)
    full_env.update(env or {})
    p = subprocess.run([LAB, *args], capture_output=True, text=True, env=full_env, timeout=timeout)
    if check and p.returncode != 0:
        raise AssertionError(f"lab {' '.join(args)} exited {p.returncode}:\n{p.stdout}{p.stderr}")
    return p


@pytest.fixture(autouse=True)
def host_unchanged():
    """Every test must leave the host exactly as it found it."""
    require_root()
    if not os.access(LAB, os.X_OK):
        pytest.fail(f"{LAB} is not built")
    before = snapshot()
    yield before
    left = wait_host_equals(before)
    assert not left, f"the test left this on the host: {left}"


def report(line: str) -> None:
    """A figure for the run's log (pytest -s shows it; the JUnit file keeps it)."""
    print(f"[reliability] {line}", flush=True)
    with open(BUILD / "reliability-figures.txt", "a") as f:
        f.write(line + "\n")
