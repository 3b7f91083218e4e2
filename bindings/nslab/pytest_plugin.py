"""pytest plugin: ``lab`` fixtures, ``@pytest.mark.topology``, failure reports, --nslab-keep.

Enable with ``pytest_plugins = ["nslab.pytest_plugin"]`` in a conftest.py (or ``-p
nslab.pytest_plugin``). Each test gets a lab with a unique name, so ``pytest -n 2`` runs labs
side by side; a lab dies with the test process even on ``kill -9``.
"""
from __future__ import annotations

import itertools
import os
import pathlib
import re
from typing import Iterator

import pytest

from .lab import Lab

_counter = itertools.count(1)


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("nslab")
    group.addoption("--nslab-keep", action="store_true", default=False,
                    help="keep the lab of a failed test up for inspection (lab status / lab down)")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "topology(path, name=None): bring the nslab lab fixture up with this topology")


def unique_name(hint: str) -> str:
    """A lab name no other test process uses: pid, a counter, and a slug of `hint`."""
    base = f"t{os.getpid():x}-{next(_counter)}"
    slug = re.sub(r"[^a-z0-9]+", "-", hint.lower()).strip("-")
    name = f"{base}-{slug}"[:32].rstrip("-")
    return name


def _topology_path(request: pytest.FixtureRequest, path: str) -> pathlib.Path:
    p = pathlib.Path(path)
    if p.is_absolute() or p.exists():
        return p
    return pathlib.Path(str(request.node.fspath)).parent / p


def _make_lab(request: pytest.FixtureRequest, hint: str) -> Lab:
    lab = Lab(name=unique_name(hint))
    marker = request.node.get_closest_marker("topology")
    if marker is not None:
        lab.up(_topology_path(request, marker.args[0]), name=marker.kwargs.get("name"))
    return lab


def _finish(request: pytest.FixtureRequest, lab: Lab, failed: bool) -> None:
    if failed and request.config.getoption("--nslab-keep") and lab.is_up:
        lab.detach()
        tr = request.config.pluginmanager.get_plugin("terminalreporter")
        if tr is not None:
            tr.write_line(f"nslab: kept lab {lab.name} up (inspect: lab status {lab.name}; remove: lab down {lab.name})")
        return
    lab.down()


@pytest.fixture
def lab(request: pytest.FixtureRequest) -> Iterator[Lab]:
    """An nslab Lab with a unique name, up already if the test has @pytest.mark.topology,
    taken down after the test."""
    lab = _make_lab(request, request.node.name)
    request.node.__dict__.setdefault("_nslab_labs", []).append(lab)
    yield lab
    rep = getattr(request.node, "_nslab_rep_call", None)
    _finish(request, lab, bool(rep is not None and rep.failed))


@pytest.fixture(scope="module")
def module_lab(request: pytest.FixtureRequest) -> Iterator[Lab]:
    """One lab shared by every test of a module (mark the module with
    ``pytestmark = pytest.mark.topology("...")``), taken down after the last."""
    lab = _make_lab(request, request.module.__name__.split(".")[-1])
    request.node.__dict__.setdefault("_nslab_labs", []).append(lab)
    yield lab
    _finish(request, lab, bool(getattr(request.node, "_nslab_failed", False)))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Iterator[None]:
    outcome = yield
    rep = outcome.get_result()
    if rep.when == "call":
        item.__dict__["_nslab_rep_call"] = rep
    if not rep.failed:
        return
    labs = list(item.__dict__.get("_nslab_labs", []))
    module = item.getparent(pytest.Module)
    if module is not None:
        module.__dict__["_nslab_failed"] = True
        labs += module.__dict__.get("_nslab_labs", [])
    for lab in labs:
        if lab.is_up:
            rep.sections.append((f"nslab lab {lab.name}", lab.report()))
            for node in lab.nodes.values():
                if node.daemons:
                    rep.sections.append((f"nslab lab {lab.name}: {node.name} daemon logs", _daemon_logs(node)))


def _daemon_logs(node) -> str:
    """The tail of each daemon's log in `node`, for a failed test's report."""
    try:
        logs = node.daemon_logs()
    except Exception as e:  # noqa: BLE001 - a report must not raise
        return f"(cannot read the daemons' logs: {e})"
    return "\n".join(f"--- {name}: last lines of its log\n{text.rstrip()}" for name, text in logs.items())
