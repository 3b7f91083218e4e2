"""Results of commands run in nodes, and processes left running in them."""
from __future__ import annotations

import os
import select
import signal
import time
from dataclasses import dataclass, field
from typing import IO, Optional

from .errors import CommandError, CommandTimeout


def _exited_within(pid: int, timeout: Optional[float]) -> bool:
    """Whether our child `pid` has exited within `timeout` seconds (None: waits), unreaped."""
    fd = os.pidfd_open(pid)
    try:
        ready, _, _ = select.select([fd], [], [], timeout)
    finally:
        os.close(fd)
    return bool(ready)


def _text(b: bytes) -> str:
    return b.decode("utf-8", errors="replace")


@dataclass
class Result:
    """What a finished command left: exit code (128+signal when killed) and its output."""

    node: str
    cmd: object
    exit_code: int
    stdout: str
    stderr: str
    duration: float = 0.0

    @property
    def ok(self) -> bool:
        """True when the command exited with 0."""
        return self.exit_code == 0

    def check(self) -> "Result":
        """Return self, or raise CommandError when the command failed."""
        if not self.ok:
            raise CommandError(self)
        return self

    def __str__(self) -> str:
        return self.stdout


@dataclass
class Process:
    """A process running in a node (from Node.spawn). It leads its own process group, so
    kill() also ends what it started. Its output is collected into files you can read any time
    with ``output()``, so it can never block on a full pipe."""

    node: str
    cmd: object
    pid: int
    _out: Optional[IO[bytes]] = field(default=None, repr=False)
    _err: Optional[IO[bytes]] = field(default=None, repr=False)
    returncode: Optional[int] = None
    _owner: int = field(default_factory=os.getpid, repr=False)

    def poll(self) -> Optional[int]:
        """The exit code if the process has ended, else None."""
        if self.returncode is None and os.getpid() == self._owner:
            try:
                pid, status = os.waitpid(self.pid, os.WNOHANG)
            except ChildProcessError:
                self.returncode = -1
                return self.returncode
            if pid:
                self.returncode = os.waitstatus_to_exitcode(status)
                if self.returncode < 0:
                    self.returncode = 128 - self.returncode
        return self.returncode

    def wait(self, timeout: Optional[float] = None) -> int:
        """Wait for the process to end and return its exit code; CommandTimeout after `timeout`."""
        if self.poll() is not None:
            return self.returncode  # type: ignore[return-value]
        if not _exited_within(self.pid, timeout):
            raise CommandTimeout(self.cmd, timeout or 0.0, *self.output())
        while self.poll() is None:
            time.sleep(0.001)
        return self.returncode  # type: ignore[return-value]

    def signal(self, sig: int) -> None:
        """Send `sig` to the process group."""
        if self.poll() is None:
            try:
                os.killpg(self.pid, sig)
            except ProcessLookupError:
                pass

    def terminate(self) -> None:
        """SIGTERM to the process group."""
        self.signal(signal.SIGTERM)

    def kill(self) -> int:
        """SIGKILL to the process group; waits and returns the exit code."""
        self.signal(signal.SIGKILL)
        return self.wait()

    def output(self) -> tuple[str, str]:
        """Everything written to stdout and stderr so far."""
        def read(f: Optional[IO[bytes]]) -> str:
            if f is None:
                return ""
            f.seek(0)
            return _text(f.read())
        return read(self._out), read(self._err)

    @property
    def stdout(self) -> str:
        """Everything written to stdout so far."""
        return self.output()[0]

    @property
    def stderr(self) -> str:
        """Everything written to stderr so far."""
        return self.output()[1]

    def __enter__(self) -> "Process":
        return self

    def __exit__(self, *exc: object) -> None:
        if self.poll() is None:
            self.kill()
