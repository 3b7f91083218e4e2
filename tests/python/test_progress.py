"""Progress of `lab up`/`lab down`: on a terminal (a pty here) a line with the stage, the count
and the rate; without one, nothing but the results."""
import errno
import os
import pty
import re
import subprocess

from clilab import LAB, cli_lab, lab as run_lab

# 100 routers, 100 links: several progress reports (every 32 nodes), a second or so to build.
GEN = "ring:100"


def on_pty(*args):
    """Runs `lab ARGS` with stdin, stdout and stderr on a new pty; returns (exit code, output)."""
    master, slave = pty.openpty()
    try:
        proc = subprocess.Popen([LAB, *args], stdin=slave, stdout=slave, stderr=slave)
    finally:
        os.close(slave)
    out = b""
    try:
        while True:
            try:
                chunk = os.read(master, 65536)
            except OSError as e:  # EIO: every slave end closed, the command is done
                if e.errno != errno.EIO:
                    raise
                break
            if not chunk:
                break
            out += chunk
    finally:
        os.close(master)
    return proc.wait(timeout=120), out.decode(errors="replace")


def test_progress_on_a_terminal():
    with cli_lab("progress-tty") as name:
        code, out = on_pty("up", "--gen", GEN, "--name", name, "-q")
        assert code == 0, out
        # Redrawn in place: stage, done/total and items per second, then erased.
        shown = re.findall(r"\r\x1b\[Klab up: (\w+) (\d+)/(\d+)(?: \((\d+)/s\))?", out)
        assert ("nodes", "100", "100") in [s[:3] for s in shown], out
        rates = [int(s[3]) for s in shown if s[0] == "nodes" and s[3]]
        assert rates and all(r > 0 for r in rates), out
        assert any(s[0] == "links" and s[3] for s in shown), out
        assert f"lab {name} up in" in out
        assert out.rstrip().endswith("links") and "\x1b[K" in out.split(f"lab {name} up")[0][-10:]

        code, out = on_pty("down", name)
        assert code == 0, out
        shown = re.findall(rf"lab down {re.escape(name)}: nodes (\d+)/100 \((\d+)/s\)", out)
        assert shown and shown[-1][0] == "100", out
        assert f"lab {name} down in" in out


def test_quiet_without_a_terminal():
    with cli_lab("progress-pipe") as name:
        r = run_lab("up", "--gen", GEN, "--name", name, "-q")
        assert r.returncode == 0
        assert r.stderr == ""
        assert re.fullmatch(rf"lab {re.escape(name)} up in [0-9.]+ m?s: 100 nodes, 100 links\n", r.stdout)
        r = run_lab("down", name)
        assert r.returncode == 0 and r.stderr == ""
        assert re.fullmatch(rf"lab {re.escape(name)} down in [0-9.]+ m?s\n", r.stdout)
