"""Packet capture on an interface of a running node, from a packet socket inside the node.

    with lab.link("r1:eth1").capture("r1.pcap") as cap:   # capturing from here on
        lab["r1"].ping("10.0.0.2")
    cap.packets        # [Packet(time, length, direction, summary, data), ...]
    cap.path           # "r1.pcap": a pcap file tcpdump -r and Wireshark open

    cap = lab["r1"].capture("eth1", count=4, timeout=10)  # runs in the background ...
    lab["r1"].spawn("ping -c 2 10.0.0.2")
    cap.wait()         # ... until 4 frames or 10 s, whichever comes first
"""
from __future__ import annotations

import os
import threading
from typing import TYPE_CHECKING, Iterator, NamedTuple, Optional, Union

from . import _nslab
from .errors import LabError

if TYPE_CHECKING:
    from .lab import Lab


class Packet(NamedTuple):
    """One frame: when (Unix time), its length on the wire, "in" or "out" of the interface,
    a one-line decode ("IPv4 10.0.12.1 > 10.0.12.2 ICMP echo request id 7 seq 1") and the
    bytes from the Ethernet header on."""

    time: float
    length: int
    direction: str
    summary: str
    data: bytes


class Capture:
    """A capture running in the background from the moment it is made until `count` frames,
    `timeout` seconds, `stop()` or the end of a ``with`` block. Frames are kept in
    `packets` (when `keep`) and written to `path` (when given) as they come."""

    def __init__(self, lab: "Lab", endpoint: str, path: Union[str, os.PathLike, None] = None, *,
                 count: Optional[int] = None, timeout: Optional[float] = None, keep: bool = True) -> None:
        if count is not None and count <= 0:
            raise ValueError("count must be positive")
        if timeout is not None and timeout <= 0:
            raise ValueError("timeout must be positive")
        self.endpoint = endpoint
        self.path: Optional[str] = os.fspath(path) if path is not None else None
        self.count, self.timeout, self._keep = count, timeout, keep
        self.packets: list[Packet] = []
        self.dropped = 0
        self.stopped_by: Optional[str] = None  # "count", "timeout", "stop" or "node gone" once finished
        self._lab = lab
        self._error: Optional[BaseException] = None
        # The socket is bound before __init__ returns: nothing the caller does next is missed.
        self._handle = _nslab.capture_open(lab._h(), endpoint)
        self._stop_r, self._stop_w = os.pipe2(os.O_CLOEXEC)
        self._thread = threading.Thread(target=self._run, name=f"nslab-capture-{endpoint}", daemon=True)
        self._thread.start()
        lab._captures.add(self)

    def _run(self) -> None:
        try:
            frames, self.dropped, self.stopped_by = self._handle.run(self.path or "", self.count or 0, self.timeout,
                                                                     self._stop_r, self._keep)
            if self._keep:
                self.packets = [Packet(t, n, "out" if out else "in", summary, data)
                                for t, n, out, data, summary in frames]
        except BaseException as e:  # noqa: BLE001 - re-raised in the caller's thread by wait()/stop()
            self._error = e

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    def wait(self) -> "Capture":
        """Block until the capture ends by itself (count or timeout); returns self."""
        if self.count is None and self.timeout is None and self.running:
            raise LabError(f"capture on {self.endpoint} has neither count nor timeout: it would wait forever (use stop())")
        self._thread.join()
        return self._finish()

    def stop(self) -> "Capture":
        """Stop now (a no-op once it ended); returns self with `packets` complete."""
        if self._stop_w >= 0:
            os.write(self._stop_w, b"x")
        self._thread.join()
        return self._finish()

    def _finish(self) -> "Capture":
        for fd in (self._stop_r, self._stop_w):
            if fd >= 0:
                os.close(fd)
        self._stop_r = self._stop_w = -1
        self._handle = None  # closes the socket, which otherwise keeps the node's namespace alive
        self._lab._captures.discard(self)
        if self._error is not None:
            err, self._error = self._error, None
            raise err
        return self

    def matching(self, text: str) -> list[Packet]:
        """The packets whose summary contains `text`, e.g. ``cap.matching("ICMP echo request")``."""
        return [p for p in self.packets if text in p.summary]

    def __enter__(self) -> "Capture":
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def __iter__(self) -> Iterator[Packet]:
        return iter(self.packets)

    def __len__(self) -> int:
        return len(self.packets)

    def __repr__(self) -> str:
        state = "running" if self.running else f"{len(self.packets)} packets"
        return f"<Capture {self.endpoint} {state}>"
