"""Shared setup of the Python tests: the nslab plugin, and root gating. Outside CI a test that
needs root skips with the reason; with NSLAB_REQUIRE_ROOT=1 (CI) it fails instead. The helpers
themselves are tests/support/nslab_testing.py, shared with the other suites."""
import os
import pathlib
import sys

import pytest

# tests/support is not installed anywhere: put it on the path for every test module here.
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "support"))

from nslab_testing import require_root  # noqa: E402

# A relative PYTHONPATH (the documented `PYTHONPATH=build/python`) means nothing to the inner
# pytest runs of test_plugin.py, which start in a temporary directory: make it absolute here.
if os.environ.get("PYTHONPATH"):
    os.environ["PYTHONPATH"] = os.pathsep.join(os.path.abspath(p) if p else p
                                               for p in os.environ["PYTHONPATH"].split(os.pathsep))

pytest_plugins = ["nslab.pytest_plugin", "pytester"]


@pytest.fixture(autouse=True)
def _needs_root():
    require_root()
