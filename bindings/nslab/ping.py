"""Reachability matrices."""
from __future__ import annotations

from dataclasses import dataclass

from . import _nslab


@dataclass(frozen=True)
class PingResult:
    src: str
    dst: str
    address: str
    ok: bool
    rtt_ms: float


class PingMatrix:
    """Outcome of Lab.ping_all: one PingResult per ordered pair of non-switch nodes."""

    def __init__(self, rows: list[tuple[str, str, str, bool, float]], neighbour_overflows: int = 0) -> None:
        self.results = [PingResult(*r) for r in rows]
        #: ARP/ND entries the host's neighbour table refused while this matrix ran. The table
        #: is one for the whole host (all namespaces, capped by
        #: net.ipv4.neigh.default.gc_thresh3, 1024 by default): when this is not 0, failed
        #: pairs may be the host's limit, not the lab's fault. Counts other labs' refusals too.
        self.neighbour_overflows = neighbour_overflows

    @property
    def ok(self) -> bool:
        """True when every pair answered."""
        return all(r.ok for r in self.results)

    def __bool__(self) -> bool:
        return self.ok

    @property
    def failures(self) -> list[PingResult]:
        return [r for r in self.results if not r.ok]

    @property
    def dropped(self) -> float:
        """Percentage of pairs that did not answer."""
        return 100.0 * len(self.failures) / len(self.results) if self.results else 0.0

    def __str__(self) -> str:
        """The matrix as `lab pingall` prints it (the engine writes both), then the
        neighbour-table note on one line when a pair failed while the table overflowed."""
        rows = [(r.src, r.dst, r.address, r.ok, r.rtt_ms) for r in self.results]
        return _nslab.ping_text(rows, self.neighbour_overflows)
