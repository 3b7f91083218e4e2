"""A node of a running lab: run commands in it, start processes, ping, look at its state."""
from __future__ import annotations

import collections
import json as _json
import os
import subprocess
import tempfile
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Deque, Mapping, Optional, Sequence, Union

from .capture import Capture
from .errors import CommandTimeout, LabError
from .popen import Popen
from .process import Process, Result, _text

if TYPE_CHECKING:
    from .lab import Lab

Command = Union[str, Sequence[str]]


def _argv(cmd: Command, env: Optional[Mapping[str, str]] = None) -> list[str]:
    argv = ["/bin/sh", "-c", cmd] if isinstance(cmd, str) else [str(a) for a in cmd]
    if env:
        for k in env:
            if not k or "=" in k or "\0" in k:
                raise ValueError(f"env: {k!r} is not a variable name")
        # "--" keeps a key such as "-i" from being read as one of env's options.
        argv = ["/usr/bin/env", "--"] + [f"{k}={v}" for k, v in env.items()] + argv
    return argv


@dataclass(frozen=True)
class Interface:
    """An interface as the kernel reports it now."""

    name: str
    kind: str
    up: bool
    carrier: bool
    mtu: int
    mac: str
    master: str
    addresses: tuple[str, ...]


class Node:
    """One host, router or switch of a lab. ``lab["r1"]`` returns one."""

    #: How many recent command results a node keeps for failure reports.
    HISTORY = 8

    def __init__(self, lab: "Lab", info: dict) -> None:
        self._lab = lab
        self.name: str = info["name"]
        self.kind: str = info["kind"]
        self.hostname: str = info["hostname"]
        self.pid: int = info["pid"]
        #: Where the node's cgroup limits are enforced: "v2", "v1", "v1+v2", or "" (none).
        self.cgroup: str = info.get("cgroup", "")
        self.loopback: list[str] = list(info["loopback"])
        #: The routing daemons the topology runs in this node (its `frr` and `bird` keys), by
        #: process name: FRR's in the order they started ("zebra", "staticd", "ospfd"), "bird".
        self.daemons: list[str] = list(info.get("daemons", []))
        self._configured = [(n, list(a)) for n, a in info["interfaces"]]
        self.history: Deque[Result] = collections.deque(maxlen=self.HISTORY)

    def __repr__(self) -> str:
        return f"<Node {self._lab.name}.{self.name} {self.kind} pid={self.pid}>"

    def run(self, cmd: Command, *, timeout: Optional[float] = None, check: bool = False,
            input: Union[str, bytes, None] = None, env: Optional[Mapping[str, str]] = None,
            cwd: Union[str, os.PathLike, None] = None, stderr: Optional[int] = None) -> Result:
        """Run `cmd` in the node and wait for it. A string runs through ``/bin/sh -c``, a list
        is the argv. Returns a Result whatever the exit code (``check=True`` raises CommandError
        instead); raises CommandTimeout, after killing the command's process group, if it runs
        longer than `timeout` seconds. Output is captured until the command exits; background
        processes it starts should write elsewhere (or use spawn). `cwd` is a directory inside
        the node (KernelError if the node lacks it); ``stderr=subprocess.STDOUT`` merges stderr
        into stdout, in the order the command wrote them."""
        if stderr not in (None, subprocess.STDOUT):
            raise ValueError("Node.run: stderr is None or subprocess.STDOUT (use popen for pipes or files)")
        data = input.encode() if isinstance(input, str) else (input or b"")
        t0 = time.monotonic()
        code, out, err, timed_out = self._lab._h().run(self.name, _argv(cmd, env), timeout, data,
                                                        os.fspath(cwd) if cwd is not None else "",
                                                        stderr == subprocess.STDOUT)
        res = Result(self.name, cmd, code, _text(out), _text(err), time.monotonic() - t0)
        self.history.append(res)
        if timed_out:
            raise CommandTimeout(cmd, timeout or 0.0, res.stdout, res.stderr)
        return res.check() if check else res

    def cmd(self, cmd: Command, timeout: Optional[float] = 60.0) -> str:
        """Mininet-style: run `cmd` and return its stdout and stderr as one string."""
        r = self.run(cmd, timeout=timeout)
        return r.stdout + r.stderr

    def spawn(self, cmd: Command, *, env: Optional[Mapping[str, str]] = None) -> Process:
        """Start `cmd` in the node and return at once. Its output goes to temporary files
        (``Process.output()``); it leads its own process group; it dies with the node at
        the latest."""
        out = tempfile.TemporaryFile(prefix=f"nslab-{self.name}-out-")
        err = tempfile.TemporaryFile(prefix=f"nslab-{self.name}-err-")
        devnull = os.open(os.devnull, os.O_RDONLY)
        try:
            pid = self._lab._h().spawn(self.name, _argv(cmd, env), devnull, out.fileno(), err.fileno())
        finally:
            os.close(devnull)
        return Process(self.name, cmd, pid, out, err)

    def popen(self, cmd: Command, stdin: Any = None, stdout: Any = None, stderr: Any = None, *,
              cwd: Union[str, os.PathLike, None] = None, env: Optional[Mapping[str, str]] = None,
              text: bool = False) -> Popen:
        """Start `cmd` in the node behind ``subprocess.Popen``'s interface: streams are None
        (inherited), ``subprocess.PIPE``, ``DEVNULL``, ``STDOUT`` (for stderr), a file or a
        descriptor; `cwd` is a directory inside the node; `text` gives str streams."""
        argv = _argv(cmd, env)
        handle = self._lab._h()
        where = os.fspath(cwd) if cwd is not None else ""
        return Popen(lambda i, o, e: handle.spawn(self.name, argv, i, o, e, where), cmd, stdin, stdout, stderr, text)

    def host_pid(self, pid: int) -> int:
        """The host's PID of the process that is ``pid`` inside this node (a daemon's pid file
        holds that), e.g. to signal it from the test: ``os.kill(node.host_pid(pid), SIGHUP)``.
        Raises LabError if the node has no such process."""
        return self._lab._h().host_pid(self.name, int(pid))

    def node_pid(self, host_pid: int) -> int:
        """The PID inside this node of the host's process ``host_pid`` (e.g. ``spawn(...).pid``).
        Raises LabError if that process is not in this node."""
        return self._lab._h().node_pid(self.name, int(host_pid))

    def vtysh(self, cmd: Union[str, Sequence[str]], json: bool = False, timeout: float = 30.0) -> Any:
        """Run FRR's ``vtysh`` in the node: `cmd` is one command, or a list run in order by one
        vtysh (``["configure terminal", "router ospf", "passive-interface eth1"]``). Returns its
        output; with ``json=True`` (one command; `` json`` is appended when missing) the parsed
        JSON ({} when the daemons print nothing). Raises CommandError (node, command, output)
        when vtysh fails or a daemon refuses a command, LabError when the output is not JSON."""
        cmds = [cmd] if isinstance(cmd, str) else list(cmd)
        if json:
            if len(cmds) != 1:
                raise ValueError("Node.vtysh: json=True takes one command")
            if not cmds[0].rstrip().endswith(" json"):
                cmds[0] = cmds[0].rstrip() + " json"
        argv = ["vtysh"]
        for c in cmds:
            argv += ["-c", c]
        res = self.run(argv, timeout=timeout).check()  # vtysh exits 1 when a daemon refuses a command
        if not json:
            return res.stdout
        if not res.stdout.strip():
            return {}  # what a daemon with nothing to show prints (no `router ospf`, say)
        try:
            return _json.loads(res.stdout)
        except ValueError:
            raise LabError(f"vtysh -c {cmds[0]!r} in {self.name}: the output is not JSON: {res.stdout.strip()[:500]}",
                           node=self.name) from None

    def birdc(self, cmd: str, timeout: float = 30.0) -> str:
        """Run ``birdc`` on the node's BIRD (its control socket /run/bird/bird.ctl) and return
        the output. Raises CommandError (node, command, output) when BIRD refuses the command
        or answers with an error (birdc then exits non-zero)."""
        return self.run(["birdc", "-s", "/run/bird/bird.ctl"] + cmd.split(), timeout=timeout).check().stdout

    def daemon_logs(self, lines: int = 20) -> dict[str, str]:
        """The last `lines` lines of each daemon's log in the node ({"zebra": "...", ...}):
        FRR's in /var/log/frr, BIRD's /run/bird/bird.log; what a failed test's report shows."""
        out: dict[str, str] = {}
        names = list(self.daemons)
        if any(d != "bird" for d in names) and "mgmtd" not in names:
            names.insert(1, "mgmtd")
        for d in names:
            path = "/run/bird/bird.log" if d == "bird" else f"/var/log/frr/{d}.log"
            # Not through run(): the report shows run()'s history, which this would fill.
            code, text, err, _ = self._lab._h().run(self.name, ["tail", "-n", str(int(lines)), path], 10.0, b"", "", False)
            if code == 0:
                out[d] = _text(text)
            elif d != "mgmtd":
                out[d] = f"(cannot read {path}: {_text(err).strip()})"
        return out

    def ping(self, dst: str, timeout: float = 2.0) -> bool:
        """True if `dst` (an address, or a node name: its first IPv4 address, loopback first, else
        its first IPv6 one, as `lab ping` picks it) answers an ICMP echo sent from a raw socket
        inside this node within `timeout` seconds."""
        return self._lab._ping_one(self.name, dst, timeout)

    def interfaces(self) -> list[Interface]:
        """The node's interfaces as the kernel reports them now."""
        info = self._lab._h().inspect(self.name)
        return [Interface(i["name"], i["kind"], i["up"], i["carrier"], i["mtu"], i["mac"], i["master"],
                          tuple(i["addresses"])) for i in info["interfaces"]]

    def addresses(self, family: Optional[int] = None, link_local: bool = False) -> list[str]:
        """Addresses ("10.0.0.1/24") on the node's interfaces now; `family` 4 or 6 filters."""
        out = []
        for i in self.interfaces():
            for a in i.addresses:
                v6 = ":" in a
                if family and family != (6 if v6 else 4):
                    continue
                if v6 and a.lower().startswith("fe80") and not link_local:
                    continue
                if a.startswith("127.") or a == "::1/128":
                    continue
                out.append(a)
        return out

    def routes(self) -> list[str]:
        """The main routing table, IPv4 then IPv6, one line per route."""
        return list(self._lab._h().inspect(self.name, routes=True)["routes"])

    def configured_addresses(self) -> list[str]:
        """Addresses the topology gives this node (loopback first), without asking the kernel."""
        return self.loopback + [a for _, addrs in self._configured for a in addrs]

    def capture(self, iface: str, path: Union[str, os.PathLike, None] = None, *, count: Optional[int] = None,
                timeout: Optional[float] = None, **kw: Any) -> Capture:
        """Start capturing on interface `iface` of this node (any it has: a link's end, lo, a
        switch's bridge); see `nslab.capture.Capture`."""
        return Capture(self._lab, f"{self.name}:{iface}", path, count=count, timeout=timeout, **kw)
