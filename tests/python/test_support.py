"""tests/support/nslab_testing.py's logic that needs no root: where the build is, the root gate,
and the snapshot comparison. (That the snapshot sees a real change, and makes the same lines as
the C++ one, is checked with root and alone in tests/reliability/test_support.py.)"""
import os
import subprocess
import sys

import pytest

import nslab_testing
from nslab_testing import ROOT, SUPPORT, diff, skip_or_fail


@pytest.fixture(autouse=True)
def _needs_root():
    """Overrides conftest's root gate: nothing here needs root."""


def build_of(env_build_dir):
    """LAB as a fresh interpreter computes it with BUILD_DIR set to this (None: unset)."""
    env = {k: v for k, v in os.environ.items() if k != "BUILD_DIR"}
    if env_build_dir is not None:
        env["BUILD_DIR"] = env_build_dir
    code = "import nslab_testing; print(nslab_testing.LAB)"
    return subprocess.run([sys.executable, "-c", code], env=dict(env, PYTHONPATH=str(SUPPORT)), cwd="/",
                          capture_output=True, text=True, check=True).stdout.strip()


def test_lab_is_in_build_dir_or_the_checkouts_build():
    assert build_of(None) == str(ROOT / "build" / "cli" / "lab")
    assert build_of("") == str(ROOT / "build" / "cli" / "lab")
    assert build_of("/opt/b") == "/opt/b/cli/lab"
    assert build_of("build-asan") == str(ROOT / "build-asan" / "cli" / "lab")  # from the checkout, not the cwd


def test_skip_or_fail_follows_nslab_require_root(monkeypatch):
    monkeypatch.delenv("NSLAB_REQUIRE_ROOT", raising=False)
    with pytest.raises(pytest.skip.Exception, match="needs frr"):
        skip_or_fail("needs frr")
    monkeypatch.setenv("NSLAB_REQUIRE_ROOT", "1")
    with pytest.raises(pytest.fail.Exception, match="needs frr and NSLAB_REQUIRE_ROOT=1 is set"):
        skip_or_fail("needs frr")


def test_require_root_passes_as_root_only(monkeypatch):
    monkeypatch.setenv("NSLAB_REQUIRE_ROOT", "1")
    monkeypatch.setattr(os, "geteuid", lambda: 0)
    nslab_testing.require_root()
    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    with pytest.raises(pytest.fail.Exception, match=r"needs root \(creates namespaces"):
        nslab_testing.require_root()


def test_diff_names_new_and_gone_lines_by_kind():
    before = {"netns": ["a"], "links": ["1 lo"], "files": []}
    after = {"netns": ["b"], "links": ["1 lo"], "files": ["/run/netns/b"]}
    assert diff(before, after) == {"netns": {"new": ["b"], "gone": ["a"]}, "files": {"new": ["/run/netns/b"], "gone": []}}
    assert diff(after, after) == {}


def test_snapshot_has_every_kind():
    s = nslab_testing.snapshot()
    assert tuple(s) == nslab_testing.KINDS
    assert s["mounts"] and s["links"], "is `ip` (iproute2) installed?"
