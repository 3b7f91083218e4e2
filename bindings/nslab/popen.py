"""Node.popen: a process in a node behind subprocess.Popen's interface, so code written for
subprocess (and harnesses ported from other tools) drives node processes unchanged."""
from __future__ import annotations

import io
import os
import signal
import subprocess
import threading
from typing import IO, Any, Callable, Optional

from .process import _exited_within


class Popen:
    """A process started in a node by ``Node.popen``. Like ``subprocess.Popen``: ``pid`` (the
    host's PID; ``node.node_pid(p.pid)`` gives the node's), ``stdin``/``stdout``/``stderr``
    (file objects where ``subprocess.PIPE`` was asked for), ``poll``, ``wait``, ``communicate``,
    ``send_signal``, ``terminate``, ``kill``, ``returncode`` (negative: ended by that signal),
    and use as a context manager. It leads its own process group."""

    def __init__(self, spawn: Callable[[int, int, int], int], args: Any, stdin: Any, stdout: Any,
                 stderr: Any, text: bool) -> None:
        self.args = args
        self.returncode: Optional[int] = None
        self.stdin: Optional[IO[Any]] = None
        self.stdout: Optional[IO[Any]] = None
        self.stderr: Optional[IO[Any]] = None
        close_after: list[int] = []  # the child's ends, ours to close once it has them
        ours: list[int] = []         # our ends of its pipes

        def child_end(spec: Any, reading: bool) -> tuple[int, Optional[int]]:
            """(fd the child gets, our end of a pipe or None)."""
            if spec is None:
                return -1, None  # inherited, as subprocess does
            if spec == subprocess.PIPE:
                r, w = os.pipe()
                mine, theirs = (w, r) if reading else (r, w)
                close_after.append(theirs)
                ours.append(mine)
                return theirs, mine
            if spec == subprocess.DEVNULL:
                fd = os.open(os.devnull, os.O_RDONLY if reading else os.O_WRONLY)
                close_after.append(fd)
                return fd, None
            if isinstance(spec, int) and spec >= 0:
                return spec, None
            if hasattr(spec, "fileno"):
                return spec.fileno(), None
            raise ValueError(f"Node.popen: unsupported stream {spec!r}")

        try:
            in_fd, in_mine = child_end(stdin, reading=True)
            out_fd, out_mine = child_end(stdout, reading=False)
            if stderr == subprocess.STDOUT:
                err_fd, err_mine = (out_fd if out_fd >= 0 else 1), None
            else:
                err_fd, err_mine = child_end(stderr, reading=False)
            self.pid = spawn(in_fd, out_fd, err_fd)
        except BaseException:
            for fd in close_after + ours:
                os.close(fd)
            raise
        for fd in close_after:
            os.close(fd)

        def wrap(fd: Optional[int], mode: str) -> Optional[IO[Any]]:
            if fd is None:
                return None
            if text:
                return io.open(fd, mode, encoding="utf-8", errors="replace", newline=None if "r" in mode else "")
            return io.open(fd, mode + "b", buffering=0 if "w" in mode else -1)

        self.stdin, self.stdout, self.stderr = wrap(in_mine, "w"), wrap(out_mine, "r"), wrap(err_mine, "r")

    def __repr__(self) -> str:
        return f"<nslab.Popen: returncode: {self.returncode} args: {self.args!r}>"

    def _reaped(self, status: int) -> int:
        self.returncode = -os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status)
        return self.returncode

    def poll(self) -> Optional[int]:
        if self.returncode is None:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid == self.pid:
                self._reaped(status)
        return self.returncode

    def wait(self, timeout: Optional[float] = None) -> int:
        if self.returncode is not None:
            return self.returncode
        if timeout is not None and not _exited_within(self.pid, timeout):
            raise subprocess.TimeoutExpired(self.args, timeout)
        _, status = os.waitpid(self.pid, 0)
        return self._reaped(status)

    def communicate(self, input: Any = None, timeout: Optional[float] = None) -> tuple[Any, Any]:
        """Send `input`, read stdout and stderr to their end, wait: (stdout, stderr), each None
        where no pipe was asked for. ``subprocess.TimeoutExpired`` after `timeout`; the process
        keeps running, and a later communicate() goes on."""
        got: dict[str, list[Any]] = {"out": [], "err": []}

        def reader(stream: IO[Any], key: str) -> None:
            got[key].append(stream.read())

        def writer() -> None:
            try:
                if input:
                    self.stdin.write(input)  # type: ignore[union-attr]
            except BrokenPipeError:
                pass
            finally:
                try:
                    self.stdin.close()  # type: ignore[union-attr]
                except BrokenPipeError:
                    pass

        threads = []
        if self.stdin is not None and not self.stdin.closed:
            threads.append(threading.Thread(target=writer, daemon=True))
        for stream, key in ((self.stdout, "out"), (self.stderr, "err")):
            if stream is not None and not stream.closed:
                threads.append(threading.Thread(target=reader, args=(stream, key), daemon=True))
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout)
            if t.is_alive():
                raise subprocess.TimeoutExpired(self.args, timeout or 0.0)
        self.wait(timeout)
        out = got["out"][0] if got["out"] else None
        err = got["err"][0] if got["err"] else None
        for s in (self.stdout, self.stderr):
            if s is not None:
                s.close()
        return out, err

    def send_signal(self, sig: int) -> None:
        # Our unreaped child: its PID cannot have been reused.
        if self.poll() is None:
            os.kill(self.pid, sig)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)

    def __enter__(self) -> "Popen":
        return self

    def __exit__(self, *exc: Any) -> None:
        for s in (self.stdout, self.stderr, self.stdin):
            if s is not None:
                try:
                    s.close()
                except BrokenPipeError:
                    pass
        self.wait()
