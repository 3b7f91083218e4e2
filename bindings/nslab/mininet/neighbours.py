"""The host's neighbour (ARP) table is one for all namespaces, capped by
net.ipv4.neigh.default.gc_thresh3 (1024 by default), and an entry younger than 5 s cannot be
evicted: a ping matrix of 64 hosts would make some 8000 entries within seconds, and most pings
would wait for room. Mininet raises the cap host-wide; nslab leaves the host alone. Permanent
entries do not count against the cap (Linux 4.19 and later), so a big matrix pins each host's
neighbours first and removes exactly those entries after."""
from __future__ import annotations

import ipaddress
#: Above this many ordered pairs a matrix pins its neighbours (two dynamic entries a pair).
PIN_ABOVE = 256


def _entries(hosts: list) -> dict:
    """host -> [(ip, mac, interface)] of the other hosts it reaches on its own subnet."""
    addrs = []
    for h in hosts:
        intf = h.defaultIntf()
        ip = intf._address() if intf is not None else None
        mac = intf.MAC() if ip else None
        if ip and mac:
            addrs.append((h, ipaddress.ip_interface(ip), mac, intf.name))
    out: dict = {}
    for h, ip, _, name in addrs:
        out[h] = [(str(dip.ip), dmac, name) for d, dip, dmac, _ in addrs if d is not h and dip.ip in ip.network]
    return out


def pin(hosts: list, always: bool = False) -> dict:
    """Permanent entries for every pair of `hosts` (when there are enough pairs to matter, or
    `always`: Mininet's autoStaticArp); returns what unpin() removes."""
    if not always and len(hosts) * (len(hosts) - 1) <= PIN_ABOVE:
        return {}
    entries = _entries(hosts)
    for h, rows in entries.items():
        batch = "".join(f"neigh replace {ip} lladdr {mac} dev {dev} nud permanent\n" for ip, mac, dev in rows)
        h._run(["ip", "-force", "-batch", "-"], input=batch)
    return entries


def unpin(entries: dict) -> None:
    for h, rows in entries.items():
        batch = "".join(f"neigh del {ip} dev {dev}\n" for ip, _, dev in rows)
        h._run(["ip", "-force", "-batch", "-"], input=batch)
