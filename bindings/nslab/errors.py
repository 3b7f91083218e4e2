"""Exceptions raised by nslab. The C++ engine's errors arrive as these classes."""
from __future__ import annotations


class NslabError(Exception):
    """Base class of every nslab error."""


class TopologyError(NslabError, ValueError):
    """The topology is invalid. ``issues`` lists every problem as (JSON pointer, message)."""

    def __init__(self, message: str, issues: list[tuple[str, str]] | None = None) -> None:
        super().__init__(message)
        self.issues: list[tuple[str, str]] = list(issues or [])

    @property
    def pointer(self) -> str:
        """JSON pointer of the first problem ("" for the document itself)."""
        return self.issues[0][0] if self.issues else ""


class LabError(NslabError):
    """The lab could not do what was asked: no such lab or node, a failed exec command, ...
    When the failure was at a known place of the lab (a failed exec command), ``node``,
    ``pointer`` and ``step`` say where, as for KernelError; each is None when not known."""

    def __init__(self, message: str = "", node: str | None = None, pointer: str | None = None,
                 step: str | None = None) -> None:
        super().__init__(message)
        self.node = node or None
        self.pointer = pointer or None
        self.step = step or None


class KernelError(NslabError, OSError):
    """A system call failed. ``errno`` is set; the message names the operation. When it failed
    while a lab was built, ``node`` names the node, ``pointer`` the topology object (a JSON
    pointer, e.g. "/nodes/r1/routes/0") and ``step`` the step of the plan or of the node's init
    (e.g. "route r1 10.9.0.0/24"); each is None when not known."""

    def __init__(self, errno: int, message: str, node: str | None = None, pointer: str | None = None,
                 step: str | None = None) -> None:
        OSError.__init__(self, errno, message)
        self.node = node or None
        self.pointer = pointer or None
        self.step = step or None


class NetlinkError(KernelError):
    """The kernel refused a netlink request. ``ext_ack`` holds its extended-ACK text, ``what``
    the object it concerned (e.g. "add route 10.0.0.0/8 via 10.1.0.2 (/nodes/r1/routes/0)");
    ``node``, ``pointer`` and ``step`` as for KernelError."""

    def __init__(self, errno: int, message: str, ext_ack: str = "", what: str = "", node: str | None = None,
                 pointer: str | None = None, step: str | None = None) -> None:
        super().__init__(errno, message, node, pointer, step)
        self.ext_ack = ext_ack
        self.what = what


class CommandTimeout(NslabError, TimeoutError):
    """A command ran longer than its timeout; it was killed with its process group."""

    def __init__(self, cmd: object, timeout: float, stdout: str = "", stderr: str = "") -> None:
        super().__init__(f"command {cmd!r} did not finish within {timeout:g} s")
        self.cmd, self.timeout, self.stdout, self.stderr = cmd, timeout, stdout, stderr


class CommandError(NslabError):
    """A command run with ``check=True`` exited non-zero. ``result`` holds its Result."""

    def __init__(self, result: "object") -> None:
        r = result
        super().__init__(f"command {r.cmd!r} in {r.node} exited with {r.exit_code}: {r.stderr.strip() or r.stdout.strip()}")  # type: ignore[attr-defined]
        self.result = result
