"""`lab --help`, `lab CMD --help`, the man page (`lab --man`), and the bash completion in
cli/completion/lab.bash, driven the way bash drives it (COMP_WORDS/COMP_CWORD set, _lab run,
COMPREPLY read back), against a fake state directory and a fake `lab status`."""
import os
import re
import shutil
import subprocess

import pytest

from nslab_testing import LAB, ROOT

COMPLETION = ROOT / "cli" / "completion" / "lab.bash"


def lab(*args):
    return subprocess.run([LAB, *args], capture_output=True, text=True)


def help_commands():
    out = lab("--help").stdout
    block = out.split("commands:\n", 1)[1].split("\n\n", 1)[0]
    return [m.group(1) for m in re.finditer(r"^  ([a-z]+)", block, flags=re.M)]


def test_help_lists_commands():
    r = lab("--help")
    assert r.returncode == 0
    cmds = help_commands()
    assert {"up", "down", "status", "exec", "graph", "validate", "clean"} <= set(cmds)
    assert "Run lab COMMAND --help" in r.stdout


@pytest.mark.parametrize("cmd", ["up", "status", "exec", "shell", "ping", "pingall", "link", "node", "apply", "capture",
                                 "graph", "down", "validate", "clean", "gen"])
def test_command_help(cmd):
    assert cmd in help_commands()
    r = lab(cmd, "--help")
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith(f"usage: lab {cmd}"), r.stdout
    assert len(r.stdout.splitlines()) >= 4  # usage, summary and an explanation, not one line


def test_usage_error_points_at_command_help():
    r = lab("validate")
    assert r.returncode == 2
    assert "usage: lab validate FILE..." in r.stderr and "lab validate --help" in r.stderr


def test_man_page_renders_every_command(tmp_path):
    r = lab("--man")
    assert r.returncode == 0 and r.stdout.startswith(".TH LAB 1")
    if not shutil.which("man"):
        pytest.skip("man (man-db) is not installed: the roff is not rendered")
    page = tmp_path / "lab.1"
    page.write_text(r.stdout)
    shown = subprocess.run(["man", "-l", str(page)], capture_output=True, text=True,
                           env=dict(os.environ, MANWIDTH="100", MAN_KEEP_FORMATTING="0", MANPAGER="cat", PAGER="cat"))
    assert shown.returncode == 0, shown.stderr
    assert "warning" not in shown.stderr
    text = re.sub(r".\x08", "", shown.stdout)  # overstrike bold/underline
    for cmd in help_commands():
        assert f"lab {cmd}" in text, cmd
    assert "--format dot" in text


@pytest.fixture
def env(tmp_path):
    """Two labs in a fake state dir; a fake `lab` whose `status` lists nodes the way lab does."""
    run = tmp_path / "run"
    for name in ("lab1", "lab2"):
        (run / name).mkdir(parents=True)
    fake = tmp_path / "lab"
    fake.write_text("#!/bin/sh\n"
                    "[ \"$1 $2\" = 'status lab1' ] || exit 1\n"
                    "printf 'lab lab1: up, 3 nodes\\nNODE  KIND  PID  INTERFACE\\n"
                    "r1    router 10  lo\\n            eth1\\nr2    router 11  lo\\nh1    host   12  eth0\\n'\n")
    fake.chmod(0o755)
    work = tmp_path / "work"
    (work / "sub").mkdir(parents=True)
    (work / "a.json").write_text("{}")
    (work / "b.txt").write_text("")
    return {"run": run, "fake": str(fake), "work": work}


def complete(env, line):
    """COMPREPLY for the command line `line` (the cursor at its end)."""
    words = line.split(" ")
    words[0] = env["fake"]
    script = (f"source {COMPLETION}\n"
              f"COMP_WORDS=({' '.join(repr(w) for w in words)}); COMP_CWORD={len(words) - 1}\n"
              "_lab; printf '%s\\n' \"${COMPREPLY[@]}\"\n")
    r = subprocess.run(["bash", "--norc", "--noprofile", "-c", script], capture_output=True, text=True,
                       cwd=env["work"], env=dict(os.environ, NSLAB_RUN_DIR=str(env["run"])))
    assert r.returncode == 0, r.stderr
    return sorted(w for w in r.stdout.split("\n") if w)


def test_complete_subcommands(env):
    assert complete(env, "lab ") == sorted(help_commands() + ["--help"])
    assert complete(env, "lab st") == ["status"]
    assert complete(env, "lab node ") == ["add", "rm"]
    assert complete(env, "lab node rm ") == ["lab1", "lab2"]
    assert complete(env, "lab node rm lab1 ") == ["h1", "r1", "r2"]
    assert complete(env, "lab apply lab1 ") == ["a.json", "sub"]
    assert complete(env, "lab apply --") == ["--dry-run", "--help", "--json"]


def test_complete_lab_names(env):
    assert complete(env, "lab status ") == ["lab1", "lab2"]
    assert complete(env, "lab down l") == ["lab1", "lab2"]
    assert complete(env, "lab status lab1 ") == []


def test_complete_node_names(env):
    assert complete(env, "lab exec lab1 ") == ["h1", "r1", "r2"]
    assert complete(env, "lab shell lab1 r") == ["r1", "r2"]
    assert complete(env, "lab ping lab1 r1 ") == ["h1", "r1", "r2"]
    assert complete(env, "lab link lab1 r") == ["r1:", "r2:"]
    assert complete(env, "lab link lab1 r1:eth1 ") == ["down", "set", "show", "up"]
    assert complete(env, "lab capture lab1 r") == ["r1:", "r2:"]
    assert complete(env, "lab capture lab1 r1:eth1 ") == []
    assert "sh" in complete(env, "lab exec lab1 r1 -- sh")


def test_complete_files_and_options(env):
    assert complete(env, "lab up ") == ["a.json", "sub"]
    assert complete(env, "lab validate a") == ["a.json"]
    assert complete(env, "lab graph ") == ["a.json", "lab1", "lab2", "sub"]
    assert complete(env, "lab graph a.json --format ") == ["dot", "html", "mermaid", "svg"]
    assert complete(env, "lab down --") == ["--all", "--help"]
    assert complete(env, "lab capture lab1 r1:eth1 --") == ["--count", "--help", "--timeout", "--write"]
    assert complete(env, "lab capture lab1 r1:eth1 -w ") == ["a.json", "b.txt", "sub"]
    assert complete(env, "lab status --") == ["--help", "--json", "--routes"]
