"""The persistent shell of a Mininet node: one bash per node, fed commands on a pipe, each
followed by a sentinel byte (Mininet's prompt, chr(127)) so the reader knows where its output
ends. State (cd, variables, background jobs) lives on between commands, as in Mininet."""
from __future__ import annotations

import os
import re
import select
import signal
import subprocess
from typing import Optional

SENTINEL = chr(127)
# A command ending in '&' reports its job's PID on a line of its own, behind chr(1).
_PID_MARKER = re.compile(chr(1) + r"(\d+)\n")
SHIMS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "shims")


class Shell:
    """bash in a node of a running lab (an nslab.Node), stdout and stderr on one pipe."""

    def __init__(self, lab_node, env: dict) -> None:
        env = dict(env)
        env["PATH"] = SHIMS + ":" + env.get("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin")
        cwd = os.getcwd()
        self.proc = lab_node.popen(["bash", "--norc", "--noprofile"], stdin=subprocess.PIPE,
                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env,
                                   cwd=cwd if os.path.isdir(cwd) else "/")
        self.pid = self.proc.pid
        self.stdin = self.proc.stdin
        self.stdout = self.proc.stdout
        self.fd = self.stdout.fileno()
        self.poller = select.poll()
        self.poller.register(self.fd, select.POLLIN)
        self.waiting = False
        self.lastPid: Optional[int] = None
        self._partial = ""

    def alive(self) -> bool:
        return self.proc.poll() is None

    def write(self, data: str) -> None:
        self.stdin.write(data.encode())

    def send(self, cmd: str) -> None:
        if cmd.rstrip().endswith("&"):
            cmd = cmd.rstrip() + ' printf "\\001%d\\012" $! '
        self.write(cmd + "\nprintf '\\177'\n")
        self.lastPid = None
        self.waiting = True

    def readable(self, timeoutms: Optional[int]) -> bool:
        return bool(self.poller.poll(-1 if timeoutms is None else timeoutms))

    def read(self, size: int = 1024) -> str:
        data = os.read(self.fd, size)
        if not data:
            self.waiting = False  # the shell is gone: nothing more will come
        return data.decode("utf-8", "replace")

    def monitor(self, timeoutms: Optional[int] = None) -> str:
        """What the shell wrote next (waiting at most `timeoutms`), without the markers; clears
        `waiting` when the sentinel arrives."""
        if not self.readable(timeoutms):
            return ""
        data = self._partial + self.read(1024)
        self._partial = ""
        if chr(1) in data:
            tail = data[data.rindex(chr(1)):]
            if "\n" not in tail:  # the marker is split across reads: keep it for the next one
                self._partial, data = tail, data[:data.rindex(chr(1))]
            found = _PID_MARKER.findall(data)
            if found:
                self.lastPid = int(found[0])
                data = _PID_MARKER.sub("", data)
        if SENTINEL in data:
            self.waiting = False
            data = data.replace(SENTINEL, "")
        return data

    def wait_output(self) -> str:
        out = []
        while self.waiting:
            out.append(self.monitor())
        return "".join(out)

    def interrupt(self) -> None:
        """Mininet sends ^C to a terminal; here the foreground command gets SIGINT. Background
        jobs of a non-interactive bash ignore SIGINT, so signalling every child of the shell
        reaches just the foreground one."""
        for pid in children(self.pid):
            try:
                os.kill(pid, signal.SIGINT)
            except ProcessLookupError:
                pass

    def close(self) -> None:
        if self.alive():
            # Our own child: its PID cannot have been reused before we reap it.
            self.proc.kill()
        for f in (self.stdin, self.stdout):
            try:
                f.close()
            except OSError:
                pass
        self.proc.wait()


def children(pid: int) -> list[int]:
    """PIDs (the host's) whose parent is `pid`."""
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            return [int(p) for p in f.read().split()]
    except OSError:
        pass
    out = []
    for p in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{p}/stat") as f:
                if int(f.read().rsplit(")", 1)[1].split()[1]) == pid:
                    out.append(int(p))
        except (OSError, IndexError, ValueError):
            continue
    return out
