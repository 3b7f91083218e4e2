"""Reachability matrices."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PingResult:
    src: str
    dst: str
    address: str
    ok: bool
    rtt_ms: float


class PingMatrix:
    """Outcome of Lab.ping_all: one PingResult per ordered pair of non-switch nodes."""

    def __init__(self, rows: list[tuple[str, str, str, bool, float]]) -> None:
        self.results = [PingResult(*r) for r in rows]

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
        return "\n".join(lines)
