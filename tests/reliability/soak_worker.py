"""The soak test's process: K cycles of up, ping every pair, down of one 10-node lab through
the Python API, in this one process. After each cycle it prints a JSON line with its open fd
count, its resident memory, its mount count, and the host's network namespace count (every
distinct /proc/*/ns/net) and /run/netns entries. `soak_worker.py TOPOLOGY_FILE CYCLES`."""
import json
import os
import sys
import time

import nslab


def netns_count() -> int:
    seen = set()
    for p in os.listdir("/proc"):
        if p.isdigit():
            try:
                seen.add(os.stat(f"/proc/{p}/ns/net").st_ino)
            except OSError:
                pass
    return len(seen)


def figures() -> dict:
    with open("/proc/self/status") as f:
        rss = next(int(l.split()[1]) for l in f if l.startswith("VmRSS:"))
    with open("/proc/self/mountinfo") as f:
        mounts = sum(1 for _ in f)
    pins = len(os.listdir("/run/netns")) if os.path.isdir("/run/netns") else 0
    return {"fds": len(os.listdir("/proc/self/fd")), "rss_kib": rss, "mounts": mounts,
            "netns": netns_count(), "pins": pins}


def main() -> int:
    path, cycles = sys.argv[1], int(sys.argv[2])
    print(json.dumps({"cycle": 0, **figures()}), flush=True)
    for c in range(1, cycles + 1):
        t0 = time.monotonic()
        with nslab.Lab.from_file(path, name="soak") as lab:
            m = lab.ping_all(timeout=3.0)
            if not m.ok:
                print(f"cycle {c}: {len(m.failures)} pairs failed: {m.failures[:3]}", file=sys.stderr)
                return 1
        print(json.dumps({"cycle": c, "s": time.monotonic() - t0, **figures()}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
