"""Reachability matrices."""
from __future__ import annotations

from dataclasses import dataclass


# The same words as `lab pingall`'s note (cli/cmd_ping.cpp).
NEIGHBOUR_NOTE = (
    "note: the kernel's neighbour table overflowed during the ping, so some pairs may have failed for "
    "lack of ARP/ND entries, not for the lab: one table serves all namespaces, capped by "
    "net.ipv4.neigh.default.gc_thresh3 (and ipv6), 1024 by default, and n hosts on one LAN need "
    "n*(n-1) entries. Raise it (sysctl -w net.ipv4.neigh.default.gc_thresh3=16384) and ping again.")


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
        rows: dict[str, list[str]] = {}
        for r in self.results:
            rows.setdefault(r.src, []).append(r.dst if r.ok else "X")
        lines = [f"{src} -> {' '.join(dsts)}" for src, dsts in rows.items()]
        got = len(self.results) - len(self.failures)
        lines.append(f"*** Results: {self.dropped:.0f}% dropped ({got}/{len(self.results)} received)")
        if self.failures and self.neighbour_overflows:
            lines.append(NEIGHBOUR_NOTE)
        return "\n".join(lines)
