"""`rootfs`: a node pivot_roots into a prepared directory and sees nothing of the host's files.
The root filesystems are made by the tests: one from Debian's busybox-static, and one with
debootstrap when NSLAB_DEBOOTSTRAP=1 (it downloads a base system: minutes, not seconds)."""
import os
import shutil
import subprocess

import pytest

import nslab

from isolation import busybox_rootfs, lab_cli


@pytest.fixture
def rootfs(tmp_path):
    return busybox_rootfs(tmp_path / "root")


def two_nodes(name, root, **extra):
    return {"name": name,
            "nodes": {"a": {"rootfs": str(root), **extra}, "b": {"rootfs": str(root)}},
            "links": [{"endpoints": ["a:eth0", "b:eth0"], "ipv4": ["10.61.0.1/24", "10.61.0.2/24"]}]}


def test_nodes_in_a_busybox_rootfs_ping_and_see_no_host_file(lab, rootfs, tmp_path):
    secret = tmp_path / "host-secret"
    secret.write_text("host only\n")
    lab.up(two_nodes("rfs-ping", rootfs))
    a = lab["a"]
    assert a.run("ping -c1 -W2 10.61.0.2").ok
    assert lab["b"].run("ping -c1 -W2 10.61.0.1").ok
    assert sorted(a.run("ls /").stdout.split()) == ["bin", "dev", "etc", "proc", "sbin", "sys", "tmp"]
    assert not a.run(f"test -e {secret}").ok
    assert not a.run("test -e /usr/bin/python3").ok            # the host's programs are gone too
    assert a.run("cat /proc/1/comm").stdout == "nslab-init\n"
    assert a.run("echo x > /dev/null && head -c4 /dev/zero | wc -c").stdout.strip() == "4"
    assert a.run("grep -c ' / ' /proc/self/mounts").stdout.strip() == "1"  # one root, not the host's
    # lab exec from a host directory the node cannot see starts in its /
    r = lab_cli("exec", lab.name, "a", "--", "pwd", cwd=str(tmp_path))
    assert (r.returncode, r.stdout) == (0, "/\n"), r.stderr


def test_files_and_private_dirs_inside_the_rootfs(lab, rootfs):
    lab.up(two_nodes("rfs-files", rootfs, private_dirs=["/etc/frr"],
                     files={"/etc/frr/frr.conf": "hostname a\n", "/etc/motd": "welcome\n"}))
    a = lab["a"]
    assert a.run("cat /etc/frr/frr.conf").stdout == "hostname a\n"
    assert not (rootfs / "etc" / "frr" / "frr.conf").exists()   # on the node's tmpfs
    assert (rootfs / "etc" / "motd").read_text() == "welcome\n"  # files of the rootfs itself
    assert lab["b"].run("cat /etc/motd").stdout == "welcome\n"


def test_a_symlink_in_the_rootfs_cannot_lead_a_file_onto_the_host(rootfs, tmp_path):
    victim = tmp_path / "victim"
    victim.mkdir()
    os.symlink(str(victim), rootfs / "etc" / "evil")            # absolute: means the host's dir
    os.symlink("../../../../../../../../" + str(victim), rootfs / "etc" / "evil2")
    for link in ("evil", "evil2"):
        topo = {"name": "rfs-evil", "nodes": {"a": {"rootfs": str(rootfs), "files": {f"/etc/{link}/pwned": "x"}}}}
        with pytest.raises(nslab.NslabError) as e:
            with nslab.Lab(topo):
                pass
        assert f"node a: write /etc/{link}/pwned" in str(e.value)
        assert os.listdir(victim) == []


def test_rootfs_errors_cross_the_clone_boundary(rootfs, tmp_path):
    missing = tmp_path / "missing"
    with pytest.raises(nslab.NslabError) as e:
        with nslab.Lab({"name": "rfs-err", "nodes": {"a": {"rootfs": str(missing)}}}):
            pass
    assert f"node a: bind rootfs {missing} onto itself: No such file or directory" in str(e.value)
    os.symlink("/", rootfs / "proc")
    with pytest.raises(nslab.NslabError) as e:
        with nslab.Lab({"name": "rfs-err", "nodes": {"a": {"rootfs": str(rootfs)}}}):
            pass
    assert "node a: prepare" in str(e.value) and "/proc must be a directory" in str(e.value)
    assert not os.path.exists("/run/nslab/rfs-err")


@pytest.mark.skipif(os.environ.get("NSLAB_DEBOOTSTRAP") != "1",
                    reason="set NSLAB_DEBOOTSTRAP=1 to build a Debian root with debootstrap (downloads, minutes)")
def test_debootstrap_rootfs(lab, tmp_path):
    if not shutil.which("debootstrap"):
        pytest.skip("debootstrap is not installed (apt-get install debootstrap)")
    root = tmp_path / "debian"
    subprocess.run(["debootstrap", "--variant=minbase", "bookworm", str(root)], check=True,
                   capture_output=True, timeout=900)
    lab.up(two_nodes("rfs-deb", root))
    assert "bookworm" in lab["a"].run("cat /etc/os-release").stdout
    assert lab["a"].run("ls /usr/bin/apt-get").ok
