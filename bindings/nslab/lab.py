"""Lab: bring a topology up, reach its nodes and links, take it down."""
from __future__ import annotations

import json
import os
import pathlib
import time
from typing import Any, Callable, Iterator, Optional, Union

from . import _nslab
from .errors import LabError
from .link import Link
from .node import Node
from .ping import PingMatrix

Topology = Union[str, os.PathLike, dict]


def _load(topology: Topology) -> tuple[str, str, str]:
    """(text, source, workdir) for a path, a dict or JSON text."""
    if isinstance(topology, dict):
        return json.dumps(topology), "<dict>", os.getcwd()
    if isinstance(topology, str) and topology.lstrip().startswith("{"):
        return topology, "<text>", os.getcwd()
    path = pathlib.Path(topology)
    try:
        text = path.read_text()
    except OSError as e:
        raise LabError(f"cannot read topology {path}: {e.strerror}") from None
    return text, str(path), str(path.resolve().parent)


class Change:
    """What a live change did: `lines` the difference as ``lab apply`` prints it ("+ node r4",
    "- link r1:eth2 <-> r3:eth1", "~ netem ..."), `applied` False for a dry run, `ms` the
    keeper's time."""

    def __init__(self, lines: list[str], applied: bool, ms: float) -> None:
        self.lines, self.applied, self.ms = lines, applied, ms

    def __bool__(self) -> bool:
        return bool(self.lines)

    def __str__(self) -> str:
        return "\n".join(self.lines)

    def __repr__(self) -> str:
        return f"Change({self.lines!r}, applied={self.applied}, ms={self.ms:.1f})"


class Lab:
    """A lab: a network of namespaces built from a topology.

    ``with Lab.from_file("t.json") as lab:`` brings it up on entry and down on exit. A lab made
    from Python is ephemeral by default: it dies with the process that made it, even on
    ``kill -9``. A Lab inherited by a forked child never takes its parent's lab down."""

    def __init__(self, topology: Optional[Topology] = None, *, name: Optional[str] = None,
                 ephemeral: bool = True, exec_timeout: int = 60) -> None:
        self._topology = topology
        self._name = name
        self._ephemeral = ephemeral
        self._exec_timeout = exec_timeout
        self._handle: Any = None
        self._attached = False
        self._owner = os.getpid()
        self._nodes: dict[str, Node] = {}
        self._links: list[Link] = []
        self._captures: set = set()  # running captures, stopped by down()

    @classmethod
    def from_file(cls, path: Union[str, os.PathLike], name: Optional[str] = None, **kw: Any) -> "Lab":
        """A lab for the topology file at `path`, not up yet (use ``with`` or ``up()``)."""
        return cls(pathlib.Path(path), name=name, **kw)

    @classmethod
    def attach(cls, name: str) -> "Lab":
        """A lab that is already running (e.g. started with ``lab up``). Leaving a ``with``
        block does not take it down; ``down()`` does."""
        lab = cls(name=name, ephemeral=False)
        lab._handle = _nslab.attach(name)
        lab._attached = True
        lab._load_model()
        return lab

    # -- lifecycle -------------------------------------------------------------------------

    def up(self, topology: Optional[Topology] = None, name: Optional[str] = None,
           hosts: Union[dict, str, os.PathLike, None] = None) -> "Lab":
        """Build the lab from `topology` (a path, a dict or JSON text); returns when it is wired
        and its exec commands ran. Raises TopologyError, LabError or NetlinkError, after which
        nothing is left. `hosts` (a dict, or a path to a JSON file, as ``lab up --hosts`` takes)
        spreads the lab over those machines, each running its part over ssh; nodes then take
        ``run`` (not ``popen``/``spawn``), and the lab goes on every machine with ``down``."""
        if self._handle is not None:
            raise LabError(f"lab {self.name} is already up")
        topology = topology if topology is not None else self._topology
        if topology is None:
            raise LabError("no topology given")
        text, source, workdir = _load(topology)
        if hosts is None:
            hosts_text = ""
        elif isinstance(hosts, dict):
            hosts_text = json.dumps(hosts)
        else:
            hosts_text = pathlib.Path(hosts).read_text()
        self._handle = _nslab.up(text, name or self._name or "", source, workdir, self._ephemeral,
                                 self._exec_timeout, hosts_text)
        self._load_model()
        return self

    def down(self) -> None:
        """Take the lab down; returns when its processes, pins and state are gone. Does nothing
        in a forked child of the process that made the lab, or when it is not up."""
        if self._handle is None or os.getpid() != self._owner:
            return
        for cap in list(self._captures):
            try:
                cap.stop()
            except Exception:  # noqa: BLE001 - the lab goes down whatever a capture says
                pass
        handle, self._handle = self._handle, None
        handle.down()

    def detach(self) -> None:
        """Keep the lab up after this process exits (``lab down NAME`` removes it)."""
        self._h().detach()

    def __enter__(self) -> "Lab":
        if self._handle is None:
            self.up()
        return self

    def __exit__(self, *exc: object) -> None:
        if not self._attached:
            self.down()

    # -- what is in it ---------------------------------------------------------------------

    def _h(self) -> Any:
        if self._handle is None:
            raise LabError("the lab is not up")
        return self._handle

    def _load_model(self) -> None:
        h = self._h()
        self._nodes = {n["name"]: Node(self, n) for n in h.nodes()}
        self._links = [Link(self, a, b, up, mtu) for a, b, up, mtu in h.links()]

    @property
    def name(self) -> str:
        """The lab's name (also the prefix of its /run/netns pins: ``<name>.<node>``)."""
        return self._handle.name if self._handle is not None else (self._name or "")

    @property
    def is_up(self) -> bool:
        return self._handle is not None

    @property
    def up_ms(self) -> float:
        """How long the keeper took to build the lab, in milliseconds."""
        return float(self._h().up_ms)

    @property
    def nodes(self) -> dict[str, Node]:
        """Nodes by name, in topology order."""
        self._h()
        return dict(self._nodes)

    @property
    def links(self) -> list[Link]:
        """Links in topology order."""
        self._h()
        return list(self._links)

    def to_dict(self) -> dict:
        """The lab as `lab status --json` shows it (the engine builds both): name, status,
        keeper, timings, nodes with their PIDs, namespace pins and live interfaces (with the
        addresses the topology configured), and links with their impairments."""
        return json.loads(_nslab.describe(self._h()))

    def __getitem__(self, node: str) -> Node:
        self._h()
        try:
            return self._nodes[node]
        except KeyError:
            raise LabError(f"lab {self.name} has no node {node!r} (nodes: {', '.join(self._nodes)})") from None

    def __contains__(self, node: object) -> bool:
        return node in self._nodes

    def __iter__(self) -> Iterator[Node]:
        return iter(self.nodes.values())

    def node(self, name: str) -> Node:
        """The node `name` (the same as ``lab[name]``)."""
        return self[name]

    def link(self, endpoint: str) -> Link:
        """The link at `endpoint` ("r1:eth1"), whichever end it names; its `capture()` listens
        at that end."""
        for l in self.links:
            if endpoint in l.endpoints:
                return Link(self, *l.endpoints, l._configured_up, l.mtu, named=endpoint)
        raise LabError(f"lab {self.name} has no link at {endpoint!r}")

    # -- live changes ----------------------------------------------------------------------

    def add_node(self, name: str, spec: Optional[dict] = None) -> Node:
        """Start node `name` in the running lab; `spec` is its object as in a topology's
        ``nodes`` (the topology's ``defaults`` apply). Returns the new Node."""
        self._change("add_node", name, spec=json.dumps(spec or {}))
        return self[name]

    def remove_node(self, name: str) -> Change:
        """Stop node `name` and remove every link with an end on it."""
        return self._change("remove_node", name)

    def add_link(self, a: str, b: str, **spec: Any) -> Link:
        """Join endpoints `a` and `b` ("r1:eth3", a switch "s1") with a new link; `spec` holds
        the link's other keys as in a topology (``ipv4=["10.0.14.1/30", "10.0.14.2/30"]``,
        ``ipv6``, ``mtu``, ``netem={"delay": "5ms"}``, ``up``). Returns the new Link."""
        before = {frozenset(l.endpoints) for l in self._links}
        self._change("add_link", a, b, json.dumps(spec))
        new = [l for l in self._links if frozenset(l.endpoints) not in before]
        if not new:
            raise LabError(f"lab {self.name}: the link {a} -- {b} is not in the lab after adding it")
        ends = new[0].endpoints
        return self.link(ends[0] if ends[0].split(":")[0] == a.split(":")[0] else ends[1])

    def remove_link(self, endpoint: str) -> Change:
        """Remove the link that has the end `endpoint` ("r1:eth3")."""
        return self._change("remove_link", endpoint)

    def apply(self, topology: Topology, dry_run: bool = False) -> Change:
        """Reconcile the running lab to `topology` (a path, a dict or JSON text): nodes and
        links added or removed, addresses, routes, impairments and link states changed, nothing
        else touched. With `dry_run` only the difference is returned. A change that fails is
        undone as a whole (the exception says why) and the lab keeps running as it was."""
        text, source, _ = _load(topology)
        lines, applied, ms = self._h().apply(text, source, dry_run)
        self._load_model()
        return Change(list(lines), applied, ms)

    def _change(self, op: str, a: str, b: str = "", spec: str = "") -> Change:
        lines, applied, ms = self._h().change(op, a, b, spec)
        self._load_model()
        return Change(list(lines), applied, ms)

    # -- checks ----------------------------------------------------------------------------

    def ping_all(self, family: Optional[int] = None, timeout: float = 2.0) -> PingMatrix:
        """Reachability between every ordered pair of non-switch nodes, from raw ICMP sockets
        inside the nodes (no process per pair). ``str(matrix)`` prints it Mininet-style."""
        rows, overflows = _nslab.ping_all(self._h(), family or 0, timeout)
        return PingMatrix(rows, neighbour_overflows=overflows)

    def _ping_one(self, src: str, dst: str, timeout: float) -> bool:
        # A node name is resolved by the engine, to the address `lab ping` would use.
        return bool(_nslab.ping(self._h(), src, dst, timeout))

    def wait_until(self, predicate: Callable[[], Any], timeout: float = 30.0, interval: float = 0.2) -> bool:
        """Call `predicate` until it returns something true (True) or `timeout` seconds pass
        (False). An exception from the predicate counts as not yet."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                if predicate():
                    return True
            except Exception:  # noqa: BLE001 - "not ready yet" often looks like an error
                pass
            if time.monotonic() >= deadline:
                return False
            time.sleep(interval)

    def report(self) -> str:
        """The lab's state for a failure report: each node's interfaces, routes and the last
        commands run through this object with their output."""
        lines = [f"lab {self.name}"]
        for node in self._nodes.values():
            lines.append(f"-- {node.name} ({node.kind}, pid {node.pid})")
            try:
                for i in node.interfaces():
                    state = "up" if i.up and (i.carrier or i.name == "lo") else ("down" if not i.up else "no-carrier")
                    lines.append(f"   {i.name:<10} {state:<10} mtu {i.mtu:<6} {' '.join(i.addresses)}")
                for r in node.routes():
                    lines.append(f"   route {r}")
            except Exception as e:  # noqa: BLE001 - a report must not raise
                lines.append(f"   (cannot inspect: {e})")
            for res in node.history:
                lines.append(f"   $ {res.cmd}  -> exit {res.exit_code}")
                for text in (res.stdout, res.stderr):
                    tail = text.strip().splitlines()[-5:]
                    lines.extend("     " + t for t in tail)
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"<Lab {self.name} {'up' if self.is_up else 'down'}>"
