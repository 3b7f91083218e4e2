"""Simulated hosts for multi-host tests (issue 19): a fleet of N "machines" and one control
machine "ctl" on one machine, each a node of an *outer* nslab lab made with nslab's own
Python API.

Each simulated host is an outer node with its own network, mount, PID, UTS and IPC namespaces
(nslab's defaults), a private /tmp (nslab's default) and a private /run (``private_dirs``), so
an nslab run inside it keeps its state (/run/nslab) and pins (/run/netns) there, apart from
the real host's and from the other simulated hosts'. The hosts and ctl sit on one switch,
"underlay" (10.99.0.0/24: h1 = .1, h2 = .2, ..., ctl = .254). Each host runs an OpenSSH
``sshd`` on its underlay address, with a host key, a client key and a config made for the
fleet in a temporary directory of the real host, bound read-only into every node at
/run/fleet (nothing of the real host's /etc/ssh is used). ctl reaches every host as
``root@10.99.0.N`` with that key, as the starter of a multi-host lab (``lab up --hosts``) or
Ansible would.

    with Fleet(3) as fleet:
        fleet.ctl.run(fleet.ssh_argv("h1") + ["hostname"])   # a Result
        fleet.ssh("h2", "lab status --json")                  # the same, through ssh from ctl
        fleet["h3"].run("ip -br addr")                        # directly in the host
        json.dump(fleet.hosts_json(), ...)                    # HOSTS.json for `lab up --hosts`

Leaving the block takes the outer lab down: every process of the simulated hosts (sshd, inner
keepers and inner nodes, which live in nested PID namespaces) dies with its host's PID
namespace, and the inner pins and mounts with its mount namespace. What a simulated host
cannot hide is listed in docs/multihost.md (cgroups, and directories an inner lab creates on
the shared filesystem).
"""
from __future__ import annotations

import contextlib
import os
import pathlib
import shutil
import subprocess
import tempfile
import time
from typing import Any, Optional, Sequence, Union

import nslab
from nslab.pytest_plugin import unique_name

import nslab_testing

SUBNET = "10.99.0"
CTL_ADDRESS = f"{SUBNET}.254"
FLEET_DIR = "/run/fleet"  # where every node sees the keys and configs (read-only)
KEY = f"{FLEET_DIR}/id_ed25519"

SSH_OPTIONS = ["-F", "/dev/null", "-i", KEY, "-o", "StrictHostKeyChecking=no",
               "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR",
               "-o", "BatchMode=yes", "-o", "ConnectTimeout=5"]

SSHD_CONFIG = """\
# sshd for a simulated host of tests/python/fleet.py: nothing of /etc/ssh is used.
Port 22
ListenAddress {address}
HostKey {dir}/ssh_host_ed25519_key
AuthorizedKeysFile {dir}/authorized_keys
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
PidFile none
PrintMotd no
Subsystem sftp internal-sftp
"""


def lab_binary() -> str:
    """The `lab` to run in the hosts: the test build's (BUILD_DIR, else build/ of this
    checkout), else the one next to the nslab module on PYTHONPATH (build/python/nslab)."""
    if os.access(nslab_testing.LAB, os.X_OK):
        return nslab_testing.LAB
    beside = pathlib.Path(nslab.__file__).resolve().parents[2] / "cli" / "lab"
    if os.access(beside, os.X_OK):
        return str(beside)
    raise RuntimeError(f"no lab binary at {nslab_testing.LAB} or {beside}: set BUILD_DIR")


def checkout_mounts() -> list[dict]:
    """A machine's /tmp is its own, so a checkout or build under the real host's /tmp (a CI
    clone) would be out of its sight: mounted at the same path, read-only."""
    paths: list[str] = []
    for p in sorted({str(nslab_testing.ROOT), str(pathlib.Path(lab_binary()).resolve().parents[1])}):
        if p.startswith("/tmp/") and not any(p.startswith(q + "/") for q in paths):
            paths.append(p)
    return [{"source": p, "target": p, "readonly": True} for p in paths]


Command = Union[str, Sequence[str]]


class Machine:
    """ctl or a simulated host: a node of the outer lab."""

    def __init__(self, fleet: "Fleet", name: str, address: str) -> None:
        self.fleet, self.name, self.address = fleet, name, address

    @property
    def node(self) -> nslab.Node:
        return self.fleet.lab[self.name]

    def run(self, cmd: Command, **kw: Any) -> "nslab.process.Result":
        """Runs `cmd` in the machine (Node.run: a string through /bin/sh -c, a list as argv)."""
        kw.setdefault("timeout", 60)
        return self.node.run(cmd, **kw)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name} {self.address}>"


class Host(Machine):
    """A simulated host running sshd."""

    @property
    def ssh_target(self) -> str:
        return f"root@{self.address}"


class Fleet:
    """N simulated hosts h1..hN and ctl; a context manager (see the module's text)."""

    def __init__(self, n: int = 3, *, name: Optional[str] = None, lab: Optional[str] = None,
                 namespaces: Optional[list[str]] = None) -> None:
        if not 1 <= n <= 200:
            raise ValueError("a fleet has 1 to 200 hosts")
        self.n = n
        self.name = name or unique_name("fleet")
        self.lab_path = lab or lab_binary()
        # The hosts' namespaces besides net (None: nslab's default, uts mnt pid ipc).
        self.namespaces = namespaces
        self.lab: Optional[nslab.Lab] = None
        self.dir: Optional[str] = None
        self.hosts: dict[str, Host] = {f"h{i}": Host(self, f"h{i}", f"{SUBNET}.{i}") for i in range(1, n + 1)}
        self.ctl = Machine(self, "ctl", CTL_ADDRESS)

    # -- what the outer lab is ---------------------------------------------------------------

    def topology(self) -> dict:
        node: dict[str, Any] = {"kind": "host", "private_dirs": ["/run"],
                                "mounts": [{"source": self.dir, "target": FLEET_DIR, "readonly": True}]
                                + checkout_mounts()}
        if self.namespaces is not None:
            node["namespaces"] = list(self.namespaces)
        nodes: dict[str, Any] = {m: dict(node, hostname=m) for m in list(self.hosts) + ["ctl"]}
        for h in self.hosts:
            # sshd is started by the topology's exec, in the background, so that its parent
            # is the node's init, not this process. (A process of Node.spawn is a child of the
            # Python process: when its node is killed it stays a zombie until Python reaps it,
            # and the node's init waits for it in zap_pid_ns_processes, so lab.remove_node,
            # which waits for the init, never returns.) Its log is the node's exec log,
            # /run/nslab/<outer lab>/logs/<host>.log.
            nodes[h]["exec"] = ["mkdir -p -m 0755 /run/sshd",
                                f"/usr/sbin/sshd -D -e -f {FLEET_DIR}/sshd_config_{h} </dev/null &"]
        nodes["underlay"] = {"kind": "switch"}
        links = [{"endpoints": [f"{m.name}:eth0", "underlay"], "ipv4": [f"{m.address}/24", None]}
                 for m in list(self.hosts.values()) + [self.ctl]]
        return {"name": self.name, "nodes": nodes, "links": links}

    def _keys(self) -> None:
        d = self.dir
        assert d is not None
        for key, comment in (("ssh_host_ed25519_key", "fleet-host"), ("id_ed25519", "fleet-ctl")):
            subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", f"{d}/{key}"],
                           check=True, capture_output=True)
        shutil.copy(f"{d}/id_ed25519.pub", f"{d}/authorized_keys")
        for h in self.hosts.values():
            pathlib.Path(f"{d}/sshd_config_{h.name}").write_text(SSHD_CONFIG.format(address=h.address, dir=FLEET_DIR))
        os.chmod(d, 0o755)

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self, timeout: float = 20.0) -> "Fleet":
        self.dir = tempfile.mkdtemp(prefix="nslab-fleet-")
        try:
            self._keys()
            self.lab = nslab.Lab(name=self.name)
            self.lab.up(self.topology())
            self.wait_ssh(list(self.hosts), timeout)
        except BaseException:
            self.stop()
            raise
        return self

    def wait_ssh(self, hosts: Sequence[str], timeout: float = 20.0) -> None:
        """Waits until ctl logs into each of `hosts` with the fleet's key."""
        deadline = time.monotonic() + timeout
        for name in hosts:
            while True:
                r = self.ssh(name, "true", timeout=10)
                if r.exit_code == 0:
                    break
                if time.monotonic() > deadline:
                    raise RuntimeError(f"ctl cannot ssh into {name} ({self.hosts[name].address}): "
                                       f"{r.stderr.strip()[-2000:]}\nsshd's log: {self.sshd_log(name)[-2000:]}")
                time.sleep(0.1)

    def sshd_log(self, host: str) -> str:
        """What the host's sshd wrote (its exec log in the outer lab's state)."""
        try:
            return pathlib.Path(f"/run/nslab/{self.name}/logs/{host}.log").read_text(errors="replace")
        except OSError as e:
            return f"(cannot read it: {e.strerror})"

    def stop(self) -> None:
        """Takes the outer lab down (and with it every simulated host) and removes the keys."""
        try:
            if self.lab is not None:
                self.lab.down()
        finally:
            self.lab = None
            if self.dir:
                shutil.rmtree(self.dir, ignore_errors=True)
                self.dir = None

    def __enter__(self) -> "Fleet":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def kill(self, host: str) -> None:
        """The host dies: its outer node is removed from the outer lab (its init killed, so
        every process in its PID namespace, sshd and any inner lab, dies; its link to the
        underlay goes)."""
        assert self.lab is not None
        self.lab.remove_node(host)

    # -- using it ----------------------------------------------------------------------------

    def __getitem__(self, name: str) -> Machine:
        return self.ctl if name == "ctl" else self.hosts[name]

    def ssh_argv(self, host: str) -> list[str]:
        """ssh from ctl into `host`, without the remote command."""
        return ["ssh", *SSH_OPTIONS, self.hosts[host].ssh_target]

    def ssh(self, host: str, command: str, **kw: Any) -> "nslab.process.Result":
        """Runs the shell command `command` on `host` through ssh from ctl (``input=`` feeds
        its stdin)."""
        return self.ctl.run(self.ssh_argv(host) + [command], **kw)

    def hosts_json(self, nodes: Optional[dict[str, str]] = None) -> dict:
        """HOSTS.json for ``lab up FILE --hosts HOSTS.json`` run in ctl (paths as ctl sees
        them); `nodes` places topology nodes on hosts ({"r1": "h1"}), or is left out."""
        out: dict[str, Any] = {"hosts": {h.name: {"address": h.address, "ssh": h.ssh_target,
                                                  "ssh_options": list(SSH_OPTIONS), "lab": self.lab_path}
                                         for h in self.hosts.values()}}
        if nodes is not None:
            out["nodes"] = dict(nodes)
        return out

    def inventory(self, group: str = "nslab", hostvars: Optional[dict[str, dict[str, str]]] = None) -> str:
        """An Ansible INI inventory of the hosts for ansible-playbook run in ctl: group
        `group`, key auth as root, no host key checks, Debian's python3; `hostvars` adds
        per-host variables."""
        lines = [f"[{group}]"]
        for h in self.hosts.values():
            extra = " ".join(f"{k}={v}" for k, v in (hostvars or {}).get(h.name, {}).items())
            lines.append(f"{h.name} ansible_host={h.address} {extra}".rstrip())
        ssh_args = " ".join(a for a in SSH_OPTIONS if a not in ("-F", "/dev/null", "-i", KEY))
        lines += ["", f"[{group}:vars]", "ansible_user=root", f"ansible_ssh_private_key_file={KEY}",
                  "ansible_python_interpreter=/usr/bin/python3", "ansible_host_key_checking=false",
                  f"ansible_ssh_common_args='{ssh_args}'", f"nslab_lab_bin={self.lab_path}", ""]
        return "\n".join(lines)


def leftovers(before: dict, timeout: float = 20.0) -> dict:
    """What the real host has now that it did not have in the snapshot `before`
    (nslab_testing.snapshot()), after waiting (bounded) for it to go: {kind: [lines]}. Only
    what is new counts: what went meanwhile (another lab's dying process) is not ours."""
    deadline = time.monotonic() + timeout
    while True:
        nslab_testing.reap()
        new = {k: v["new"] for k, v in nslab_testing.diff(before, nslab_testing.snapshot()).items() if v["new"]}
        if not new or time.monotonic() > deadline:
            return new
        time.sleep(0.1)


@contextlib.contextmanager
def clean_fleet(n: int = 3):
    """A Fleet of `n` hosts; after it, the check that it left nothing on the real host."""
    before = nslab_testing.snapshot()
    with Fleet(n) as f:
        yield f
    left = leftovers(before)
    assert not left, f"the fleet left this on the host: {left}"
