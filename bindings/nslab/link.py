"""A link of a running lab, named by either of its endpoints."""
from __future__ import annotations

from typing import TYPE_CHECKING, Optional

if TYPE_CHECKING:
    from .lab import Lab


class Link:
    """A veth pair between two endpoints. Changes apply to both ends, like a cable."""

    def __init__(self, lab: "Lab", a: str, b: str, up: bool, mtu: Optional[int]) -> None:
        self._lab = lab
        self.endpoints: tuple[str, str] = (a, b)
        self.mtu: Optional[int] = mtu
        self._configured_up = up

    def __repr__(self) -> str:
        return f"<Link {self.endpoints[0]} <-> {self.endpoints[1]}>"

    def down(self) -> None:
        """Set both ends administratively down; daemons see the carrier go."""
        self._lab._h().set_link_up(self.endpoints[0], False)

    def up(self) -> None:
        """Set both ends up again; addresses were kept."""
        self._lab._h().set_link_up(self.endpoints[0], True)

    @property
    def is_up(self) -> bool:
        """True when both ends are up and have a carrier."""
        return all(up and carrier for _, up, carrier, _ in self._lab._h().link_state(self.endpoints[0]))
