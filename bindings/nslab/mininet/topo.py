"""Mininet's Topo: a multigraph of named nodes (hosts and switches) with their options, and
links with ports; the topologies `mn --topo` knows."""
from __future__ import annotations

from typing import Any, Optional

from .util import irange, natural, naturalSeq


class MultiGraph:
    """What Mininet uses of networkx's MultiGraph: nodes with data, keyed edges with data."""

    def __init__(self) -> None:
        self.node: dict = {}
        self.edge: dict = {}

    def add_node(self, node: str, attr_dict: Optional[dict] = None, **attrs: Any) -> None:
        attrs = dict(attr_dict or {}, **attrs)
        self.node[node] = attrs

    def add_edge(self, src: str, dst: str, key: Any = None, attr_dict: Optional[dict] = None, **attrs: Any) -> Any:
        attrs = dict(attr_dict or {}, **attrs)
        self.node.setdefault(src, {})
        self.node.setdefault(dst, {})
        self.edge.setdefault(src, {}).setdefault(dst, {})
        self.edge.setdefault(dst, {}).setdefault(src, {})
        entry = self.edge[src][dst]
        if key is None:
            key = 0
            while key in entry:
                key += 1
        entry[key] = attrs
        self.edge[dst][src][key] = attrs
        self._order = getattr(self, "_order", []) + [(src, dst, key)]
        return key

    def nodes(self, data: bool = False) -> list:
        return list(self.node.items()) if data else list(self.node)

    def edges_iter(self, data: bool = False, keys: bool = False):
        for src, dst, key in getattr(self, "_order", []):
            if key not in self.edge.get(src, {}).get(dst, {}):
                continue
            attrs = self.edge[src][dst][key]
            yield (src, dst) + ((key,) if keys else ()) + ((attrs,) if data else ())

    def edges(self, data: bool = False, keys: bool = False) -> list:
        return list(self.edges_iter(data, keys))

    def __getitem__(self, node: str) -> dict:
        return self.edge[node]

    def convertTo(self, cls: Any, data: bool = False, keys: bool = False) -> Any:
        g = cls()
        g.add_nodes_from(self.nodes(data=data))
        g.add_edges_from(self.edges(data=(data or keys), keys=keys))
        return g


class Topo:
    """Data center network representation for structured multi-trees."""

    def __init__(self, *args: Any, **params: Any) -> None:
        self.g = MultiGraph()
        self.hopts = params.pop("hopts", {})
        self.sopts = params.pop("sopts", {})
        self.lopts = params.pop("lopts", {})
        self.ports: dict = {}
        self.build(*args, **params)

    def build(self, *args: Any, **params: Any) -> None:
        """Override this to add nodes and links."""

    def addNode(self, name: str, **opts: Any) -> str:
        self.g.add_node(name, **opts)
        return name

    def addHost(self, name: str, **opts: Any) -> str:
        if not opts and self.hopts:
            opts = self.hopts
        return self.addNode(name, **opts)

    def addSwitch(self, name: str, **opts: Any) -> str:
        if not opts and self.sopts:
            opts = self.sopts
        return self.addNode(name, isSwitch=True, **opts)

    def addLink(self, node1: str, node2: str, port1: Optional[int] = None, port2: Optional[int] = None,
                key: Any = None, **opts: Any) -> Any:
        if not opts and self.lopts:
            opts = self.lopts
        port1, port2 = self.addPort(node1, node2, port1, port2)
        opts = dict(opts)
        opts.update(node1=node1, node2=node2, port1=port1, port2=port2)
        return self.g.add_edge(node1, node2, key, opts)

    def nodes(self, sort: bool = True) -> list:
        nodes = self.g.nodes()
        return sorted(nodes, key=natural) if sort else nodes

    def isSwitch(self, n: str) -> bool:
        return bool(self.g.node[n].get("isSwitch", False))

    def switches(self, sort: bool = True) -> list:
        return [n for n in self.nodes(sort) if self.isSwitch(n)]

    def hosts(self, sort: bool = True) -> list:
        return [n for n in self.nodes(sort) if not self.isSwitch(n)]

    def iterLinks(self, withKeys: bool = False, withInfo: bool = False):
        for _src, _dst, key, info in self.g.edges_iter(data=True, keys=True):
            node1, node2 = info["node1"], info["node2"]
            if withKeys:
                yield (node1, node2, key, info) if withInfo else (node1, node2, key)
            else:
                yield (node1, node2, info) if withInfo else (node1, node2)

    def links(self, sort: bool = False, withKeys: bool = False, withInfo: bool = False) -> list:
        links = list(self.iterLinks(withKeys, withInfo))
        if not sort:
            return links
        size = 3 if withKeys else 2
        return sorted(links, key=lambda l: naturalSeq(l[:size]))

    def addPort(self, src: str, dst: str, sport: Optional[int] = None, dport: Optional[int] = None) -> tuple[int, int]:
        ports = self.ports
        ports.setdefault(src, {})
        ports.setdefault(dst, {})
        if sport is None:
            base = 1 if self.isSwitch(src) else 0
            sport = len(ports[src]) + base
        if dport is None:
            base = 1 if self.isSwitch(dst) else 0
            dport = len(ports[dst]) + base
        ports[src][sport] = (dst, dport)
        ports[dst][dport] = (src, sport)
        return sport, dport

    def port(self, src: str, dst: str) -> Any:
        ports = [(s, d) for s, (n, d) in self.ports.get(src, {}).items() if n == dst]
        return ports[0] if len(ports) == 1 else ports

    def _linkEntry(self, src: str, dst: str, key: Any = None):
        entry = self.g[src][dst]
        if key is None:
            key = min(entry)
        return entry, key

    def linkInfo(self, src: str, dst: str, key: Any = None) -> dict:
        entry, key = self._linkEntry(src, dst, key)
        return entry[key]

    def setlinkInfo(self, src: str, dst: str, info: dict, key: Any = None) -> None:
        entry, key = self._linkEntry(src, dst, key)
        entry[key] = info

    def nodeInfo(self, name: str) -> dict:
        return self.g.node[name]

    def setNodeInfo(self, name: str, info: dict) -> None:
        self.g.node[name] = info

    def convertTo(self, cls: Any, data: bool = False, keys: bool = False) -> Any:
        return self.g.convertTo(cls, data=data, keys=keys)

    @staticmethod
    def sorted(items: list) -> list:
        return sorted(items, key=natural)


class SingleSwitchTopo(Topo):
    """Single switch connected to k hosts."""

    def build(self, k: int = 2, **_opts: Any) -> None:
        self.k = k
        switch = self.addSwitch("s1")
        for h in irange(1, k):
            host = self.addHost("h%s" % h)
            self.addLink(host, switch)


class SingleSwitchReversedTopo(Topo):
    """Single switch connected to k hosts, with reversed ports."""

    def build(self, k: int = 2) -> None:
        self.k = k
        switch = self.addSwitch("s1")
        for h in irange(1, k):
            host = self.addHost("h%s" % h)
            self.addLink(host, switch, port1=0, port2=(k - h + 1))


class MinimalTopo(SingleSwitchTopo):
    """Minimal topology with two hosts and one switch."""

    def build(self) -> None:
        return SingleSwitchTopo.build(self, k=2)


class LinearTopo(Topo):
    """Linear topology of k switches, with n hosts per switch."""

    def build(self, k: int = 2, n: int = 1, **_opts: Any) -> None:
        self.k, self.n = k, n
        if n == 1:
            genHostName = lambda i, j: "h%s" % i  # noqa: E731
        else:
            genHostName = lambda i, j: "h%ss%d" % (j, i)  # noqa: E731
        lastSwitch = None
        for i in irange(1, k):
            switch = self.addSwitch("s%s" % i)
            for j in irange(1, n):
                host = self.addHost(genHostName(i, j))
                self.addLink(host, switch)
            if lastSwitch:
                self.addLink(switch, lastSwitch)
            lastSwitch = switch
