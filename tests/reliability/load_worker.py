"""One process of the load test: R rounds of up, ping every pair, down, of one lab through the
Python API. `load_worker.py TOPOLOGY_FILE NAME ROUNDS`; prints one JSON line per round and
exits non-zero at the first failure (with the reason on stderr)."""
import json
import sys
import time

import nslab


def main() -> int:
    path, name, rounds = sys.argv[1], sys.argv[2], int(sys.argv[3])
    for r in range(rounds):
        t0 = time.monotonic()
        lab = nslab.Lab.from_file(path, name=name)
        lab.up()
        t1 = time.monotonic()
        try:
            m = lab.ping_all(timeout=3.0)
            t2 = time.monotonic()
            if not m.ok:
                print(f"{name} round {r}: {len(m.failures)} pairs failed, e.g. {m.failures[:3]}; the host's neighbour "
                      f"table refused {m.neighbour_overflows} entries meanwhile", file=sys.stderr)
                return 1
            pairs = len(m.results)
        finally:
            lab.down()
        t3 = time.monotonic()
        print(json.dumps({"lab": name, "round": r, "up_s": t1 - t0, "ping_s": t2 - t1, "down_s": t3 - t2,
                          "pairs": pairs}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
