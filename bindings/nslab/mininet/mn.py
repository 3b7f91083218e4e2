"""`nslab-mn`: Mininet's `mn` command on nslab, and the runner of Mininet scripts
(`nslab-mn script.py ARGS`, `python3 -m nslab.mininet script.py ARGS`)."""
from __future__ import annotations

import argparse
import os
import runpy
import signal
import sys
import time

USAGE = """nslab-mn [options]            a network from mn's options (--topo ...), then --test or the CLI
       nslab-mn SCRIPT.py [ARGS...]  run a Mininet script on nslab (`import mininet` resolves to nslab.mininet)"""


def _classes():
    from .link import Link, OVSLink, TCLink, TCULink
    from .node import (CPULimitedHost, DefaultController, Host, IVSSwitch, NOX, OVSBridge, OVSController,
                       OVSKernelSwitch, RemoteController, Ryu, UserSwitch)
    from .nodelib import LinuxBridge
    from .topo import LinearTopo, MinimalTopo, SingleSwitchReversedTopo, SingleSwitchTopo
    from .topolib import TorusTopo, TreeTopo
    from .util import custom
    topos = {"minimal": MinimalTopo, "linear": LinearTopo, "reversed": SingleSwitchReversedTopo,
             "single": SingleSwitchTopo, "tree": TreeTopo, "torus": TorusTopo}
    switches = {"default": OVSKernelSwitch, "ovs": OVSKernelSwitch, "ovsk": OVSKernelSwitch, "ovsbr": OVSBridge,
                "user": UserSwitch, "ivs": IVSSwitch, "lxbr": LinuxBridge}
    hosts = {"proc": Host, "rt": custom(CPULimitedHost, sched="rt"), "cfs": custom(CPULimitedHost, sched="cfs")}
    controllers = {"ref": DefaultController, "ovsc": OVSController, "nox": NOX, "remote": RemoteController,
                   "ryu": Ryu, "default": DefaultController, "none": None}
    links = {"default": Link, "tc": TCLink, "tcu": TCULink, "ovs": OVSLink}
    return topos, switches, hosts, controllers, links


def _tests():
    return {
        "none": lambda net: None,
        "build": lambda net: None,
        "pingall": lambda net: net.pingAll(),
        "pingpair": lambda net: net.pingPair(),
        "iperf": lambda net: net.iperf(),
        "iperfudp": lambda net: net.iperf(l4Type="UDP"),
        "all": lambda net: (net.pingAll(), net.iperf()),
    }


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="nslab-mn", usage=USAGE)
    p.add_argument("--topo", default="minimal", help="minimal|linear|reversed|single|tree|torus[,param=value...]")
    p.add_argument("--switch", default="default", help="any of mn's (every switch is a Linux bridge here)")
    p.add_argument("--host", default="proc", help="proc|rt|cfs[,cpu=F]")
    p.add_argument("--controller", default=None, help="accepted and ignored (bridges need no controller)")
    p.add_argument("--link", default="default", help="default|tc|tcu|ovs[,bw=...,delay=...]")
    p.add_argument("--test", action="append", default=[], help="pingall|pingpair|iperf|iperfudp|all|none")
    p.add_argument("-c", "--clean", action="store_true", help="remove what crashed labs left (lab clean), then exit")
    p.add_argument("--custom", action="append", default=[], help="a Python file defining topos, tests...")
    p.add_argument("-x", "--xterms", action="store_true", help="refused: nslab-mn opens no terminals")
    p.add_argument("-i", "--ipbase", default="10.0.0.0/8")
    p.add_argument("--mac", action="store_true", help="MACs 00:00:00:00:00:0N like the hosts' IPs")
    p.add_argument("--arp", action="store_true", help="static ARP entries in every host")
    p.add_argument("-v", "--verbosity", default="info")
    p.add_argument("--innamespace", action="store_true", help="accepted (every switch has a namespace here)")
    p.add_argument("--listenport", type=int, default=None)
    p.add_argument("--nolistenport", action="store_true")
    p.add_argument("--pin", action="store_true", help="accepted and ignored")
    p.add_argument("-w", "--wait", action="store_true", help="accepted (bridges forward at once)")
    p.add_argument("--twait", type=float, default=None)
    p.add_argument("--nat", action="store_true", help="refused: labs never touch the host's namespaces")
    p.add_argument("--version", action="store_true")
    return p


def mn(argv: list[str]) -> int:
    from .clean import cleanup
    from .cli import CLI
    from .log import error, info, output, setLogLevel
    from .net import Mininet, VERSION
    from .util import buildTopo, customClass

    opts = _parser().parse_args(argv)
    setLogLevel(opts.verbosity)
    if opts.version:
        output(f"{VERSION} (nslab-mn)\n")
        return 0
    if opts.clean:
        cleanup()
        return 0
    if opts.xterms:
        error("*** -x/--xterms is not supported by nslab-mn: nodes have no X11 display; run "
              "`lab shell LAB NODE` in a terminal instead\n")
        return 2
    if opts.nat:
        error("*** --nat is not supported by nslab-mn: labs never touch the host's namespaces\n")
        return 2
    topos, switches, hosts, controllers, links = _classes()
    tests = _tests()
    for path in opts.custom:
        scope = runpy.run_path(path)
        topos.update(scope.get("topos", {}))
        switches.update(scope.get("switches", {}))
        hosts.update(scope.get("hosts", {}))
        controllers.update(scope.get("controllers", {}))
        links.update(scope.get("links", {}))
        tests.update(scope.get("tests", {}))
    start = time.time()
    try:
        topo = buildTopo(topos, opts.topo)
        switch = customClass(switches, opts.switch)
        host = customClass(hosts, opts.host)
        link = customClass(links, opts.link)
        controller = (None if opts.controller == "none" else customClass(controllers, opts.controller)) \
            if opts.controller else controllers["default"]
    except Exception as e:  # noqa: BLE001 - an option mn would refuse, told as mn tells it
        error(f"{e}\n")
        return 2
    for name in opts.test:
        if name not in tests:
            error(f"*** unknown test {name!r}: one of {', '.join(sorted(tests))}\n")
            return 2
    net = Mininet(topo=topo, switch=switch, host=host, controller=controller, link=link, ipBase=opts.ipbase,
                  autoSetMacs=opts.mac, autoStaticArp=opts.arp, listenPort=opts.listenport)
    try:
        net.start()
        if not opts.test:
            CLI(net)
        for name in opts.test:
            if name not in ("none", "build"):
                tests[name](net)
    finally:
        net.stop()
    info("completed in %0.3f seconds\n" % (time.time() - start))
    return 0


def run_script(path: str, args: list[str]) -> int:
    """Run a Mininet script as `python3 script.py ARGS` would, with `mininet` aliased."""
    from .alias import install
    install()
    sys.argv = [path] + list(args)
    sys.path.insert(0, os.path.dirname(os.path.abspath(path)))
    runpy.run_path(path, run_name="__main__")
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    # SIGTERM runs the same teardown as an exception (atexit), not an abrupt end.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(128 + signal.SIGTERM))
    from .fabric import NotSupported
    try:
        if argv and not argv[0].startswith("-") and (argv[0].endswith(".py") or os.path.isfile(argv[0])):
            return run_script(argv[0], argv[1:])
        return mn(argv)
    except NotSupported as e:
        sys.stderr.write(f"nslab-mn: {e}\n")
        return 2
