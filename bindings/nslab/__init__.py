"""nslab: networks of Linux namespaces for tests.

    import nslab
    with nslab.Lab.from_file("topologies/triangle.json") as lab:
        assert lab["r1"].run("ping -c1 10.0.0.3").ok
        print(lab.ping_all())
"""
from .capture import Capture, Packet
from .errors import (CommandError, CommandTimeout, KernelError, LabError, NetlinkError, NslabError,
                     TopologyError)
from .lab import Change, Lab
from .link import Link
from .node import Interface, Node
from .ping import PingMatrix, PingResult
from .popen import Popen
from .process import Process, Result
from . import _nslab


def labs() -> list[str]:
    """Names of the labs on this machine."""
    return list(_nslab.list_labs())


def down(name: str) -> None:
    """Take the lab `name` down, whoever started it."""
    _nslab.down(name)


def clean() -> list[str]:
    """Remove what crashed runs left; returns the labs cleaned. What may belong to a live lab
    (another state dir's) is left alone. Raises LabError naming what a dead lab left and could
    not be removed (another user's cgroups, processes that would not exit)."""
    labs, _processes, _kept, failed = _nslab.clean()
    if failed:
        raise LabError("lab clean could not remove: " + "; ".join(failed))
    return list(labs)


def validate(topology: "str | dict", name: str = "") -> tuple[str, int, int]:
    """Check a topology (path, dict or JSON text) without building it: (lab name, nodes, links).
    Raises TopologyError listing every problem (a `frr`/`bird` config file that cannot be read
    among them)."""
    from .lab import _load
    text, source, workdir = _load(topology)
    return tuple(_nslab.validate(text, name, source, workdir))  # type: ignore[return-value]


__all__ = ["Lab", "Change", "Node", "Link", "Capture", "Packet", "Interface", "Result", "Process", "Popen", "PingMatrix", "PingResult",
           "NslabError", "TopologyError", "LabError", "KernelError", "NetlinkError", "CommandTimeout",
           "CommandError", "labs", "down", "clean", "validate"]
