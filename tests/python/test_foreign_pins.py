"""/run/netns is shared with iproute2 and other tools: nslab removes only the pins it made
(issue 14, item 3). A name clash fails `lab up` clearly and leaves the other entry alone."""
import json
import os
import subprocess

from clilab import cli_lab, lab


def topology(tmp_path, name):
    path = tmp_path / "t.json"
    path.write_text(json.dumps({"name": name, "nodes": {"a": {}, "b": {}},
                                "links": [{"endpoints": ["a:eth0", "b:eth0"]}]}))
    return path


def test_clash_with_a_foreign_pin_keeps_it(tmp_path):
    with cli_lab("pins") as name:
        foreign = f"{name}.b"
        subprocess.run(["ip", "netns", "add", foreign], check=True)
        try:
            up = lab("up", "-q", topology(tmp_path, name))
            assert up.returncode == 1, up.stdout + up.stderr
            assert f"/run/netns/{foreign} already exists and is not this lab's" in up.stderr, up.stderr
            # The rollback removed this lab's own pin of a, not the entry that was there before.
            assert os.path.exists(f"/run/netns/{foreign}")
            assert not os.path.exists(f"/run/netns/{name}.a")
            assert subprocess.run(["ip", "netns", "exec", foreign, "true"]).returncode == 0
        finally:
            subprocess.run(["ip", "netns", "delete", foreign])


def test_down_leaves_a_foreign_entry_with_the_labs_prefix(tmp_path):
    with cli_lab("pins") as name:
        assert lab("up", "-q", topology(tmp_path, name)).returncode == 0
        foreign = f"{name}.zz"  # not a node of the lab, added while it runs
        subprocess.run(["ip", "netns", "add", foreign], check=True)
        try:
            down = lab("down", name)
            assert down.returncode == 0, down.stderr
            assert os.path.exists(f"/run/netns/{foreign}")
            assert not os.path.exists(f"/run/netns/{name}.a") and not os.path.exists(f"/run/netns/{name}.b")
        finally:
            subprocess.run(["ip", "netns", "delete", foreign])
