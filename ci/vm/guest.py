#!/usr/bin/python3
"""PID 1 of the emulated VM (ci/vm/init hands over to it in the overlay of the host's /).

Readies the kernel (ci/vm/prepare.sh), runs the suite (ci/vm/run-suite.py) with its results on
the writable share, reaps every orphan meanwhile (it is PID 1), then ends the VM. Whatever
happens, the VM ends: an exception ends PID 1, and the kernel's panic=-1 reboot ends qemu.
"""
import ctypes
import os
import subprocess
import sys

RESULTS = "/run/nslab-vm"
RB_AUTOBOOT = 0x01234567  # qemu runs with -no-reboot, so a reboot ends it


def job():
    """job.env as ci/vm-test wrote it: export NAME='value' lines."""
    env = {}
    with open(os.path.join(RESULTS, "job.env")) as f:
        for line in f:
            name, _, value = line.removeprefix("export ").strip().partition("=")
            env[name] = value.strip("'")
    return env


def run(cmd, **kw):
    """subprocess.run that reaps every other child meanwhile: as PID 1, each orphan is ours."""
    proc = subprocess.Popen(cmd, **kw)
    while True:
        pid, status = os.wait()
        if pid == proc.pid:
            return os.waitstatus_to_exitcode(status)


def main():
    j = job()
    repo = j["NSLAB_VM_REPO"]
    env = {"PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "HOME": "/root",
           "LANG": "C.UTF-8", "TERM": "dumb", "NSLAB_REQUIRE_ROOT": "1", "NSLAB_EXPECT_NETEM": "1",
           "NSLAB_EXPECT_CGROUP": "v2", "NSLAB_EXPECT_ALL_KINDS": "1"}
    release = os.uname().release
    with open(os.path.join(RESULTS, "kernel"), "w") as f:
        f.write(release + "\n")
    print(f"nslab-vm: linux {release}, suite from {repo}", flush=True)
    rc = run([os.path.join(repo, "ci", "vm", "prepare.sh")], env=env)
    suite_rc = run([sys.executable, os.path.join(repo, "ci", "vm", "run-suite.py"),
                    "--build", j["NSLAB_VM_BUILD"], "--suite", os.path.join(RESULTS, "suite.txt"),
                    "--junit-dir", os.path.join(RESULTS, "junit")], env=env, cwd=repo)
    # Read by ci/vm-test: a missing file means the guest never got this far.
    with open(os.path.join(RESULTS, "status"), "w") as f:
        f.write(f"prepare={rc} suite={suite_rc}\n")


if __name__ == "__main__":
    try:
        main()
    finally:
        sys.stdout.flush()
        os.sync()
        ctypes.CDLL(None, use_errno=True).reboot(RB_AUTOBOOT)
