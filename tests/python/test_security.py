"""What a topology or a lab name can make the engine do as root stays inside the lab."""
import os
import stat

from isolation import lab_cli


def test_lab_names_cannot_climb_out_of_the_state_dir(tmp_path):
    victim = tmp_path / "victim"
    victim.mkdir()
    (victim / "keep").write_text("x")
    name = "../.." + str(victim)                                # /run/nslab/../../<victim>
    for cmd in (["down", name], ["status", name], ["exec", name, "a", "--", "true"]):
        r = lab_cli(*cmd)
        assert r.returncode != 0 and "is not a lab name" in r.stderr, (cmd, r.stderr)
    assert (victim / "keep").read_text() == "x"


def test_state_is_private_to_root(tmp_path):
    topo = tmp_path / "sec.json"
    topo.write_text('{"name": "sec-perm", "nodes": {"a": {"exec": ["true"]}}}')
    assert lab_cli("up", "-q", str(topo)).returncode == 0
    try:
        d = "/run/nslab/sec-perm"
        assert stat.S_IMODE(os.stat(d).st_mode) == 0o700
        assert stat.S_IMODE(os.stat(d + "/state.json").st_mode) == 0o600
        assert stat.S_IMODE(os.stat(d + "/topology.json").st_mode) == 0o600
        assert stat.S_IMODE(os.stat(d + "/logs").st_mode) == 0o700
        assert stat.S_IMODE(os.stat(d + "/logs/a.log").st_mode) == 0o600
    finally:
        assert lab_cli("down", "sec-perm").returncode == 0
