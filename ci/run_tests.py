#!/usr/bin/python3
"""Runs every nslab test suite and checks the host is left as it was.

Suites: the unit tests (no privileges, in parallel), the integration tests (root, serial: they
compare host snapshots), the Python tests, then the kernel matrix: the kernel-dependent suite
(ci/vm/suite.txt) in a VM booted from each kernel of ci/vm/kernels.txt (ci/vm-test). Each
result line names the kernel it came from. Orphans of the tests (keepers of labs whose
starter exited) are re-parented to this process (a child subreaper), which reaps them, so the
run leaves no zombie even where PID 1 reaps nothing. Prints "N passed, N failed" last.
"""
import os
import subprocess
import sys
import time
import xml.etree.ElementTree as ET

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SUPPORT = os.path.join(ROOT, "tests", "support")
sys.path.insert(0, SUPPORT)
# The same helpers as the tests: BUILD_DIR (else build/), reaping, and the full host snapshot
# the integration and reliability tests compare.
import nslab_testing  # noqa: E402
from nslab_testing import become_subreaper, reap, snapshot  # noqa: E402

BUILD = str(nslab_testing.BUILD)
# What every pytest run gets: the built `nslab` package, and tests/support for the worker
# processes the tests start (the conftests add it for themselves).
PYTEST_ENV = dict(os.environ, PYTHONPATH=os.pathsep.join([os.path.join(BUILD, "python"), SUPPORT]), BUILD_DIR=BUILD)


def run(cmd, **kw):
    """subprocess.run, but while waiting also reap every other child that exits (as tini
    does). Orphans of the tests are re-parented to us; a node process whose starter was
    killed becomes one of them, and its node cannot finish dying until it is reaped."""
    proc = subprocess.Popen(cmd, **kw)
    while True:
        try:
            pid, status = os.wait()
        except ChildProcessError:
            return proc.wait()
        if pid == proc.pid:
            proc.returncode = os.waitstatus_to_exitcode(status)
            return proc.returncode


def junit_counts(path):
    """(total, failed, skipped) of a JUnit XML file: CTest's, pytest's or GoogleTest's. A file
    that is missing or unreadable counts as one failure."""
    try:
        root = ET.parse(path).getroot()
        if root.get("tests") is None and root.find("testsuite") is not None:
            root = root.find("testsuite")  # pytest wraps its one suite in <testsuites>
        return (int(root.get("tests", 0)), int(root.get("failures", 0)) + int(root.get("errors", 0)),
                int(root.get("skipped", 0) or root.get("disabled", 0) or 0))  # "disabled": where no "skipped"
    except (OSError, ET.ParseError, ValueError):
        return 0, 1, 0


def run_suite(label, cmd, junit, results, **kw):
    """Runs one suite's command, reaps what it left, and appends its (label, passed, failed,
    skipped) from its JUnit file. A suite that ran no test (pytest exits 5 when it collected
    nothing; CTest is told --no-tests=error) or whose runner exits non-zero without a failure
    in the file counts one failure: that is never a pass."""
    print(f"== {label} tests: {' '.join(cmd)}", flush=True)
    rc = run(cmd, **kw)
    reap()
    total, failed, skipped = junit_counts(junit)
    if (rc != 0 or total == 0) and failed == 0:
        failed = 1
    results.append((label, total - failed - skipped, failed, skipped))


def run_ctest(label, parallel, results):
    junit = os.path.join(BUILD, f"ctest-{label}.xml")
    # Labels are anchored: the Python suites are CTest tests too (label `python`), run below
    # through pytest itself, not a second time here.
    cmd = ["ctest", "--test-dir", BUILD, "-L", f"^{label}$", "--output-on-failure", "--no-tests=error",
           "--output-junit", junit, "--timeout", "600"]
    if parallel:
        cmd += ["-j", str(os.cpu_count() or 2)]
    run_suite(label, cmd, junit, results)


def run_pytest(label, directory, results, parallel=False):
    junit = os.path.join(BUILD, "pytest.xml" if label == "python" else f"{label}.xml")
    cmd = ["/usr/bin/python3", "-m", "pytest", "-q"] + (["-n", "2"] if parallel else []) + \
          ["-p", "no:cacheprovider", f"--junitxml={junit}", os.path.join(ROOT, "tests", directory)]
    run_suite(label, cmd, junit, results, env=PYTEST_ENV, cwd=ROOT)


def run_reliability(results):
    """Issue 7's gating tier: kill points, load, soak and state races (tests/reliability/,
    serial: they compare host snapshots), the sanitizer build of the unit tests, and a bounded
    fuzzing run of the topology parser. ci/extended runs the full figures."""
    t0 = time.monotonic()
    run_pytest("reliability", "reliability", results)
    asan = os.path.join(ROOT, "build-asan")
    run_suite("asan", [os.path.join(ROOT, "ci", "asan.sh")], os.path.join(asan, "asan-unit.xml"), results, cwd=ROOT)

    print("== fuzzing: ci/fuzz.sh 60 (topology parser, libFuzzer)", flush=True)
    rc = run([os.path.join(ROOT, "ci", "fuzz.sh"), "60"], cwd=ROOT)
    results.append(("fuzz", 1 if rc == 0 else 0, 0 if rc == 0 else 1, 0))
    print(f"== reliability tier took {time.monotonic() - t0:.0f} s", flush=True)


def run_vm(results):
    """The kernel matrix: ci/vm/suite.txt inside an emulated VM per kernel package listed in
    ci/vm/kernels.txt. The results come back as junit files through the VM's writable share."""
    if os.environ.get("NSLAB_VM_MATRIX") == "0":
        print("== vm tests: NSLAB_VM_MATRIX=0, not run (this machine runs ci/vm/suite.txt itself)", flush=True)
        return
    if os.geteuid() != 0 and os.environ.get("NSLAB_REQUIRE_ROOT") != "1":
        print("== vm tests: skipped, ci/vm-test needs root", flush=True)
        results.append(("vm (no VM: ci/vm-test needs root)", 0, 0, 1))
        return
    with open(os.path.join(ROOT, "ci", "vm", "kernels.txt")) as f:
        packages = [l.split("#")[0].strip() for l in f if l.split("#")[0].strip()]
    for package in packages:
        junit = os.path.join(BUILD, "vm-junit", package)
        # The suite takes about 3 minutes under emulation on a quiet 2-core machine: 600 s
        # leaves room for a loaded one without letting a hung guest stall CI for long.
        cmd = [os.path.join(ROOT, "ci", "vm-test"), "--kernel-package", package, "--build", BUILD, "--junit-dir", junit,
               "--timeout", "600"]
        print(f"== vm tests: {' '.join(cmd)}", flush=True)
        rc = run(cmd)
        reap()
        try:
            with open(os.path.join(junit, "summary")) as f:
                s = dict(kv.split("=", 1) for kv in f.read().split())
            label, p, fl, sk = f"vm (linux {s['kernel']})", int(s["passed"]), int(s["failed"]), int(s["skipped"])
        except (OSError, KeyError, ValueError):
            label, p, fl, sk = f"vm ({package})", 0, 1, 0
        if rc != 0 and fl == 0:
            fl = 1
        results.append((label, p, fl, sk))


def main():
    become_subreaper()
    before = snapshot()
    results = []
    run_ctest("unit", True, results)
    run_ctest("root", False, results)
    run_pytest("python", "python", results, parallel=True)
    run_reliability(results)
    run_vm(results)
    reap()
    after = snapshot()
    leaks = {k: (sorted(set(after[k]) - set(before[k]))) for k in before}
    leaks = {k: v for k, v in leaks.items() if v}
    passed = sum(r[1] for r in results)
    failed = sum(r[2] for r in results)
    skipped = sum(r[3] for r in results)
    host = f"linux {os.uname().release}"
    for label, p, f, s in results:
        label = label if "(" in label else f"{label} ({host})"  # the VM's results name their own kernel
        print(f"   {label}: {p} passed, {f} failed, {s} skipped")
    if leaks:
        shown = {k: v[:10] + ([f"... {len(v) - 10} more"] if len(v) > 10 else []) for k, v in leaks.items()}
        print(f"LEAK: the test run left this on the host: {shown}")
        failed += 1
    else:
        print("host check: no new links, addresses, routes, mounts, netns pins, state files, cgroups or node processes")
    print(f"{passed} passed, {failed} failed" + (f", {skipped} skipped" if skipped else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
