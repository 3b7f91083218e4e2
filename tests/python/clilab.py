"""Running the built `lab` CLI from tests: its path, and labs started with `lab up` that are
always taken down again, their keepers reaped (`lab up` makes the keeper a child of the process
that ran it: this one)."""
import contextlib
import json
import os
import subprocess

from nslab.pytest_plugin import unique_name

from nslab_testing import LAB


def lab(*args, **kw):
    """`lab ARGS...`, output captured as text."""
    return subprocess.run([LAB, *map(str, args)], capture_output=True, text=True, **kw)


def keeper_pid(name):
    r = lab("status", name, "--json")
    return json.loads(r.stdout)["keeper"]["pid"] if r.returncode == 0 else None


@contextlib.contextmanager
def cli_lab(hint):
    """A unique lab name for `lab up --name`; the lab is taken down after the block whatever
    happened, and its keeper reaped."""
    name = unique_name(hint)
    try:
        yield name
    finally:
        pid = keeper_pid(name)
        lab("down", name)
        if pid:
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, 0)
