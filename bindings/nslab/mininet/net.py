"""Mininet's Mininet class: a network of hosts, switches and links, as one nslab lab."""
from __future__ import annotations

import re
import time
from math import ceil
from typing import Any, Optional

from . import fabric as _fabric, neighbours
from .fabric import Fabric, NotSupported
from .link import Intf, Link
from .log import debug, error, info, output
from .node import Controller, DefaultController, Host, OVSKernelSwitch
from .util import ipAdd, macColonHex, netParse, numCores, waitListening

VERSION = "2.3.0"


class Mininet:
    """Network emulation with hosts spawned in network namespaces (nslab nodes)."""

    def __init__(self, topo: Any = None, switch: Any = OVSKernelSwitch, host: Any = Host,
                 controller: Any = DefaultController, link: Any = Link, intf: Any = Intf,
                 build: bool = True, xterms: bool = False, cleanup: bool = False, ipBase: str = "10.0.0.0/8",
                 inNamespace: bool = False, autoSetMacs: bool = False, autoStaticArp: bool = False,
                 autoPinCpus: bool = False, listenPort: Optional[int] = None, waitConnected: Any = False) -> None:
        if xterms:
            raise NotSupported("xterms: nslab-mn opens no terminals (nodes have no X11 display); "
                               "run `lab shell LAB NODE` in a terminal instead")
        self.topo = topo
        self.switch, self.host, self.controller = switch, host, controller
        self.link, self.intf = link, intf
        self.ipBase = ipBase
        self.ipBaseNum, self.prefixLen = netParse(self.ipBase)
        hostIP = (0xffffffff >> self.prefixLen) & self.ipBaseNum
        self.nextIP = hostIP if hostIP > 0 else 1
        self.inNamespace = inNamespace
        self.xterms, self.cleanup = xterms, cleanup
        self.autoSetMacs, self.autoStaticArp = autoSetMacs, autoStaticArp
        self.autoPinCpus = autoPinCpus
        self.numCores = numCores()
        self.listenPort = listenPort
        self.waitConn = waitConnected
        self.hosts: list = []
        self.switches: list = []
        self.controllers: list = []
        self.links: list = []
        self.nameToNode: dict = {}
        self.terms: list = []
        self.fabric = Fabric()
        Mininet.init()
        self.built = False
        if topo and build:
            self.build()

    @property
    def lab(self):
        """The nslab Lab running this network (None before it is built)."""
        return self.fabric.lab

    # -- nodes ----------------------------------------------------------------------------

    def addHost(self, name: str, cls: Any = None, **params: Any) -> Any:
        if not cls:
            cls = self.host
        defaults = {"ip": ipAdd(self.nextIP, ipBaseNum=self.ipBaseNum, prefixLen=self.prefixLen) + "/%s" % self.prefixLen}
        if self.autoSetMacs:
            defaults["mac"] = macColonHex(self.nextIP)
        self.nextIP += 1
        defaults.update(params)
        with _fabric.adding(self.fabric):
            h = cls(name, **defaults)
        self.hosts.append(h)
        self.nameToNode[name] = h
        return h

    def addSwitch(self, name: str, cls: Any = None, **params: Any) -> Any:
        defaults = {"listenPort": self.listenPort, "inNamespace": self.inNamespace}
        defaults.update(params)
        if not cls:
            cls = self.switch
        with _fabric.adding(self.fabric):
            sw = cls(name, **defaults)
        self.switches.append(sw)
        self.nameToNode[name] = sw
        return sw

    def addController(self, name: Any = "c0", controller: Any = None, **params: Any) -> Any:
        if not controller:
            controller = self.controller
        if isinstance(name, Controller):
            c = name
            name = c.name
        elif controller is None:
            return None
        else:
            c = controller(name, **params) if callable(controller) else controller
            if not isinstance(c, Controller):
                Controller.warn_once()
        if c is not None:
            self.controllers.append(c)
            self.nameToNode[name] = c
        return c

    def addNAT(self, *args: Any, **kwargs: Any) -> Any:
        raise NotSupported("addNAT: a NAT to the host's network is not supported by nslab-mn (labs never "
                           "touch the host's namespaces)")

    def delNode(self, node: Any, nodes: Optional[list] = None) -> None:
        nodes = nodes if nodes is not None else (self.hosts if node in self.hosts else self.switches)
        for link in [l for l in self.links if node in (l.intf1.node, l.intf2.node)]:
            self.delLink(link)
        node.terminate()
        if node in nodes:
            nodes.remove(node)
        self.nameToNode.pop(node.name, None)
        self.fabric.remove_node(node)

    def delHost(self, host: Any) -> None:
        self.delNode(host, nodes=self.hosts)

    def delSwitch(self, switch: Any) -> None:
        self.delNode(switch, nodes=self.switches)

    def delController(self, controller: Any) -> None:
        if controller in self.controllers:
            self.controllers.remove(controller)
        self.nameToNode.pop(controller.name, None)

    def getNodeByName(self, *args: str) -> Any:
        if len(args) == 1:
            return self.nameToNode[args[0]]
        return [self.nameToNode[n] for n in args]

    def get(self, *args: str) -> Any:
        return self.getNodeByName(*args)

    def __getitem__(self, key: str) -> Any:
        return self.nameToNode[key]

    def __delitem__(self, key: str) -> None:
        self.delNode(self.nameToNode[key])

    def __iter__(self):
        for node in self.hosts + self.switches + self.controllers:
            yield node.name

    def __len__(self) -> int:
        return len(self.hosts) + len(self.switches) + len(self.controllers)

    def __contains__(self, item: str) -> bool:
        return item in self.nameToNode

    def keys(self) -> list:
        return list(self)

    def values(self) -> list:
        return [self[name] for name in self]

    def items(self) -> list:
        return list(zip(self.keys(), self.values()))

    @staticmethod
    def randMac() -> str:
        import random
        return macColonHex(random.randint(1, 2 ** 48 - 1) & 0xfeffffffffff | 0x020000000000)

    # -- links ----------------------------------------------------------------------------

    def addLink(self, node1: Any, node2: Any, port1: Optional[int] = None, port2: Optional[int] = None,
                cls: Any = None, **params: Any) -> Any:
        node1 = node1 if not isinstance(node1, str) else self[node1]
        node2 = node2 if not isinstance(node2, str) else self[node2]
        options = dict(params)
        if port1 is not None:
            options.setdefault("port1", port1)
        if port2 is not None:
            options.setdefault("port2", port2)
        if self.intf is not None:
            options.setdefault("intf", self.intf)
        cls = self.link if cls is None else cls
        link = cls(node1, node2, **options)
        self.links.append(link)
        return link

    def delLink(self, link: Any) -> None:
        link.delete()
        if link in self.links:
            self.links.remove(link)

    def linksBetween(self, node1: Any, node2: Any) -> list:
        return [l for l in self.links if (node1, node2) in ((l.intf1.node, l.intf2.node), (l.intf2.node, l.intf1.node))]

    def delLinkBetween(self, node1: Any, node2: Any, index: int = 0, allLinks: bool = False) -> Any:
        links = self.linksBetween(node1, node2)
        if not allLinks:
            links = [links[index]] if len(links) > index else []
        for link in links:
            self.delLink(link)
        return links

    # -- building -------------------------------------------------------------------------

    def configHosts(self) -> None:
        """Bring the lab up (one `Lab.up` of everything so far), then each host's config()."""
        self.fabric.flush()
        for host in self.hosts:
            info(host.name + " ")
            intf = host.defaultIntf()
            if intf:
                host.configDefault()
            else:
                host.configDefault(ip=None, mac=None)
        self.fabric.flush()
        info("\n")

    def buildFromTopo(self, topo: Any = None) -> None:
        info("*** Creating network\n")
        if not self.controllers and self.controller:
            classes = self.controller if isinstance(self.controller, list) else [self.controller]
            for i, cls in enumerate(classes):
                if isinstance(cls, Controller):
                    self.addController(cls)
                else:
                    self.addController("c%d" % i, cls)
            info("*** Adding controller\n")
        info("*** Adding hosts:\n")
        for hostName in topo.hosts():
            self.addHost(hostName, **topo.nodeInfo(hostName))
            info(hostName + " ")
        info("\n*** Adding switches:\n")
        for switchName in topo.switches():
            params = dict(topo.nodeInfo(switchName))
            self.addSwitch(switchName, **params)
            info(switchName + " ")
        info("\n*** Adding links:\n")
        for srcName, dstName, params in topo.links(sort=True, withInfo=True):
            self.addLink(**params)
            info("(%s, %s) " % (srcName, dstName))
        info("\n")

    def configureControlNetwork(self) -> None:
        pass

    def build(self) -> None:
        if self.topo:
            self.buildFromTopo(self.topo)
        info("*** Configuring hosts\n")
        self.configHosts()
        if self.autoStaticArp:
            self.staticArp()
        self.built = True

    def startTerms(self) -> None:
        raise NotSupported("xterms: nslab-mn opens no terminals; run `lab shell LAB NODE` instead")

    def stopXterms(self) -> None:
        pass

    def staticArp(self) -> None:
        """Every host gets a permanent ARP entry for every other host on its subnet (Mininet's
        autoStaticArp), one `ip -batch` per host."""
        self.fabric.flush()
        neighbours.pin(self.hosts, always=True)

    def start(self) -> None:
        if not self.built:
            self.build()
        self.fabric.flush()
        _each("*** Starting controller\n", self.controllers, lambda c: c.start())
        _each("*** Starting %s switches\n" % len(self.switches), self.switches, lambda s: s.start(self.controllers))

    def stop(self) -> None:
        _each("*** Stopping %i controllers\n" % len(self.controllers), self.controllers, lambda c: c.stop())
        _each("*** Stopping %i links\n" % len(self.links), self.links, lambda l: l.stop(), mark=".")
        _each("*** Stopping %i switches\n" % len(self.switches), self.switches, lambda s: (s.stop(), s.terminate()))
        info("*** Stopping %i hosts\n" % len(self.hosts))
        for host in self.hosts:
            info(host.name + " ")
            host.terminate()
        self.fabric.down()
        info("\n*** Done\n")

    def run(self, test: Any, *args: Any, **kwargs: Any) -> Any:
        self.start()
        info("*** Running test\n")
        try:
            return test(*args, **kwargs)
        finally:
            self.stop()

    def waitConnected(self, timeout: Any = None, delay: float = 0.5) -> bool:
        """Bridges forward at once: nothing to wait for."""
        return True

    def monitor(self, hosts: Optional[list] = None, timeoutms: int = -1):
        import select
        hosts = hosts if hosts is not None else self.hosts
        poller = select.poll()
        h1 = hosts[0]
        for host in hosts:
            poller.register(host.stdout)
        while True:
            ready = poller.poll(timeoutms)
            for fd, event in ready:
                host = h1.fdToNode(fd)
                if event & select.POLLIN:
                    line = host.readline()
                    if line is not None:
                        yield host, line
            if not ready and timeoutms >= 0:
                yield None, None

    # -- tests ----------------------------------------------------------------------------

    @staticmethod
    def _parsePing(pingOutput: str) -> tuple[int, int]:
        if "connect: Network is unreachable" in pingOutput:
            return 1, 0
        m = re.search(r"(\d+) packets transmitted, (\d+)( packets)? received", pingOutput)
        if m is None:
            error("*** Error: could not parse ping output: %s\n" % pingOutput)
            return 1, 0
        return int(m.group(1)), int(m.group(2))

    def ping(self, hosts: Optional[list] = None, timeout: Any = None) -> float:
        """Ping between `hosts` (all by default), one echo per ordered pair, sent from a raw
        socket inside each source node (nslab's ping; no process per pair). Returns the loss
        in percent and prints Mininet's matrix."""
        if not hosts:
            hosts = self.hosts
            output("*** Ping: testing ping reachability\n")
        self.fabric.flush()
        wait = float(timeout) if timeout else 2.0
        pinned = neighbours.pin(hosts)
        try:
            packets, lost = self._ping_rows(hosts, wait)
        finally:
            neighbours.unpin(pinned)
        if packets > 0:
            ploss = 100.0 * lost / packets
            output("*** Results: %i%% dropped (%d/%d received)\n" % (ploss, packets - lost, packets))
        else:
            ploss = 0
            output("*** Warning: No packets sent\n")
        return ploss

    def _ping_rows(self, hosts: list, wait: float) -> tuple[int, int]:
        packets = lost = 0
        for node in hosts:
            output("%s -> " % node.name)
            for dest in hosts:
                if node is dest:
                    continue
                ip = dest.IP() if dest.intfs else None
                received = 0
                if ip:
                    packets += 1
                    received = int(self.fabric.lab._ping_one(node.name, ip, wait))
                    lost += 1 - received
                output(("%s " % dest.name) if received else "X ")
            output("\n")
        return packets, lost

    @staticmethod
    def _parsePingFull(pingOutput: str) -> tuple:
        errorTuple = (1, 0, 0, 0, 0, 0)
        if re.search(r"[uU]nreachable", pingOutput):
            return errorTuple
        m = re.search(r"(\d+) packets transmitted, (\d+)( packets)? received", pingOutput)
        if m is None:
            error("*** Error: could not parse ping output: %s\n" % pingOutput)
            return errorTuple
        sent, received = int(m.group(1)), int(m.group(2))
        m = re.search(r"rtt min/avg/max/mdev = (\d+\.\d+)/(\d+\.\d+)/(\d+\.\d+)/(\d+\.\d+) ms", pingOutput)
        if m is None:
            if received != 0:
                error("*** Error: could not parse ping output: %s\n" % pingOutput)
            return errorTuple
        return (sent, received) + tuple(float(m.group(i)) for i in range(1, 5))

    def pingFull(self, hosts: Optional[list] = None, timeout: Any = None) -> list:
        """Like ping(), with `ping -c1` run in the hosts' shells, for the round-trip times."""
        all_outputs = []
        if not hosts:
            hosts = self.hosts
            output("*** Ping: testing ping reachability\n")
        for node in hosts:
            output("%s -> " % node.name)
            for dest in hosts:
                if node != dest:
                    opts = "-W %s" % timeout if timeout else ""
                    result = node.cmd("ping -c1 %s %s" % (opts, dest.IP()))
                    outputs = self._parsePingFull(result)
                    all_outputs.append((node, dest, outputs))
                    output(("%s " % dest.name) if outputs[1] else "X ")
            output("\n")
        output("*** Results: \n")
        for src, dest, ping_outputs in all_outputs:
            sent, received, rttmin, rttavg, rttmax, rttdev = ping_outputs
            output(" %s->%s: %s/%s, " % (src, dest, sent, received))
            output("rtt min/avg/max/mdev %0.3f/%0.3f/%0.3f/%0.3f ms\n" % (rttmin, rttavg, rttmax, rttdev))
        return all_outputs

    def pingAll(self, timeout: Any = None) -> float:
        return self.ping(timeout=timeout)

    def pingPair(self) -> float:
        return self.ping(hosts=[self.hosts[0], self.hosts[1]])

    def pingAllFull(self) -> list:
        return self.pingFull()

    def pingPairFull(self) -> list:
        return self.pingFull(hosts=[self.hosts[0], self.hosts[1]])

    @staticmethod
    def _parseIperf(iperfOutput: str) -> str:
        m = re.findall(r"([\d\.]+ \w+/sec)", iperfOutput)
        if m:
            return m[-1]
        error("could not parse iperf output: " + iperfOutput)
        return ""

    def iperf(self, hosts: Optional[list] = None, l4Type: str = "TCP", udpBw: str = "10M", fmt: Any = None,
              seconds: int = 5, port: int = 5001) -> list:
        """Run iperf between two hosts (the first and last by default): [server, client] rates."""
        hosts = hosts or [self.hosts[0], self.hosts[-1]]
        assert len(hosts) == 2
        client, server = hosts
        output("*** Iperf: testing", l4Type, "bandwidth between", client, "and", server, "\n")
        iperfArgs = "iperf -p %d " % port
        bwArgs = ""
        if l4Type == "UDP":
            iperfArgs += "-u "
            bwArgs = "-b " + udpBw + " "
        elif l4Type != "TCP":
            raise Exception("Unexpected l4 type: %s" % l4Type)
        if fmt:
            iperfArgs += "-f %s " % fmt
        server.sendCmd(iperfArgs + "-s")
        if l4Type == "TCP" and not waitListening(client, server, port, timeout=10):
            server.sendInt()
            server.waitOutput()
            raise Exception("Could not connect to iperf on port %d" % port)
        if l4Type == "UDP":
            time.sleep(0.2)  # a UDP server has nothing to connect to: give it its moment
        cliout = client.cmd(iperfArgs + "-t %d -c " % seconds + server.IP() + " " + bwArgs)
        debug("Client output: %s\n" % cliout)
        servout = ""
        # The server's report comes once the client's data is in; it never does when all of a
        # UDP flow's last packets were lost, so wait a bounded time (Mininet waits forever).
        deadline = time.monotonic() + seconds + 10
        while "/sec" not in servout and time.monotonic() < deadline:
            servout += server.monitor(timeoutms=1000)
        server.sendInt()
        servout += server.waitOutput()
        debug("Server output: %s\n" % servout)
        result = [self._parseIperf(servout), self._parseIperf(cliout)]
        if l4Type == "UDP":
            result.insert(0, udpBw)
        output("*** Results: %s\n" % result)
        return result

    def runCpuLimitTest(self, cpu: float, duration: int = 5) -> list:
        """Busy loops in every host; each second, the share of all CPUs each host's loops got
        (read from the node's own /proc)."""
        info("*** Testing CPU %.0f%% bandwidth limit\n" % (cpu * 100))
        cores = numCores()
        num_procs = int(ceil(cores * cpu))
        pids: dict = {}
        for h in self.hosts:
            pids[h] = []
            for _ in range(num_procs):
                h.cmd("while true; do a=1; done &")
                pids[h].append(h.cmd("echo $!").strip())
        ticks = int(self.hosts[0].cmd("getconf CLK_TCK").strip() or 100) if self.hosts else 100

        def used(h: Any) -> float:
            out = h.cmd("cat " + " ".join("/proc/%s/stat" % p for p in pids[h]) + " 2>/dev/null")
            total = 0
            for line in out.splitlines():
                fields = line.rsplit(")", 1)[-1].split()
                if len(fields) > 12:
                    total += int(fields[11]) + int(fields[12])
            return total / ticks

        # Shares over the time that really passed between two readings of a host (a reading
        # takes a command, so the intervals are not exactly one second).
        outputs: dict = {h: [] for h in self.hosts}
        last = {h: (time.monotonic(), used(h)) for h in self.hosts}
        for _ in range(duration):
            time.sleep(1)
            for h in self.hosts:
                now = (time.monotonic(), used(h))
                outputs[h].append((now[1] - last[h][1]) / (now[0] - last[h][0]) / cores * 100)
                last[h] = now
        for h, ps in pids.items():
            for pid in ps:
                h.cmd("kill -9 %s" % pid)
        cpu_fractions = [pct for h in self.hosts for pct in outputs[h]]
        output("*** Results: %s\n" % cpu_fractions)
        return cpu_fractions

    def configLinkStatus(self, src: str, dst: str, status: str) -> None:
        if src not in self.nameToNode:
            error("src not in network: %s\n" % src)
        elif dst not in self.nameToNode:
            error("dst not in network: %s\n" % dst)
        else:
            srcNode, dstNode = self.nameToNode[src], self.nameToNode[dst]
            connections = srcNode.connectionsTo(dstNode)
            if len(connections) == 0:
                error("src and dst not connected: %s %s\n" % (src, dst))
            for srcIntf, dstIntf in connections:
                srcIntf._up = dstIntf._up = status == "up"
            self.fabric.changed()
            self.fabric.flush()

    def interact(self) -> None:
        from .cli import CLI
        self.start()
        result = CLI(self)
        self.stop()
        return result

    inited = False

    @classmethod
    def init(cls) -> None:
        """Mininet checks for root and raises host limits here; nslab needs neither."""
        cls.inited = True


def _each(title: str, items: list, action: Any, mark: Optional[str] = None) -> None:
    """Mininet's progress lines: the title, each item's name (or `mark`) as it is done."""
    info(title)
    for item in items:
        info(mark or item.name + " ")
        action(item)
    info("\n")


class MininetWithControlNet(Mininet):
    """Mininet with a control network; the same as Mininet here (no controllers run)."""
