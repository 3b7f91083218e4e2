#!/usr/bin/python3
"""CI-sized labs and many labs at once (issue 20): three measures in one run, a markdown table,
and JSON + markdown under bench/results/cisized-YYYYMMDD-HHMM.{json,md} with the machine's
description (as bench/compare stamps it).

  cli     `lab up --gen line:3 --name X -q` then `lab down X` through the CLI binary, R times
          after 3 warm-ups: median and p90 of up, down and up+down (target: median up+down
          <= 15 ms).
  pytest  the plugin's cost per test: a generated file of N tests, each with its own 3-router
          lab (the `lab` fixture and @pytest.mark.topology), against the same file of N empty
          tests; (wall(lab tests) - wall(empty tests)) / N (target: <= 15 ms per test).
  many    W worker processes, each cycling 5-node labs (`lab gen single 4`: a switch and 4
          hosts) through the Python API for T seconds: labs completed per second in total and
          each worker's median cycle (up + down).

usage (root): bench/cisized.py [--quick] [--only cli,pytest,many] [--lab build/cli/lab]
                               [--repeat R] [--tests N] [--workers W] [--seconds T] [--out DIR]
  --quick   a smoke run: R=5 (1 warm-up), N=5, one pytest run each, T=3 s
Needs a built tree (cmake --build build) and pytest for /usr/bin/python3. Every lab it makes
is named ci<pid>-*, or t<pid>-* by the plugin in the inner pytest runs; all are taken down at
the end, also on Ctrl-C or an error. The script then checks that `lab status` lists none of
them and no /run/netns pin of theirs is left, and exits 1 if one is. Nothing sends traffic.
"""
import argparse
import datetime
import json
import os
import platform
import signal
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
PREFIX = f"ci{os.getpid()}"   # every lab this run makes itself is named PREFIX-*


class Interrupted(Exception):
    pass


def _on_term(signum, frame):
    raise Interrupted(f"signal {signum}")


def ms(s):
    return s * 1000.0


def p90(xs):
    if len(xs) < 2:
        return xs[0]
    return statistics.quantiles(xs, n=10, method="inclusive")[8]


def summary(xs):
    return {"median": statistics.median(xs), "p90": p90(xs), "min": min(xs), "max": max(xs), "n": len(xs)}


# --- what is on the host ------------------------------------------------------------------------

def lab_names(lab):
    """Names of the labs `lab status --json` lists (a list of labs, or one lab's details)."""
    out = subprocess.run([lab, "status", "--json"], capture_output=True, text=True, check=True).stdout
    doc = json.loads(out)
    if "labs" in doc:
        return {x if isinstance(x, str) else x["name"] for x in doc["labs"]}
    return {doc["name"]} if "name" in doc else set()


def pins():
    try:
        return set(os.listdir("/run/netns"))
    except FileNotFoundError:
        return set()


OURS = [PREFIX + "-"]   # name prefixes of the labs of this run; bench_pytest adds its inner runs


def left_over(lab):
    """Labs in `lab status` and pins in /run/netns of this run's labs (never another's: the
    tests may run this beside other labs)."""
    def mine(name):
        return any(name.startswith(p) for p in OURS)
    return sorted(filter(mine, lab_names(lab))), sorted(filter(mine, pins()))


# --- 1. the CLI ---------------------------------------------------------------------------------

def run_cli(lab, cmd):
    t = time.perf_counter()
    p = subprocess.run([lab] + cmd, capture_output=True, text=True)
    dt = time.perf_counter() - t
    if p.returncode != 0:
        raise RuntimeError(f"lab {' '.join(cmd)}: exit {p.returncode}: {p.stderr.strip()}")
    return dt


def bench_cli(lab, repeat, warmup):
    name = f"{PREFIX}-cli"
    ups, downs, both = [], [], []
    for i in range(warmup + repeat):
        u = run_cli(lab, ["up", "--gen", "line:3", "--name", name, "-q"])
        d = run_cli(lab, ["down", name])   # if either fails, main() takes what is left down
        if i >= warmup:
            ups.append(ms(u))
            downs.append(ms(d))
            both.append(ms(u + d))
    return {"repeat": repeat, "warmup": warmup, "topology": "--gen line:3 (3 routers, 2 links)",
            "up_ms": summary(ups), "down_ms": summary(downs), "up_down_ms": summary(both),
            "target_up_down_median_ms": 15.0}


# --- 2. the pytest plugin -----------------------------------------------------------------------

def bench_pytest(lab, pydir, n, runs):
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([pydir] + ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else []))
    with tempfile.TemporaryDirectory(prefix="nslab-cisized-") as d:
        topo = subprocess.run([lab, "gen", "line", "3"], capture_output=True, text=True, check=True).stdout
        with open(os.path.join(d, "line3.json"), "w") as f:
            f.write(topo)
        with open(os.path.join(d, "conftest.py"), "w") as f:
            f.write('pytest_plugins = ["nslab.pytest_plugin"]\n')
        labs = ["import pytest", ""]
        empty = ["import pytest", ""]
        for i in range(n):
            labs += ["", '@pytest.mark.topology("line3.json")', f"def test_lab_{i}(lab):",
                     "    assert lab.is_up", ""]
            empty += ["", f"def test_empty_{i}():", "    pass", ""]
        for fname, lines in (("test_labs.py", labs), ("test_empty.py", empty)):
            with open(os.path.join(d, fname), "w") as f:
                f.write("\n".join(lines) + "\n")
        walls = {"test_labs.py": [], "test_empty.py": []}
        # Alternate the two files so that a drift of the machine hits both alike.
        for _ in range(runs):
            for fname in ("test_empty.py", "test_labs.py"):
                cmd = ["/usr/bin/python3", "-m", "pytest", "-q", "-p", "no:cacheprovider", fname]
                t = time.perf_counter()
                p = subprocess.Popen(cmd, cwd=d, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                OURS.append(f"t{p.pid:x}-")   # the plugin's lab names: t<pid in hex>-<counter>-<test>
                try:
                    p.stdout_text, p.stderr_text = p.communicate()
                except BaseException:
                    p.terminate()   # its labs are ephemeral: they die with it
                    p.wait()
                    raise
                wall = time.perf_counter() - t
                if p.returncode != 0 or f"{n} passed" not in p.stdout_text:
                    raise RuntimeError(f"pytest {fname}: exit {p.returncode}:\n{p.stdout_text[-2000:]}{p.stderr_text[-2000:]}")
                walls[fname].append(ms(wall))
    wl, we = statistics.median(walls["test_labs.py"]), statistics.median(walls["test_empty.py"])
    return {"tests": n, "runs": runs, "topology": "lab gen line 3 via @pytest.mark.topology + lab fixture",
            "wall_lab_tests_ms": wl, "wall_empty_tests_ms": we,
            "walls_lab_tests_ms": walls["test_labs.py"], "walls_empty_tests_ms": walls["test_empty.py"],
            "per_test_ms": (wl - we) / n, "target_per_test_ms": 15.0}


# --- 3. many labs at once -----------------------------------------------------------------------

def worker(args):
    """One worker process: cycles labs named NAME until `end` (time.monotonic, shared by all
    processes), then prints its results as one JSON line."""
    signal.signal(signal.SIGINT, signal.default_int_handler)   # even when started with SIGINT ignored
    signal.signal(signal.SIGTERM, _on_term)
    sys.path.insert(0, args.python_dir)
    import nslab
    with open(args.topology) as f:
        topo = json.load(f)
    ups, downs, cycles, errors = [], [], [], []
    try:
        while time.monotonic() < args.start:
            time.sleep(min(0.01, max(0.0, args.start - time.monotonic())))
        while time.monotonic() < args.end and len(errors) < 5:
            lab = nslab.Lab(topo, name=args.name)
            try:
                t0 = time.perf_counter()
                lab.up()
                t1 = time.perf_counter()
                lab.down()
                t2 = time.perf_counter()
            except Exception as e:  # noqa: BLE001 - counted and reported
                errors.append(f"{type(e).__name__}: {e}")
                continue
            finally:
                try:
                    lab.down()   # nothing when it is down already
                except Exception as e:  # noqa: BLE001
                    errors.append(f"down again: {type(e).__name__}: {e}")
            ups.append(ms(t1 - t0))
            downs.append(ms(t2 - t1))
            cycles.append(ms(t2 - t0))
        finished = time.monotonic()
    except (KeyboardInterrupt, Interrupted) as e:
        errors.append(f"interrupted: {e}")
        finished = time.monotonic()
    print(json.dumps({"name": args.name, "labs": len(cycles), "finished": finished, "up_ms": ups,
                      "down_ms": downs, "cycle_ms": cycles, "errors": errors}), flush=True)


def bench_many(lab, pydir, workers, seconds):
    with tempfile.TemporaryDirectory(prefix="nslab-cisized-") as d:
        topo = os.path.join(d, "single4.json")
        with open(topo, "w") as f:
            f.write(subprocess.run([lab, "gen", "single", "4"], capture_output=True, text=True, check=True).stdout)
        start = time.monotonic() + 1.0 + 0.1 * workers   # time for every worker to import nslab
        end = start + seconds
        procs = []
        try:
            for i in range(workers):
                cmd = [sys.executable, os.path.abspath(__file__), "--_worker", "--lab", lab, "--python-dir", pydir,
                       "--_name", f"{PREFIX}-w{i}", "--_topology", topo, "--_start", repr(start), "--_end", repr(end)]
                procs.append(subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True))
            outs = [p.communicate(timeout=seconds + 120)[0] for p in procs]
        finally:
            for p in procs:   # on an error or Ctrl-C here: workers take their lab down on SIGTERM
                if p.poll() is None:
                    p.send_signal(signal.SIGTERM)
            for p in procs:
                try:
                    p.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    p.kill()   # its lab is ephemeral: it dies with the worker
                    p.wait()
    res = []
    for p, out in zip(procs, outs):
        lines = [l for l in out.splitlines() if l.startswith("{")]
        if p.returncode != 0 or not lines:
            raise RuntimeError(f"worker exit {p.returncode}: {out[-2000:]}")
        res.append(json.loads(lines[-1]))
    wall = max(r["finished"] for r in res) - start
    total = sum(r["labs"] for r in res)
    allc = [c for r in res for c in r["cycle_ms"]]
    return {"workers": workers, "seconds": seconds, "topology": "lab gen single 4 (a switch and 4 hosts)",
            "labs_completed": total, "wall_s": wall, "labs_per_s": total / wall if wall > 0 else 0.0,
            "cycle_ms": summary(allc) if allc else None,
            "up_ms": summary([u for r in res for u in r["up_ms"]]) if allc else None,
            "down_ms": summary([x for r in res for x in r["down_ms"]]) if allc else None,
            "per_worker": [{"name": r["name"], "labs": r["labs"],
                            "median_cycle_ms": statistics.median(r["cycle_ms"]) if r["cycle_ms"] else None,
                            "errors": r["errors"]} for r in res],
            "errors": [f"{r['name']}: {e}" for r in res for e in r["errors"]]}


# --- report -------------------------------------------------------------------------------------

def table(res):
    lines = ["| measure | result | target |", "|---|---|---|"]
    c = res.get("cli")
    if c:
        lines += [
            f"| CLI `lab up --gen line:3` (median / p90, n={c['repeat']}) | {c['up_ms']['median']:.1f} / {c['up_ms']['p90']:.1f} ms | |",
            f"| CLI `lab down` (median / p90) | {c['down_ms']['median']:.1f} / {c['down_ms']['p90']:.1f} ms | |",
            f"| CLI up+down (median / p90) | {c['up_down_ms']['median']:.1f} / {c['up_down_ms']['p90']:.1f} ms "
            f"| ≤ 15 ms median: {'met' if c['up_down_ms']['median'] <= 15 else 'not met'} |"]
    p = res.get("pytest")
    if p:
        lines += [
            f"| pytest, {p['tests']} tests with a 3-router lab each / {p['tests']} empty tests (median wall of {p['runs']}) "
            f"| {p['wall_lab_tests_ms']:.0f} / {p['wall_empty_tests_ms']:.0f} ms | |",
            f"| pytest plugin cost per test | {p['per_test_ms']:.1f} ms "
            f"| ≤ 15 ms: {'met' if p['per_test_ms'] <= 15 else 'not met'} |"]
    m = res.get("many")
    if m:
        meds = [w["median_cycle_ms"] for w in m["per_worker"] if w["median_cycle_ms"] is not None]
        lines += [
            f"| {m['workers']} workers cycling 5-node labs for {m['seconds']:g} s: labs/s in total "
            f"| {m['labs_per_s']:.1f} ({m['labs_completed']} labs in {m['wall_s']:.1f} s) | |"]
        if m["cycle_ms"]:
            lines += [
                f"| many: cycle up+down, all workers (median / p90) | {m['cycle_ms']['median']:.1f} / {m['cycle_ms']['p90']:.1f} ms | |",
                f"| many: up / down (median) | {m['up_ms']['median']:.1f} / {m['down_ms']['median']:.1f} ms | |",
                f"| many: per-worker median cycle | {', '.join(f'{x:.1f}' for x in meds)} ms | |"]
        if m["errors"]:
            lines += [f"| many: worker errors | {len(m['errors'])} (first: {m['errors'][0][:80]}) | |"]
    return lines


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--lab", default=os.path.join(ROOT, "build", "cli", "lab"), help="the CLI binary")
    ap.add_argument("--python-dir", help="where `import nslab` is found (default: python/ beside the CLI's cli/)")
    ap.add_argument("--only", default="cli,pytest,many", help="comma-separated subset of cli,pytest,many")
    ap.add_argument("--quick", action="store_true", help="small R, N and T for a smoke run")
    ap.add_argument("--repeat", type=int, help="R: CLI up+down cycles measured (default 30; --quick 5)")
    ap.add_argument("--tests", type=int, help="N: tests per generated file (default 30; --quick 5)")
    ap.add_argument("--pytest-runs", type=int, help="runs of each pytest file, median taken (default 3; --quick 1)")
    ap.add_argument("--workers", type=int, default=8, help="W: worker processes (default 8)")
    ap.add_argument("--seconds", type=float, help="T: seconds each worker cycles labs (default 20; --quick 3)")
    ap.add_argument("--out", default=os.path.join(HERE, "results"), help="directory of the result files")
    ap.add_argument("--stem", help="write STEM.json and STEM.md instead of OUT/cisized-YYYYMMDD-HHMM.*")
    ap.add_argument("--_worker", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--_name", help=argparse.SUPPRESS)
    ap.add_argument("--_topology", help=argparse.SUPPRESS)
    ap.add_argument("--_start", type=float, help=argparse.SUPPRESS)
    ap.add_argument("--_end", type=float, help=argparse.SUPPRESS)
    a = ap.parse_args()
    a.lab = os.path.abspath(a.lab)
    a.python_dir = os.path.abspath(a.python_dir or os.path.join(os.path.dirname(os.path.dirname(a.lab)), "python"))
    if a._worker:
        a.start, a.end, a.name, a.topology = a._start, a._end, a._name, a._topology
        return worker(a)
    if os.geteuid() != 0:
        sys.exit("bench/cisized.py: needs root")
    only = [x.strip() for x in a.only.split(",") if x.strip()]
    bad = [x for x in only if x not in ("cli", "pytest", "many")]
    if bad:
        sys.exit(f"bench/cisized.py: --only takes cli, pytest, many (not {', '.join(bad)})")
    repeat = a.repeat or (5 if a.quick else 30)
    warmup = 1 if a.quick else 3
    ntests = a.tests or (5 if a.quick else 30)
    runs = a.pytest_runs or (1 if a.quick else 3)
    seconds = a.seconds or (3.0 if a.quick else 20.0)

    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, _on_term)
    now = datetime.datetime.now(datetime.timezone.utc)
    mach = f"nproc {os.cpu_count()}, kernel {platform.release()}, {now:%Y-%m-%d %H:%M} UTC"
    res = {"machine": mach, "command": "bench/cisized.py " + " ".join(sys.argv[1:]), "lab": a.lab,
           "loadavg_before": os.getloadavg()}
    failures = []
    try:
        if "cli" in only:
            res["cli"] = bench_cli(a.lab, repeat, warmup)
            c = res["cli"]
            print(f"cli     up {c['up_ms']['median']:.1f} ms  down {c['down_ms']['median']:.1f} ms  "
                  f"up+down {c['up_down_ms']['median']:.1f} ms (p90 {c['up_down_ms']['p90']:.1f})", flush=True)
        if "pytest" in only:
            res["pytest"] = bench_pytest(a.lab, a.python_dir, ntests, runs)
            p = res["pytest"]
            print(f"pytest  {p['wall_lab_tests_ms']:.0f} ms with labs, {p['wall_empty_tests_ms']:.0f} ms empty: "
                  f"{p['per_test_ms']:.1f} ms per test", flush=True)
        if "many" in only:
            res["many"] = bench_many(a.lab, a.python_dir, a.workers, seconds)
            m = res["many"]
            print(f"many    {m['labs_per_s']:.1f} labs/s ({m['labs_completed']} labs, {a.workers} workers, "
                  f"{m['wall_s']:.1f} s), {len(m['errors'])} errors", flush=True)
            failures += [f"worker error: {e}" for e in m["errors"]]
    except (KeyboardInterrupt, Interrupted) as e:
        failures.append(f"interrupted ({str(e) or 'Ctrl-C'})")
    except Exception as e:  # noqa: BLE001 - reported, then the check below still runs
        failures.append(f"{type(e).__name__}: {e}")
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)   # the clean-up below must not be cut short
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        labs, pns = left_over(a.lab)
        for n in labs:   # leave nothing, but still report it
            subprocess.run([a.lab, "down", n], capture_output=True)
    res["loadavg_after"] = os.getloadavg()
    res["left_over"] = {"labs": labs, "pins": pns}
    res["failures"] = failures
    if labs or pns:
        failures.append(f"left on the host: labs {labs}, /run/netns pins {pns}")

    load = " / ".join(f"{x:.1f}" for x in res["loadavg_before"])
    lines = [f"# bench/cisized.py, {mach}", "", f"command: {res['command']}",
             f"(load average 1/5/15 min before the run: {load})", ""] + table(res)
    if failures:
        lines += [""] + [f"- {x}" for x in failures]
    lines += ["", "CLI times include starting the `lab` process (Python subprocess.run, as a CI script calls it); "
              "pytest walls are whole `python3 -m pytest` runs of the generated files."]
    stem = a.stem or os.path.join(a.out, f"cisized-{now:%Y%m%d-%H%M}")
    os.makedirs(os.path.dirname(os.path.abspath(stem)), exist_ok=True)
    with open(stem + ".json", "w") as f:
        json.dump(res, f, indent=1)
        f.write("\n")
    with open(stem + ".md", "w") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines))
    print(f"saved {stem}.json and {stem}.md")
    if failures:
        print("bench/cisized.py: " + "; ".join(failures), file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
