"""The nslab lab behind a Mininet network. Mininet objects are imperative (a node exists the
moment it is made); here they are recorded, and the first time one must exist (a command, or
``net.build()``) everything recorded comes up as ONE lab in a single ``Lab.up``. Later changes
(nodes, links, addresses, link states, impairments) go in as one ``Lab.apply`` of the grown
topology each time something needs them, so the lab is always the topology the objects
describe."""
from __future__ import annotations

import atexit
import ipaddress
import itertools
import os
from typing import Any, Optional

from ..lab import Lab
from ..errors import NslabError

_count = itertools.count(1)
_live: list["Fabric"] = []


class NotSupported(NslabError):
    """A Mininet feature nslab-mn cannot provide; the message names it."""


class Fabric:
    """Nodes and links of one Mininet network, and the lab that runs them."""

    def __init__(self) -> None:
        # Unique per process and per network, so parallel runs never collide.
        self.name = f"mn{os.getpid()}-{next(_count)}"
        self.nodes: dict[str, Any] = {}
        self.links: list[Any] = []
        self.lab: Optional[Lab] = None
        self.dirty = False
        #: Processes the script started in nodes (Node.popen): our children, to reap.
        self.popens: list = []

    def add_node(self, node: Any) -> None:
        if node.name in self.nodes:
            raise ValueError(f"a node named {node.name!r} exists already")
        self.nodes[node.name] = node
        self.dirty = True

    def remove_node(self, node: Any) -> None:
        self.links = [l for l in self.links if node not in (l.intf1.node, l.intf2.node)]
        self.nodes.pop(node.name, None)
        self.dirty = True

    def add_link(self, link: Any) -> None:
        self.links.append(link)
        self.dirty = True

    def remove_link(self, link: Any) -> None:
        if link in self.links:
            self.links.remove(link)
            self.dirty = True

    def changed(self) -> None:
        self.dirty = True

    def flush(self) -> None:
        """Make the lab what the objects describe: up the first time, applied after."""
        if not self.dirty or not self.nodes:
            return
        topology = self.topology()
        if self.lab is None:
            lab = Lab(name=self.name)
            lab.up(topology)
            self.lab = lab
            _live.append(self)
        else:
            self.lab.apply(topology)
        self.dirty = False

    def lab_node(self, name: str) -> Any:
        self.flush()
        if self.lab is None:
            raise NotSupported(f"node {name} has no lab to run in")
        return self.lab[name]

    def lab_link(self, link: Any) -> Any:
        self.flush()
        return self.lab.link(f"{link.intf1.node.name}:{link.intf1.name}")

    def down(self) -> None:
        for node in list(self.nodes.values()):
            node._close_shell()
        # An exited child that is not reaped still counts as a node's process, and the lab's
        # teardown would wait for it; one still running goes the way the node goes.
        for p in self.popens:
            if p.poll() is None:
                p.kill()
                p.wait()
        self.popens.clear()
        if self.lab is not None:
            lab, self.lab = self.lab, None
            lab.down()
        if self in _live:
            _live.remove(self)
        self.dirty = bool(self.nodes)

    # -- the topology ---------------------------------------------------------------------

    def topology(self) -> dict:
        nodes = {}
        for node in self.nodes.values():
            # Mininet's nodes share the host's filesystem: /tmp included (a switch's too: its
            # shell finds the ovs-vsctl shim there when nslab is built or installed under /tmp).
            spec: dict = {"kind": "switch" if node.isSwitch else "host", "shared_tmp": True}
            if not node.isSwitch:
                if node._limits:
                    spec["limits"] = dict(node._limits)
                if node._private_dirs:
                    spec["private_dirs"] = list(node._private_dirs)
                route = _default_route(node)
                if route:
                    spec["routes"] = [route]
            nodes[node.name] = spec
        links = []
        for link in self.links:
            # Both ends down is the link down; one end down is that end's own state.
            both_down = not link.intf1._up and not link.intf2._up
            spec = {"endpoints": [_endpoint(link.intf1, both_down), _endpoint(link.intf2, both_down)]}
            if both_down:
                spec["up"] = False
            netem = link._netem()
            if netem:
                spec["netem"] = netem
            links.append(spec)
        return {"name": self.name, "nodes": nodes, "links": links}


def _endpoint(intf: Any, link_down: bool) -> dict:
    end: dict = {"node": intf.node.name, "iface": intf.name}
    if not intf.node.isSwitch:
        ip = intf._address()
        if ip:
            end["ipv4"] = ip
        mac = intf._mac()
        if mac:
            end["mac"] = mac
    if not intf._up and not link_down:
        end["up"] = False
    return end


def _default_route(node: Any) -> Optional[dict]:
    """The node's defaultRoute ('via 10.0.0.1', 'h1-eth0', 'dev h1-eth0') as a topology route,
    once an interface of the node can reach the gateway (until then there is none to add)."""
    spec = node.params.get("defaultRoute")
    if not spec:
        return None
    words = str(spec).split()
    if words and words[0] == "via" and len(words) >= 2:
        try:
            gw = ipaddress.ip_address(words[1])
        except ValueError:
            return None
        for intf in node.intfList():
            ip = intf._address()
            if ip and intf._up and gw in ipaddress.ip_interface(ip).network:
                route = {"to": "default", "via": str(gw)}
                if "dev" in words:
                    route["dev"] = words[words.index("dev") + 1]
                return route
        return None
    dev = words[-1]
    if any(i.name == dev and i._up for i in node.intfList()):
        return {"to": "default", "dev": dev}
    return None


_default: Optional[Fabric] = None
_current: list[Fabric] = []


def current() -> Fabric:
    """The network a node being made belongs to: the Mininet adding it, else one shared by
    the nodes a script makes by hand (``Node('h0')``, scratchnet-style)."""
    global _default
    if _current:
        return _current[-1]
    if _default is None:
        _default = Fabric()
    return _default


class adding:
    """``with adding(fabric):`` nodes made inside belong to `fabric`."""

    def __init__(self, fabric: Fabric) -> None:
        self.fabric = fabric

    def __enter__(self) -> Fabric:
        _current.append(self.fabric)
        return self.fabric

    def __exit__(self, *exc: object) -> None:
        _current.pop()


@atexit.register
def _stop_all() -> None:
    """What a script did not stop goes down when the interpreter exits (an exception, ^C)."""
    for fabric in list(_live):
        try:
            fabric.down()
        except Exception:  # noqa: BLE001 - the other labs must still go down
            pass
