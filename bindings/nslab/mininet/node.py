"""Mininet's nodes: Node, Host, CPULimitedHost, the switch classes (all Linux learning
bridges here) and the controller classes (accepted, and not run: a learning bridge needs no
controller)."""
from __future__ import annotations

import os
import re
import shlex
from typing import Any, Optional

from . import fabric as _fabric
from .fabric import NotSupported
from .log import debug, info, output, warn
from .shell import Shell
from .util import numCores


class Node:
    """A node: an nslab node with a persistent bash, its interfaces by port number."""

    portBase = 0
    isSwitch = False
    #: host fd of a node's shell stdout -> node (multiping.py polls them).
    outToNode: dict = {}
    inToNode: dict = {}

    def __init__(self, name: str, inNamespace: bool = True, **params: Any) -> None:
        if not inNamespace:
            raise NotSupported(
                f"Node({name!r}, inNamespace=False): nodes in the host's own network namespace are not "
                "supported by nslab-mn (a lab never touches the host's namespaces); leave inNamespace "
                "at True")
        self.name = params.get("name", name)
        self.inNamespace = True
        self.params = params
        self.intfs: dict = {}
        self.ports: dict = {}
        self.nameToIntf: dict = {}
        self._limits: dict = {}
        self._private_dirs = _private_dirs(self.name, params.get("privateDirs", []))
        self._shell: Optional[Shell] = None
        self.lastCmd: Optional[str] = None
        self.readbuf = ""
        self.fabric = _fabric.current()
        self.fabric.add_node(self)

    # -- the shell ------------------------------------------------------------------------

    @property
    def shell(self) -> Shell:
        if self._shell is None or not self._shell.alive():
            env = {"NSLAB_MN_NODE": self.name}
            if self.isSwitch:
                env["NSLAB_MN_PORTS"] = self._port_list()
            self._shell = Shell(self.fabric.lab_node(self.name), env)
            self._exported = env.get("NSLAB_MN_PORTS")
            Node.outToNode[self._shell.fd] = self
            Node.inToNode[self._shell.stdin.fileno()] = self
        return self._shell

    def _close_shell(self) -> None:
        if self._shell is not None:
            Node.outToNode.pop(self._shell.fd, None)
            Node.inToNode.pop(self._shell.stdin.fileno(), None)
            self._shell.close()
            self._shell = None

    def startShell(self, mnopts=None) -> None:
        self.shell  # noqa: B018 - starts it

    @property
    def pid(self) -> int:
        return self.shell.pid

    @property
    def stdin(self):
        return self.shell.stdin

    @property
    def stdout(self):
        return self.shell.stdout

    @property
    def waiting(self) -> bool:
        return self._shell is not None and self._shell.waiting

    @waiting.setter
    def waiting(self, value: bool) -> None:
        self.shell.waiting = value

    @property
    def lastPid(self) -> Optional[int]:
        return self._shell.lastPid if self._shell else None

    @property
    def execed(self) -> bool:
        return False

    @classmethod
    def fdToNode(cls, fd: int) -> "Node":
        node = cls.outToNode.get(fd)
        return node or cls.inToNode.get(fd)

    def _port_list(self) -> str:
        return " ".join(f"{intf.name}={port}" for intf, port in self.ports.items())

    def sendCmd(self, *args: Any, **kwargs: Any) -> None:
        """Send a command to the shell and return; waitOutput() or monitor() reads its output."""
        shell = self.shell
        if shell.waiting:
            raise RuntimeError(f"{self.name}: sendCmd while the shell still runs {self.lastCmd!r}")
        if len(args) == 1 and isinstance(args[0], (list, tuple)):
            cmd = " ".join(str(a) for a in args[0])
        else:
            cmd = " ".join(str(a) for a in args)
        if self.isSwitch and self._exported != self._port_list():
            self._exported = self._port_list()
            shell.write(f"export NSLAB_MN_PORTS={shlex.quote(self._exported)}\n")
        self.lastCmd = cmd
        shell.send(cmd)

    def sendInt(self, intr: str = chr(3)) -> None:
        self.shell.interrupt()

    def monitor(self, timeoutms: Optional[int] = None, findPid: bool = True) -> str:
        return self.shell.monitor(timeoutms)

    def waitReadable(self, timeoutms: Optional[int] = None):
        return self.shell.readable(timeoutms)

    def read(self, size: int = 1024) -> str:
        if self.readbuf:
            data, self.readbuf = self.readbuf[:size], self.readbuf[size:]
            return data
        return self.shell.read(size)

    def readline(self) -> Optional[str]:
        while "\n" not in self.readbuf:
            data = self.shell.read(1024)
            if not data:
                line, self.readbuf = self.readbuf, ""
                return line or None
            self.readbuf += data
        line, self.readbuf = self.readbuf.split("\n", 1)
        return line

    def write(self, data: str) -> None:
        self.shell.write(data)

    def waitOutput(self, verbose: bool = False, findPid: bool = True) -> str:
        out = []
        while self.shell.waiting:
            data = self.shell.monitor()
            if verbose and data:
                output(data)
            out.append(data)
        return "".join(out)

    def cmd(self, *args: Any, **kwargs: Any) -> str:
        """Run a command in the node's shell and return its output (stdout and stderr)."""
        verbose = kwargs.get("verbose", False)
        (info if verbose else debug)(f"*** {self.name} : {args}\n")
        self.fabric.flush()
        self.sendCmd(*args)
        return self.waitOutput(verbose)

    def cmdPrint(self, *args: Any) -> str:
        return self.cmd(*args, verbose=True)

    def popen(self, *args: Any, **kwargs: Any):
        """A process in the node behind subprocess.Popen's interface (stdout, stderr piped)."""
        shell = kwargs.pop("shell", False)
        if len(args) == 1 and isinstance(args[0], (list, tuple)):
            cmd = [str(a) for a in args[0]]
        elif len(args) == 1 and isinstance(args[0], str):
            cmd = ["sh", "-c", args[0]] if shell else args[0].split()
        else:
            cmd = [str(a) for a in args]
            if shell:
                cmd = ["sh", "-c", " ".join(cmd)]
        kwargs.pop("mncmd", None)
        text = bool(kwargs.pop("universal_newlines", False) or kwargs.pop("text", False))
        stdin = kwargs.pop("stdin", None)
        stdout = kwargs.pop("stdout", -1)
        stderr = kwargs.pop("stderr", -1)
        cwd = kwargs.pop("cwd", None) or os.getcwd()
        env = kwargs.pop("env", None)
        for ignored in ("close_fds", "bufsize", "preexec_fn", "start_new_session"):
            kwargs.pop(ignored, None)
        if kwargs:
            raise TypeError(f"{self.name}.popen: unsupported arguments {', '.join(kwargs)}")
        node = self.fabric.lab_node(self.name)
        p = node.popen(cmd, stdin=stdin, stdout=stdout, stderr=stderr, cwd=cwd, env=env, text=text)
        self.fabric.popens.append(p)
        return p

    def pexec(self, *args: Any, **kwargs: Any):
        """Run a command (no shell) and wait: (stdout, stderr, exit code)."""
        p = self.popen(*args, **kwargs)
        out, err = p.communicate()
        code = p.wait()
        return _text(out), _text(err), code

    def terminate(self) -> None:
        self._close_shell()

    def _run(self, argv: list, input: Optional[str] = None) -> str:
        """Run `argv` in the node beside its shell (which may be busy): its stdout."""
        return self.fabric.lab_node(self.name).run(argv, timeout=10, input=input).stdout

    def stop(self, deleteIntfs: bool = False) -> None:
        if deleteIntfs:
            self.deleteIntfs()

    def cleanup(self) -> None:
        pass

    # -- interfaces -----------------------------------------------------------------------

    def newPort(self) -> int:
        return max(self.ports.values()) + 1 if self.ports else self.portBase

    def addIntf(self, intf: Any, port: Optional[int] = None, moveIntfFn=None) -> None:
        if port is None:
            port = self.newPort()
        self.intfs[port] = intf
        self.ports[intf] = port
        self.nameToIntf[intf.name] = intf
        debug(f"\nadded intf {intf} ({port}) to node {self.name}\n")

    def delIntf(self, intf: Any) -> None:
        port = self.ports.pop(intf, None)
        if port is not None:
            self.intfs.pop(port, None)
        self.nameToIntf.pop(intf.name, None)

    def defaultIntf(self):
        ports = self.intfs.keys()
        return self.intfs[min(ports)] if ports else None

    def intf(self, intf: Any = None):
        if not intf:
            return self.defaultIntf()
        if isinstance(intf, str):
            return self.nameToIntf.get(intf)
        return intf

    def connectionsTo(self, node: "Node") -> list:
        out = []
        for intf in self.intfList():
            link = intf.link
            if link:
                other = link.intf2 if link.intf1 is intf else link.intf1
                if other.node is node:
                    out.append((intf, other))
        return out

    def deleteIntfs(self, checkName: bool = True) -> None:
        for intf in list(self.intfs.values()):
            if intf.link is not None:
                intf.link.delete()

    def intfList(self) -> list:
        return [self.intfs[p] for p in sorted(self.intfs)]

    def intfNames(self) -> list:
        return [str(i) for i in self.intfList()]

    def intfIsUp(self, intf: Any = None) -> bool:
        i = self.intf(intf)
        return bool(i) and i.isUp()

    def linkTo(self, node: "Node", link=None):
        from .link import Link
        return (link or Link)(self, node)

    # -- addresses ------------------------------------------------------------------------

    def setMAC(self, mac: str, intf: Any = None):
        return self.intf(intf).setMAC(mac)

    def setIP(self, ip: str, prefixLen: int = 8, intf: Any = None, **kwargs: Any):
        if "/" not in ip:
            ip = f"{ip}/{prefixLen}"
        i = self.intf(intf)
        if i is None:
            self.params["ip"] = ip  # for the interface a later link brings
            self.fabric.changed()
            return None
        return i.setIP(ip)

    def IP(self, intf: Any = None) -> Optional[str]:
        i = self.intf(intf)
        if i is not None:
            return i.IP()
        ip = self.params.get("ip")
        return ip.split("/")[0] if ip else None

    def MAC(self, intf: Any = None) -> Optional[str]:
        i = self.intf(intf)
        return i.MAC() if i is not None else None

    def setARP(self, ip: str, mac: str) -> str:
        return self.cmd("arp", "-s", ip, mac)

    def setHostRoute(self, ip: str, intf: Any) -> str:
        return self.cmd(f"route add -host {ip} dev {intf}")

    def setDefaultRoute(self, intf: Any = None) -> None:
        if intf is None:
            return
        spec = str(intf)
        self.params["defaultRoute"] = spec if " " in spec else f"dev {spec}"
        self.fabric.changed()

    def setParam(self, results: dict, method: str, **param: Any):
        name, value = next(iter(param.items())) if param else (None, None)
        if value is None:
            return None
        f = getattr(self, method, None)
        if not f:
            return None
        result = f(*value) if isinstance(value, list) else (f(**value) if isinstance(value, dict) else f(value))
        results[name] = result
        return result

    def config(self, mac: Any = None, ip: Any = None, defaultRoute: Any = None, lo: str = "up", **_params: Any) -> dict:
        """Addresses and the default route, as the topology of the lab (not through commands)."""
        r: dict = {}
        if mac is not None and self.params.get("mac") != mac:
            self.params["mac"] = mac  # the default interface's, unless it has its own
            self.fabric.changed()
        if ip is not None and self.params.get("ip") != ip:
            self.params["ip"] = ip  # the default interface's address, unless it has its own
            self.fabric.changed()
        if defaultRoute is not None:
            self.setDefaultRoute(defaultRoute)
        return r

    def configDefault(self, **moreParams: Any) -> None:
        self.params.update(moreParams)
        self.config(**self.params)

    def __repr__(self) -> str:
        intfs = ",".join(f"{i.name}:{i.IP()}" for i in self.intfList())
        return f"<{self.__class__.__name__} {self.name}: {intfs} pid={self._pid()}> "

    def _pid(self) -> Any:
        if self._shell is not None:
            return self._shell.pid
        lab = self.fabric.lab
        return lab[self.name].pid if lab is not None and self.name in lab else None

    def __str__(self) -> str:
        return self.name

    @classmethod
    def setup(cls) -> None:
        pass

    @classmethod
    def checkSetup(cls) -> None:
        pass


def _text(data: Any) -> Any:
    return data.decode("utf-8", "replace") if isinstance(data, bytes) else (data or "")


def _private_dirs(name: str, dirs: list) -> list:
    out = []
    for d in dirs:
        if isinstance(d, str):
            out.append(d)
        else:
            raise NotSupported(f"node {name}: privateDirs entry {d!r}: a directory bound from the host "
                               "(a (dir, src) pair) is not supported by nslab-mn; give the path alone "
                               "for an empty private directory")
    return out


class Host(Node):
    """A host: a Node."""


class CPULimitedHost(Host):
    """A host with a share of the CPUs, as an nslab cgroup limit (limits.cpus)."""

    _sched_warned = False

    def __init__(self, name: str, sched: str = "cfs", **params: Any) -> None:
        super().__init__(name, **params)
        self.sched = sched
        self.period_us = params.get("period_us", 100000)
        cpu = params.get("cpu")
        if cpu is not None and cpu > 0:
            self._limits = {"cpus": _cpus(cpu)}

    def setCPUFrac(self, f: float = -1, sched: Optional[str] = None) -> None:
        """The CPU share of the whole machine `f` (Mininet's unit): limits.cpus = f * cores."""
        sched = sched or self.sched
        if sched == "rt" and not CPULimitedHost._sched_warned:
            CPULimitedHost._sched_warned = True
            warn("*** nslab-mn: sched='rt' is not available; CPU limits use the CFS quota\n")
        want = {"cpus": _cpus(f)} if f is not None and f > 0 else {}
        if want != self._limits:
            if self.fabric.lab is not None and self.name in self.fabric.lab:
                raise NotSupported(f"{self.name}: changing a running node's CPU limit is not supported by nslab "
                                   "(limits are set when the node starts)")
            self._limits = want
            self.fabric.changed()
        if want:
            quota = int(self.period_us * f * numCores())
            info(f"({sched} {quota}/{self.period_us}us) ")

    def setCPUs(self, cores: Any = None, mems: int = 0) -> None:
        if cores is not None:
            warn(f"*** nslab-mn: {self.name}: pinning to cores {cores} is not supported; ignored\n")

    def config(self, cpu: float = -1, cores: Any = None, **params: Any) -> dict:
        r = super().config(**params)
        self.setCPUFrac(cpu)
        self.setCPUs(cores)
        return r

    def cgroupGet(self, param: str, resource: str = "cpu") -> str:
        raise NotSupported("CPULimitedHost.cgroupGet: reading cgroup values by name is not supported by nslab-mn")


def _cpus(frac: float) -> float:
    return round(max(frac * numCores(), 0.001), 3)


# -- switches: every class is a Linux learning bridge in a namespace of its own -------------

class Switch(Node):
    """A switch: an nslab switch (a Linux bridge in its own namespace)."""

    portBase = 1
    isSwitch = True
    dpidLen = 16

    def __init__(self, name: str, dpid: Optional[str] = None, opts: str = "", listenPort: Optional[int] = None,
                 **params: Any) -> None:
        params.pop("inNamespace", None)
        params.pop("isSwitch", None)
        params.pop("batch", None)
        super().__init__(name, **params)
        self.dpid = dpid or self.defaultDpid()
        self.opts = opts
        self.listenPort = listenPort
        self.controlIntf = None

    def defaultDpid(self, dpid: Optional[str] = None) -> str:
        digits = re.findall(r"\d+", self.name)
        if not digits:
            raise Exception("Unable to derive default datapath ID - please either specify a dpid "
                            "or use a canonical switch name such as s23.")
        return hex(int(digits[0]))[2:].rjust(self.dpidLen, "0")

    def start(self, controllers: Any = None) -> None:
        self.fabric.flush()

    def stop(self, deleteIntfs: bool = True) -> None:
        pass

    def attach(self, intf: Any) -> None:
        self.fabric.flush()

    def detach(self, intf: Any) -> None:
        pass

    def connected(self) -> bool:
        return True

    def defaultIntf(self):
        return None if not self.intfs else super().defaultIntf()

    def dpctl(self, *args: Any) -> str:
        raise NotSupported("dpctl: OpenFlow rules are not supported by nslab-mn: switches are Linux learning "
                           "bridges, which have no flow tables")

    def sendCmd(self, *cmd: Any, **kwargs: Any) -> None:
        super().sendCmd(*cmd, **kwargs)

    def __repr__(self) -> str:
        intfs = ",".join(f"{i.name}:{i.IP()}" for i in self.intfList())
        return f"<{self.__class__.__name__} {self.name}: {intfs} pid={self._pid()}> "

    @classmethod
    def batchStartup(cls, switches: Any, **_kwargs: Any) -> Any:
        return switches

    @classmethod
    def batchShutdown(cls, switches: Any, **_kwargs: Any) -> Any:
        return switches


class OVSSwitch(Switch):
    """Open vSwitch's class name; a learning bridge here."""

    def __init__(self, name: str, failMode: str = "secure", datapath: str = "kernel", inband: bool = False,
                 protocols: Any = None, reconnectms: int = 1000, stp: bool = False, batch: bool = False,
                 **params: Any) -> None:
        super().__init__(name, **params)
        self.failMode, self.datapath, self.stp = failMode, datapath, stp

    def vsctl(self, *args: Any, **kwargs: Any) -> str:
        return self.cmd("ovs-vsctl", *args)


OVSKernelSwitch = OVSSwitch
KernelSwitch = OVSSwitch


class OVSBridge(OVSSwitch):
    """An OVS switch in standalone mode; a learning bridge here."""


class UserSwitch(Switch):
    """Mininet's user-space reference switch; a learning bridge here."""

    def __init__(self, name: str, dpopts: str = "--no-slicing", **kwargs: Any) -> None:
        super().__init__(name, **kwargs)


class IVSSwitch(Switch):
    """Indigo Virtual Switch's class name; a learning bridge here."""


# -- controllers: accepted, never run ------------------------------------------------------

class Controller:
    """A controller: recorded and listed, never started (the bridges learn on their own)."""

    _warned = False

    def __init__(self, name: str, inNamespace: bool = False, command: str = "controller", cargs: str = "",
                 cdir: Any = None, ip: str = "127.0.0.1", port: int = 6653, protocol: str = "tcp", **params: Any) -> None:
        self.name, self.ip, self.port, self.protocol = name, ip, port, protocol
        self.params = params
        self.intfs: dict = {}
        self.ports: dict = {}
        self.isSwitch = False
        Controller.warn_once()

    @classmethod
    def warn_once(cls) -> None:
        if not Controller._warned:
            Controller._warned = True
            warn("*** nslab-mn: controllers are not run: switches are Linux learning bridges, "
                 "which need none\n")

    @classmethod
    def isAvailable(cls) -> bool:
        return True

    def start(self) -> None:
        pass

    def stop(self, *args: Any, **kwargs: Any) -> None:
        pass

    def terminate(self) -> None:
        pass

    def checkListening(self) -> None:
        pass

    def intfList(self) -> list:
        return []

    def intfNames(self) -> list:
        return []

    def defaultIntf(self) -> None:
        return None

    def connectionsTo(self, node: Any) -> list:
        return []

    def IP(self, intf: Any = None) -> str:
        return self.ip

    def cmd(self, *args: Any, **kwargs: Any) -> str:
        raise NotSupported(f"{self.name}: a controller runs no commands under nslab-mn (controllers are not run)")

    def __repr__(self) -> str:
        return f"<{self.__class__.__name__} {self.name}: {self.ip}:{self.port} pid=None> "

    def __str__(self) -> str:
        return self.name


class OVSController(Controller):
    pass


class NOX(Controller):
    pass


class Ryu(Controller):
    pass


class RemoteController(Controller):
    pass


class DefaultController(Controller):
    pass


NullController = None
Ref = Controller


def findController(controllers: Any = None) -> Any:
    return DefaultController


def DefaultControllerFactory(*args: Any, **kwargs: Any) -> Controller:
    return DefaultController(*args, **kwargs)
