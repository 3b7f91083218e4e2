"""Shared setup of the Python tests: the nslab plugin, and root gating. Outside CI a test that
needs root skips with the reason; with NSLAB_REQUIRE_ROOT=1 (CI) it fails instead."""
import os

import pytest

pytest_plugins = ["nslab.pytest_plugin", "pytester"]


def require_root():
    if os.geteuid() != 0:
        if os.environ.get("NSLAB_REQUIRE_ROOT") == "1":
            pytest.fail("needs root and NSLAB_REQUIRE_ROOT=1 is set")
        pytest.skip("needs root (creates namespaces, links and mounts)")


@pytest.fixture(autouse=True)
def _needs_root():
    require_root()
