"""Mininet's links and interfaces. A Link is a veth pair of the lab; a TCLink's (or TCIntf's)
bw, delay, jitter, loss and max_queue_size become the nslab link's netem (rate, delay, jitter,
loss, limit), which nslab applies to both ends: an interface's settings hold for the whole
link, in both directions."""
from __future__ import annotations

from typing import Any, Optional

from .fabric import NotSupported
from .log import info, warn


class Intf:
    """An interface of a node: a link end, named h1-eth0, s1-eth1..."""

    def __init__(self, name: str, node: Any = None, port: Optional[int] = None, link: Any = None,
                 mac: Optional[str] = None, **params: Any) -> None:
        self.node, self.name, self.link = node, name, link
        self.mac = mac
        self.ip: Optional[str] = None
        self.prefixLen: Optional[int] = None
        self._up = True
        self._tc: Optional[dict] = None
        if node is not None:
            node.addIntf(self, port=port)
        params.pop("moveIntfFn", None)
        self.params = params
        self.config(**params)

    # -- addresses, recorded in the lab's topology ----------------------------------------

    def _address(self) -> Optional[str]:
        if self.ip:
            return f"{self.ip}/{self.prefixLen}"
        if self.node is not None and not self.node.isSwitch and self.node.defaultIntf() is self:
            ip = self.node.params.get("ip")
            if ip:
                return ip if "/" in ip else f"{ip}/8"
        return None

    def _mac(self) -> Optional[str]:
        if self.mac:
            return self.mac
        if self.node is not None and not self.node.isSwitch and self.node.defaultIntf() is self:
            return self.node.params.get("mac")
        return None

    def IP(self) -> Optional[str]:
        a = self._address()
        return a.split("/")[0] if a else None

    def MAC(self) -> Optional[str]:
        if self._mac():
            return self._mac()
        if self.node is not None and self.node.fabric.lab is not None:
            try:
                for i in self.node.fabric.lab_node(self.node.name).interfaces():
                    if i.name == self.name:
                        return i.mac
            except Exception:  # noqa: BLE001 - a node not up yet has no MAC
                return None
        return None

    def setIP(self, ipstr: str, prefixLen: Optional[int] = None) -> None:
        if "/" in ipstr:
            ip, plen = ipstr.split("/")
        elif prefixLen is not None:
            ip, plen = ipstr, prefixLen
        else:
            raise Exception(f"No prefix length set for IP address {ipstr}")
        self.ip, self.prefixLen = ip, int(plen)
        self.node.fabric.changed()

    def setMAC(self, macstr: str) -> None:
        self.mac = macstr
        self.node.fabric.changed()

    def updateIP(self) -> Optional[str]:
        return self.IP()

    def updateMAC(self) -> Optional[str]:
        return self.MAC()

    def updateAddr(self):
        return self.IP(), self.MAC()

    # -- state ----------------------------------------------------------------------------

    def ifconfig(self, *args: Any) -> str:
        """'up' and 'down' set the interface's state in the lab; anything else runs ifconfig."""
        if len(args) == 1 and args[0] in ("up", "down"):
            self._up = args[0] == "up"
            fabric = self.node.fabric
            fabric.changed()
            if fabric.lab is not None:
                fabric.flush()
            return ""
        return self.node.cmd("ifconfig", self.name, *args)

    def isUp(self, setUp: bool = False) -> bool:
        if setUp:
            self.ifconfig("up")
        return self._up

    def rename(self, newname: str) -> None:
        raise NotSupported(f"renaming interface {self.name}: not supported by nslab-mn (name it when the link is made: "
                           "intfName1/intfName2)")

    def setParam(self, results: dict, method: str, **param: Any):
        name, value = next(iter(param.items())) if param else (None, None)
        if value is None:
            return None
        f = getattr(self, method)
        result = f(*value) if isinstance(value, list) else (f(**value) if isinstance(value, dict) else f(value))
        results[name] = result
        return result

    def config(self, mac: Optional[str] = None, ip: Optional[str] = None, ifconfig: Any = None, up: bool = True,
               **_params: Any) -> dict:
        r: dict = {}
        if mac:
            self.setMAC(mac)
        if ip:
            self.setIP(ip if "/" in ip else f"{ip}/8")
        if not up:
            self._up = False
        return r

    def delete(self) -> None:
        if self.node is not None:
            self.node.delIntf(self)

    def status(self) -> str:
        node = self.node
        if node is None or node.fabric.lab is None or node.name not in node.fabric.lab:
            return "MISSING"
        try:
            names = {i.name for i in node.fabric.lab[node.name].interfaces()}
        except Exception:  # noqa: BLE001 - a node going down
            return "MISSING"
        return "OK" if self.name in names else "MISSING"

    def __repr__(self) -> str:
        return f"<{self.__class__.__name__} {self.name}>"

    def __str__(self) -> str:
        return self.name


class TCIntf(Intf):
    """An interface with traffic control: bw (Mbit/s), delay, jitter, loss (%), max_queue_size."""

    def config(self, bw: Optional[float] = None, delay: Any = None, jitter: Any = None, loss: Optional[float] = None,
               gro: bool = False, txo: bool = True, rxo: bool = True, speedup: float = 0, use_hfsc: bool = False,
               use_tbf: bool = False, latency_ms: Any = None, enable_ecn: bool = False, enable_red: bool = False,
               max_queue_size: Optional[int] = None, **params: Any) -> dict:
        result = Intf.config(self, **params)
        if loss is not None and not 0 <= loss <= 100:
            raise ValueError(f"{self.name}: loss {loss} is not a percentage")
        tc = {k: v for k, v in (("bw", bw), ("delay", delay), ("jitter", jitter), ("loss", loss),
                                ("max_queue_size", max_queue_size)) if v is not None}
        stuff = (([f"{bw:.2f}Mbit"] if bw is not None else []) + ([f"{delay} delay"] if delay is not None else [])
                 + ([f"{jitter} jitter"] if jitter is not None else [])
                 + ([f"{loss:.5f}% loss"] if loss is not None else [])
                 + (["ECN"] if enable_ecn else []) + (["RED"] if enable_red else []))
        info("(" + " ".join(stuff) + ") ")
        first = self._tc is None
        self._tc = tc
        if not first and self.link is not None:
            self.link._retune()
        result["tc"] = tc
        return result


def _duration(v: Any) -> str:
    return f"{v}ms" if isinstance(v, (int, float)) else str(v)


class Link:
    """A veth pair between two nodes (ports and names as Mininet numbers them)."""

    _warned_asymmetric = False

    def __init__(self, node1: Any, node2: Any, port1: Optional[int] = None, port2: Optional[int] = None,
                 intfName1: Optional[str] = None, intfName2: Optional[str] = None, addr1: Optional[str] = None,
                 addr2: Optional[str] = None, intf: Any = Intf, cls1: Any = None, cls2: Any = None,
                 params1: Optional[dict] = None, params2: Optional[dict] = None, fast: bool = True, **params: Any) -> None:
        if node1.fabric is not node2.fabric:
            raise NotSupported(f"a link between {node1} and {node2}, which belong to different networks")
        params1 = dict(params1) if params1 else {}
        params2 = dict(params2) if params2 else {}
        if port1 is not None:
            params1["port"] = port1
        if port2 is not None:
            params2["port"] = port2
        if "port" not in params1:
            params1["port"] = node1.newPort()
        if "port" not in params2:
            params2["port"] = node2.newPort()
        if not intfName1:
            intfName1 = self.intfName(node1, params1["port"])
        if not intfName2:
            intfName2 = self.intfName(node2, params2["port"])
        params1.update(params)
        params2.update(params)
        self.fast = fast
        self.intf1 = (cls1 or intf)(name=intfName1, node=node1, link=self, mac=addr1, **params1)
        self.intf2 = (cls2 or intf)(name=intfName2, node=node2, link=self, mac=addr2, **params2)
        node1.fabric.add_link(self)

    def intfName(self, node: Any, n: int) -> str:
        return f"{node.name}-eth{n}"

    def _netem(self) -> Optional[dict]:
        """The link's nslab netem, from the TCIntf settings of its ends (intf1's win)."""
        tc1, tc2 = self.intf1._tc, self.intf2._tc
        if tc1 is None and tc2 is None:
            return None
        if tc1 and tc2 and tc1 != tc2 and not Link._warned_asymmetric:
            Link._warned_asymmetric = True
            warn(f"*** nslab-mn: {self}: the two ends ask for different traffic control; nslab impairs a link "
                 f"the same way in both directions, with {self.intf1}'s settings\n")
        tc = dict(tc2 or {})
        tc.update(tc1 or {})
        netem: dict = {}
        if "bw" in tc:
            netem["rate"] = f"{tc['bw']}mbit"
        if "delay" in tc:
            netem["delay"] = _duration(tc["delay"])
        if "jitter" in tc:
            netem["jitter"] = _duration(tc["jitter"])
        if "loss" in tc and tc["loss"]:
            netem["loss"] = f"{tc['loss']}%"
        if "max_queue_size" in tc:
            netem["limit"] = int(tc["max_queue_size"])
        # A traffic-controlled link always gets a netem key: where the kernel lacks sch_netem,
        # only such links are wired through the path that can impair them later (intf.config).
        return netem or {"delay": "0ms"}

    def _retune(self) -> None:
        fabric = self.intf1.node.fabric
        if fabric.lab is None or self not in fabric.links or fabric.dirty:
            fabric.changed()
            return
        netem = self._netem() or {}
        fabric.lab_link(self).set(**netem)

    def delete(self) -> None:
        fabric = self.intf1.node.fabric
        fabric.remove_link(self)
        self.intf1.delete()
        self.intf2.delete()

    def stop(self) -> None:
        pass

    def status(self) -> str:
        return f"({self.intf1.status()} {self.intf2.status()})"

    def __str__(self) -> str:
        return f"{self.intf1}<->{self.intf2}"

    def __repr__(self) -> str:
        return f"<{self.__class__.__name__} {self}>"


class TCLink(Link):
    """A link whose two interfaces are TCIntfs with the same parameters."""

    def __init__(self, node1: Any, node2: Any, port1: Optional[int] = None, port2: Optional[int] = None,
                 intfName1: Optional[str] = None, intfName2: Optional[str] = None, addr1: Optional[str] = None,
                 addr2: Optional[str] = None, **params: Any) -> None:
        Link.__init__(self, node1, node2, port1=port1, port2=port2, intfName1=intfName1, intfName2=intfName2,
                      cls1=TCIntf, cls2=TCIntf, addr1=addr1, addr2=addr2, params1=params, params2=params)


class TCULink(TCLink):
    """Mininet's TCLink without the user-space workaround; the same here."""


class OVSIntf(Intf):
    pass


class OVSLink(Link):
    """A patch link of Open vSwitch in Mininet; a veth pair here."""

