"""`lab down` of a lab that is still starting (issue 14, item 2).

Until the keeper records itself, the "starting" state names the process running `lab up`. A
`lab down` then must not signal that process (the CLI, or a whole pytest run using the Python
API): it waits for the keeper, or for the starter to give up.
"""
import contextlib
import json
import os
import resource
import subprocess
import time

from clilab import LAB, cli_lab, lab
from nslab_testing import processes


def _low_nofile():
    # The keeper parses the whole topology and then finds it needs more descriptors than this:
    # it fails before building anything, after a "starting" phase as long as the parse.
    resource.setrlimit(resource.RLIMIT_NOFILE, (1024, 1024))


def _reap_keepers():
    """`lab up` makes the keeper a child of its parent, this process: reap the one that failed."""
    for pid, comm, fields, _ in processes(zombies=True):
        if comm == "nslab-keeper" and int(fields[1]) == os.getpid():
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, 0)


def test_down_while_starting_spares_the_starter():
    with cli_lab("starting") as name:
        state = f"/run/nslab/{name}/state.json"
        # Without CAP_SYS_RESOURCE the keeper cannot raise its hard limit past 1024.
        up = subprocess.Popen(["setpriv", "--bounding-set", "-sys_resource", "--inh-caps", "-sys_resource",
                               LAB, "up", "-q", "--gen", "line:20000", "--name", name],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, preexec_fn=_low_nofile)
        try:
            seen = False
            deadline = time.monotonic() + 60
            while not seen and up.poll() is None and time.monotonic() < deadline:
                try:
                    with open(state) as f:
                        seen = json.load(f).get("status") == "starting"
                except (OSError, ValueError):
                    time.sleep(0.002)
            assert seen, "never saw the lab in its starting phase"
            down = lab("down", name, timeout=120)
            out, err = up.communicate(timeout=120)
        finally:
            if up.poll() is None:
                up.kill()
                up.wait()
            _reap_keepers()
        assert up.returncode >= 0, f"lab up was killed by signal {-up.returncode} (lab down: {down.stderr})"
        assert up.returncode != 0 and "descriptors" in err, err
        # Nothing is left of the lab.
        assert not os.path.exists(f"/run/nslab/{name}")
        assert lab("status", name).returncode != 0
