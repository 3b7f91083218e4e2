"""Running Mininet scripts and `mn` options through the built `nslab-mn`, as Mininet's own
examples/test/ tests run them, and checking that nothing of the run is left on the host."""
import os
import pathlib
import re
import subprocess

from nslab_testing import BUILD
from routing import assert_lab_gone

NSLAB_MN = str(BUILD / "cli" / "nslab-mn")
EXAMPLES = pathlib.Path("/usr/lib/python3/dist-packages/mininet/examples")


class Run:
    """One nslab-mn process, started at once; `finish()` waits and returns (exit code, output)."""

    def __init__(self, args, stdin="", timeout=120):
        env = dict(os.environ)
        env["PYTHONPATH"] = str(BUILD / "python")
        env["PYTHONUNBUFFERED"] = "1"
        self.args, self.timeout = args, timeout
        self.proc = subprocess.Popen([NSLAB_MN] + [str(a) for a in args], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env,
                                     cwd=str(EXAMPLES) if EXAMPLES.is_dir() else None)
        self.stdin = stdin
        self.result = None

    def finish(self):
        if self.result is None:
            try:
                out, _ = self.proc.communicate(self.stdin, timeout=self.timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()  # ours, by PID; its labs are ephemeral and die with it
                out, _ = self.proc.communicate()
                raise AssertionError(f"nslab-mn {' '.join(map(str, self.args))} ran over {self.timeout} s:\n{out}")
            assert_run_clean(self.proc.pid)
            self.result = (self.proc.returncode, out)
        return self.result


def nslab_mn(*args, stdin="", timeout=120):
    return Run(args, stdin, timeout).finish()


def example(name, *args, stdin="", timeout=120):
    return Run([EXAMPLES / f"{name}.py", *args], stdin, timeout)


def assert_run_clean(pid):
    """The labs of nslab-mn process `pid` (named mn<pid>-<n>) left nothing on the host."""
    assert_lab_gone(f"mn{pid}-", prefix=True)


def dropped(out):
    """The loss percentages of every `*** Results: N% dropped` line."""
    return [int(x) for x in re.findall(r"Results: (\d+)% dropped", out)]
