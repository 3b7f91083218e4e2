#!/usr/bin/python3
"""Runs the kernel-dependent suite: each line of a suite file (ci/vm/suite.txt), `ctest ARGS`
or `pytest ARGS`, from the checkout against a build, with a junit file per line.

Used inside the emulated VM (ci/vm/guest.py) and in the Vagrant VM (vagrant/provision.sh).
Exits non-zero when any line fails or selects no test.

  ci/vm/run-suite.py [--suite FILE] [--build DIR] [--junit-dir DIR] [LINE...]
"""
import argparse
import os
import shlex
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def lines_of(path):
    with open(path) as f:
        return [l.strip() for l in f if l.strip() and not l.lstrip().startswith("#")]


def command(line, build, junit):
    words = shlex.split(line)
    if words[0] == "ctest":
        # --no-tests=error: a selection that matches nothing (a renamed test) is a failure.
        return ["ctest", "--test-dir", build, "--output-on-failure", "--no-tests=error", "--timeout", "300",
                "--output-junit", junit] + words[1:], None
    if words[0] == "pytest":
        env = dict(os.environ, PYTHONPATH=os.path.join(build, "python"))
        return ["/usr/bin/python3", "-m", "pytest", "-q", "-p", "no:cacheprovider", "-o", "console_output_style=classic",
                f"--junitxml={junit}"] + words[1:], env
    raise SystemExit(f"run-suite: {line!r}: a line must start with ctest or pytest")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--suite", default=os.path.join(ROOT, "ci", "vm", "suite.txt"))
    ap.add_argument("--build", default=os.environ.get("BUILD_DIR", os.path.join(ROOT, "build")))
    ap.add_argument("--junit-dir", default=None, help="where the junit files go (default: BUILD/vm-suite)")
    ap.add_argument("lines", nargs="*", help="suite lines to run instead of the file's")
    a = ap.parse_args()
    build = os.path.abspath(a.build)
    junit_dir = a.junit_dir or os.path.join(build, "vm-suite")
    os.makedirs(junit_dir, exist_ok=True)
    failed = []
    for n, line in enumerate(a.lines or lines_of(a.suite), 1):
        cmd, env = command(line, build, os.path.join(junit_dir, f"{n:02d}.xml"))
        print(f"== suite {n}: {line}", flush=True)
        if subprocess.run(cmd, cwd=ROOT, env=env).returncode != 0:
            failed.append(line)
    for line in failed:
        print(f"run-suite: FAILED: {line}", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
