"""A link of a running lab, named by either of its endpoints."""
from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any, Optional, Union

from .capture import Capture

if TYPE_CHECKING:
    from .lab import Lab


class Link:
    """A veth pair between two endpoints. Changes apply to both ends, like a cable."""

    def __init__(self, lab: "Lab", a: str, b: str, up: bool, mtu: Optional[int], named: Optional[str] = None) -> None:
        self._lab = lab
        self.endpoints: tuple[str, str] = (a, b)
        self.mtu: Optional[int] = mtu
        self._configured_up = up
        #: The endpoint this link was looked up by (``lab.link("r2:eth1")``); captures happen there.
        self.named: str = named or a

    def __repr__(self) -> str:
        return f"<Link {self.endpoints[0]} <-> {self.endpoints[1]}>"

    def down(self, end: Optional[str] = None) -> None:
        """Set both ends administratively down, or only `end` ("r1:eth1"), whose peer then
        sees its carrier go; daemons see the carrier go."""
        self._lab._h().set_link_up(self.endpoints[0], False, end or "")

    def up(self, end: Optional[str] = None) -> None:
        """Set both ends up again, or only `end`; addresses were kept."""
        self._lab._h().set_link_up(self.endpoints[0], True, end or "")

    @property
    def is_up(self) -> bool:
        """True when both ends are up and have a carrier."""
        return all(up and carrier for _, up, carrier, _ in self._lab._h().link_state(self.endpoints[0]))

    def set(self, **netem: object) -> None:
        """Replace the link's impairment on both ends, e.g. set(delay="20ms", loss="1%").

        Keys and values as in a topology's `netem` object (delay, jitter, loss, duplicate,
        corrupt, reorder, rate, limit); set() with no keys removes the impairment. Uses the
        kernel's netem where it exists, else the lab's userspace path.
        """
        self._lab._h().impair(self.endpoints[0], [(k, str(v)) for k, v in netem.items()])

    @property
    def impairment(self) -> tuple[str, str]:
        """(path, values) in force: path is "netem", "tbf", "userspace" or "none"."""
        return tuple(self._lab._h().impair(self.endpoints[0]))  # type: ignore[return-value]

    def capture(self, path: Union[str, os.PathLike, None] = None, *, count: Optional[int] = None,
                timeout: Optional[float] = None, **kw: Any) -> Capture:
        """Start capturing at the endpoint this link was named by (see `nslab.capture.Capture`):
        ``with lab.link("r1:eth1").capture("r1.pcap") as cap: ...``, or ``.wait()`` for
        `count` frames or `timeout` seconds."""
        return Capture(self._lab, self.named, path, count=count, timeout=timeout, **kw)
