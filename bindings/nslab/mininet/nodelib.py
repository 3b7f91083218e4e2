"""Mininet's node library: LinuxBridge (what every switch is here) and NAT (not supported)."""
from typing import Any

from .fabric import NotSupported
from .node import Node, Switch


class LinuxBridge(Switch):
    """A Linux bridge: every switch class is one under nslab-mn."""

    def __init__(self, name: str, stp: bool = False, prio: Any = None, **kwargs: Any) -> None:
        if stp:
            raise NotSupported(f"{name}: stp=True: spanning tree is not supported by nslab-mn (a loop of "
                               "switches is refused when the lab is built)")
        super().__init__(name, **kwargs)


class NAT(Node):
    """Mininet's NAT to the host's network: not supported (labs never touch the host's namespaces)."""

    def __init__(self, name: str, *args: Any, **kwargs: Any) -> None:
        raise NotSupported(f"{name}: NAT to the host's network is not supported by nslab-mn (labs never "
                           "touch the host's namespaces)")
