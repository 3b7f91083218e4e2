#!/usr/bin/python3
"""A lab over three machines against the same lab on one, measured in the same run.

  bench/multihost.py [SHAPE:N]   (root; default line:300, 300 routers in a line: `lab gen line 300`)

The machines are simulated as in the tests (tests/python/fleet.py: nodes of an outer lab with
their own namespaces, a private /run and an sshd), so this measures nslab's own cost of
spreading a lab (ssh sessions, partitioning, VXLAN between machines) on one CPU budget, not
what three real machines would gain. Prints one line per case and their ratio."""
import pathlib
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "tests" / "python"), str(ROOT / "tests" / "support")]

from fleet import Fleet, lab_binary  # noqa: E402


def timed(machine, argv):
    t0 = time.monotonic()
    machine.run(argv, check=True, timeout=600)
    return time.monotonic() - t0


def main():
    spec = sys.argv[1] if len(sys.argv) > 1 else "line:300"
    lab = lab_binary()
    with Fleet(3) as fleet:
        import json
        fleet.ctl.run(["sh", "-c", "cat > /tmp/hosts.json"], input=json.dumps(fleet.hosts_json()), check=True)
        print("one machine...", flush=True)
        one_up = timed(fleet["h1"], [lab, "up", "--gen", spec, "--name", "one", "-q"])
        one_down = timed(fleet["h1"], [lab, "down", "one"])
        print("three machines...", flush=True)
        three_up = timed(fleet.ctl, [lab, "up", "--gen", spec, "--name", "three", "--hosts", "/tmp/hosts.json", "-q"])
        three_down = timed(fleet.ctl, [lab, "down", "three"])
    print(f"{spec} on one machine:    up {one_up * 1000:.0f} ms, down {one_down * 1000:.0f} ms")
    print(f"{spec} over 3 machines:   up {three_up * 1000:.0f} ms, down {three_down * 1000:.0f} ms")
    print(f"over 3 / on 1: up {three_up / one_up:.2f}x, down {three_down / one_down:.2f}x")


if __name__ == "__main__":
    main()
