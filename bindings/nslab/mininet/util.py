"""Mininet's utilities: running host commands, addresses, class customisation, monitoring."""
from __future__ import annotations

import os
import re
import select
import subprocess
import time
from typing import Any, Iterator, Optional

from .log import error, output


def decode(buf: Any) -> str:
    return buf.decode("utf-8", "replace") if isinstance(buf, bytes) else buf


def encode(buf: Any) -> bytes:
    return buf.encode() if isinstance(buf, str) else buf


# -- commands on the host -------------------------------------------------------------------

def run(cmd: str) -> str:
    return errRun(cmd)[0]


def checkRun(cmd: str) -> str:
    return subprocess.check_output(cmd.split(), text=True)


def errRun(*cmd: Any, **kwargs: Any) -> tuple[str, str, int]:
    """Run a command on the host: (stdout, stderr, exit code)."""
    stderr = kwargs.get("stderr", subprocess.PIPE)
    shell = kwargs.get("shell", False)
    if len(cmd) == 1:
        cmd = cmd[0]
        if isinstance(cmd, str) and not shell:
            cmd = cmd.split()
    else:
        cmd = [str(c) for c in cmd]
    if isinstance(cmd, list) and shell:
        cmd = " ".join(cmd)
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=stderr, shell=shell)
    out, err = p.communicate()
    return decode(out or b""), decode(err or b""), p.returncode


def errFail(*cmd: Any, **kwargs: Any) -> tuple[str, str, int]:
    out, err, ret = errRun(*cmd, **kwargs)
    if ret:
        raise Exception(f"errFail: {cmd} failed with return code {ret}: {err}")
    return out, err, ret


def quietRun(cmd: Any, **kwargs: Any) -> str:
    """Run a command on the host; its stdout and stderr together."""
    try:
        return errRun(cmd, stderr=subprocess.STDOUT, **kwargs)[0]
    except FileNotFoundError as e:
        return f"{e.strerror}: {e.filename}\n"


def which(cmd: str, **kwargs: Any) -> Optional[str]:
    import shutil
    return shutil.which(cmd)


def isShellBuiltin(cmd: str) -> bool:
    return cmd.split()[0] in {"cd", "export", "set", "unset", "kill", "wait", "jobs", "echo", "printf", "source", "."}


# -- addresses ------------------------------------------------------------------------------

def _colonHex(val: int, bytecount: int) -> str:
    pieces = []
    for _ in range(bytecount - 1, -1, -1):
        pieces.append("%02x" % (val & 0xff))
        val >>= 8
    return ":".join(reversed(pieces))


def macColonHex(mac: int) -> str:
    return _colonHex(mac, 6)


def ipStr(ip: int) -> str:
    return ".".join(str((ip >> s) & 0xff) for s in (24, 16, 8, 0))


def ipNum(w: int, x: int, y: int, z: int) -> int:
    return (w << 24) | (x << 16) | (y << 8) | z


def ipAdd(i: int, prefixLen: int = 8, ipBaseNum: int = 0x0a000000) -> str:
    imax = 0xffffffff >> prefixLen
    if i > imax:
        raise ValueError(f"Not enough IP addresses in the subnet (address {i} of {imax})")
    mask = 0xffffffff ^ imax
    return ipStr((ipBaseNum & mask) + i)


def ipParse(ip: str) -> int:
    args = [int(arg) for arg in ip.split(".")]
    while len(args) < 4:
        args.insert(len(args) - 1, 0)
    return ipNum(*args)


def netParse(ipstr: str) -> tuple[int, int]:
    prefixLen = 0
    if "/" in ipstr:
        ip, pf = ipstr.split("/")
        prefixLen = int(pf)
    else:
        ip = ipstr
        prefixLen = 24
    return ipParse(ip), prefixLen


def _parses(kind: Any, s: str) -> bool:
    try:
        kind(s)
        return True
    except ValueError:
        return False


def checkInt(s: str) -> bool:
    return _parses(int, s)


def checkFloat(s: str) -> bool:
    return _parses(float, s)


def makeNumeric(s: str) -> Any:
    if checkInt(s):
        return int(s)
    if checkFloat(s):
        return float(s)
    return s


# -- sorting, ranges, cores -----------------------------------------------------------------

def natural(text: Any) -> list:
    def num(s: str) -> Any:
        return int(s) if s.isdigit() else s
    return [num(s) for s in re.split(r"(\d+)", str(text))]


def naturalSeq(t: Any) -> list:
    return [natural(x) for x in t]


def numCores() -> int:
    return os.cpu_count() or 1


def irange(start: int, end: int) -> range:
    """The integers from start to end inclusive."""
    return range(start, end + 1)


# -- classes with parameters ----------------------------------------------------------------

def custom(cls: Any, **params: Any) -> Any:
    """A constructor for `cls` with `params` as defaults (the caller's win)."""
    def customized(*args: Any, **kwargs: Any) -> Any:
        kwargs = kwargs.copy()
        kwargs.update(params)
        return cls(*args, **kwargs)
    customized.__name__ = "custom(%s,%s)" % (cls, params)
    return customized


def splitArgs(argstr: str) -> tuple[str, list, dict]:
    """'tree,depth=2,fanout=3' -> ('tree', [], {'depth': 2, 'fanout': 3})."""
    split = argstr.split(",")
    fn = split[0]
    params = split[1:]
    args = [makeNumeric(s) for s in params if "=" not in s]
    kwargs = {}
    for s in [p for p in params if "=" in p]:
        key, val = s.split("=", 1)
        kwargs[key] = makeNumeric(val)
    return fn, args, kwargs


def customClass(classes: dict, argStr: str) -> Any:
    cname, args, kwargs = splitArgs(argStr)
    cls = classes.get(cname)
    if not cls:
        raise Exception(f"error: {cname} is unknown - please specify one of {sorted(classes)}")
    if not args and not kwargs:
        return cls
    return specialClass(cls, append=args, defaults=kwargs)


def specialClass(cls: Any, prepend: Any = None, append: Any = None, defaults: Any = None, override: Any = None) -> Any:
    prepend, append = prepend or [], append or []
    defaults, override = defaults or {}, override or {}

    class CustomClass(cls):  # type: ignore[misc, valid-type]
        def __init__(self, *args: Any, **params: Any) -> None:
            newparams = defaults.copy()
            newparams.update(params)
            newparams.update(override)
            cls.__init__(self, *(list(prepend) + list(args) + list(append)), **newparams)

    CustomClass.__name__ = "%s%s" % (cls.__name__, defaults)
    return CustomClass


def buildTopo(topos: dict, topoStr: str) -> Any:
    topo, args, kwargs = splitArgs(topoStr)
    if topo not in topos:
        raise Exception(f"Invalid topo name {topo}")
    return topos[topo](*args, **kwargs)


def ensureRoot() -> None:
    if os.getuid() != 0:
        error("*** Mininet must run as root.\n")
        raise SystemExit(1)


def fixLimits() -> None:
    """Mininet raises the host's limits here; nslab needs nothing changed on the host."""


def mountCgroups() -> None:
    """nslab sets cgroups up itself."""


# -- connections and monitoring -------------------------------------------------------------

def dumpNodeConnections(nodes: Any) -> None:
    """Print each node's interfaces and what their links reach: h1 h1-eth0:s1-eth1."""
    def dumpConnections(node: Any) -> None:
        output(node.name)
        for intf in node.intfList():
            output(" %s:" % intf)
            if intf.link:
                other = intf.link.intf2 if intf.link.intf1 is intf else intf.link.intf1
                output("%s" % other)
            else:
                output(" ")
        output("\n")
    for node in nodes:
        dumpConnections(node)


def dumpNetConnections(net: Any) -> None:
    dumpNodeConnections(net.controllers + net.switches + net.hosts)


def dumpPorts(switches: Any) -> None:
    for switch in switches:
        output("%s " % switch.name)
        for intf in switch.intfList():
            output("%s:%d " % (intf, switch.ports[intf]))
        output("\n")


def pmonitor(popens: dict, timeoutms: int = 500, readline: bool = True, readmax: int = 1024) -> Iterator[tuple[Any, str]]:
    """Yield (host, line) from {host: popen} as output comes; (None, '') after `timeoutms` of
    silence; ends when every process closed its stdout."""
    poller = select.poll()
    fdToHost = {}
    buffers: dict = {}
    for host, popen in popens.items():
        fd = popen.stdout.fileno()
        fdToHost[fd] = host
        buffers[fd] = ""
        poller.register(fd, select.POLLIN)
    while fdToHost:
        events = poller.poll(timeoutms)
        if not events:
            yield None, ""
            continue
        for fd, event in events:
            host = fdToHost[fd]
            data = os.read(fd, readmax) if event & (select.POLLIN | select.POLLHUP) else b""
            if not data:
                if buffers[fd]:
                    yield host, buffers[fd]
                poller.unregister(fd)
                del fdToHost[fd]
                continue
            text = buffers[fd] + decode(data)
            if not readline:
                buffers[fd] = ""
                yield host, text
                continue
            *lines, buffers[fd] = text.split("\n")
            for line in lines:
                yield host, line + "\n"


def waitListening(client: Any = None, server: Any = "127.0.0.1", port: int = 80, timeout: Optional[float] = None) -> bool:
    """Wait until `server` (a node or an address) listens on TCP `port`, as `client` sees it."""
    deadline = None if timeout is None else time.monotonic() + timeout
    if hasattr(server, "_run"):
        # Asked in the server's namespace, beside its (busy) shell: no probe connection that
        # the server would count and report.
        probe = lambda: server._run(["ss", "-Htln", f"sport = :{port}"]).strip() != ""  # noqa: E731
    else:
        ip = server
        check = f"bash -c 'exec 3<>/dev/tcp/{ip}/{port}' 2>/dev/null && echo open"
        probe = (lambda: "open" in client.cmd(check)) if client is not None else \
            (lambda: "open" in quietRun(check, shell=True))  # noqa: E731
    while not probe():
        if deadline is not None and time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


def moveIntf(*args: Any, **kwargs: Any) -> None:
    from .fabric import NotSupported
    raise NotSupported("moveIntf: moving interfaces between namespaces is not supported by nslab-mn (links "
                       "are made directly between their nodes)")
