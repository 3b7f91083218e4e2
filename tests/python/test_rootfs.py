"""`rootfs`: a node pivot_roots into a prepared directory and sees nothing of the host's files.
The root filesystems are made by the tests: one from Debian's busybox-static, and one with
debootstrap when NSLAB_DEBOOTSTRAP=1 (it downloads a base system: minutes, not seconds)."""
import json
import os
import shutil
import subprocess
import time

import pytest

import nslab
from nslab.pytest_plugin import unique_name

from isolation import busybox_rootfs, lab_cli
from nslab_testing import LAB


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
    assert f'node a (/nodes/a/rootfs): open rootfs "{missing}": No such file or directory' in str(e.value)
    os.symlink("/", rootfs / "proc")
    with pytest.raises(nslab.NslabError) as e:
        with nslab.Lab({"name": "rfs-err", "nodes": {"a": {"rootfs": str(rootfs)}}}):
            pass
    assert "node a: prepare" in str(e.value) and "/proc must be a directory" in str(e.value)
    assert not os.path.exists("/run/nslab/rfs-err")


def mount_points():
    with open("/proc/self/mountinfo") as f:
        return sorted(line.split()[4] for line in f)


def left_behind(name, mounts_before):
    """What a failed `lab up` of lab `name` left: its state, pins and mounts."""
    left = []
    if os.path.exists(f"/run/nslab/{name}"):
        left.append(f"/run/nslab/{name}")
    netns = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout
    left += [line for line in netns.splitlines() if line.startswith(name + ".")]
    now = mount_points()
    # Other labs (xdist workers) pin and unpin their own namespaces meanwhile, and the first of
    # them mounts /run/netns itself (the last one to go unmounts it).
    left += [m for m in set(now) if now.count(m) > mounts_before.count(m)
             and (not (m == "/run/netns" or m.startswith("/run/netns/")) or m.startswith(f"/run/netns/{name}."))]
    return left


# What `rootfs` names, how it gets there, and what lab up must say about it (issue 14, item 6).
REFUSED = {
    "symlink to /": (lambda t: os.symlink("/", t), 'it resolves to "/", the host\'s own root'),
    "/proc/self/root": (None, "it passes through a /proc magic link (such as /proc/<pid>/root)"),
    # The id must be the same in every xdist worker, so the pid is filled in by the test.
    "/proc/<pytest pid>/root": (None, "it passes through a /proc magic link (such as /proc/<pid>/root)"),
    # Where PID 1 is more privileged than the keeper (a sandbox's), the kernel says "Permission
    # denied" before it gets to the magic link: refused either way.
    "/proc/1/root": (None, ("it passes through a /proc magic link", "Permission denied")),
    "symlink to /proc/self/root": (lambda t: os.symlink("/proc/self/root", t), "passes through a /proc magic link"),
    "/etc": (None, 'it resolves to "/etc", the host\'s system directory /etc'),
    "symlink to /etc": (lambda t: os.symlink("/etc", t), 'it resolves to "/etc", the host\'s system directory /etc'),
    "symlink to /usr/": (lambda t: os.symlink("/usr/", t), 'it resolves to "/usr", the host\'s system directory /usr'),
    "/sys/class/net": (None, 'it resolves to "/sys/class/net", inside the host\'s /sys'),
    "/dev": (None, 'it resolves to "/dev", inside the host\'s /dev'),
}


@pytest.mark.parametrize("case", REFUSED)
def test_a_rootfs_resolving_to_the_host_root_or_a_system_dir_is_refused(tmp_path, case):
    make, why = REFUSED[case]
    path = tmp_path / "root" if make else case.replace("<pytest pid>", str(os.getpid()))
    if make:
        make(path)
    name = unique_name("rfs-refuse")
    topo = tmp_path / "t.json"
    topo.write_text(json.dumps({"name": name, "nodes": {"a": {}, "b": {"rootfs": str(path)}},
                                "links": [{"endpoints": ["a:eth0", "b:eth0"]}]}))
    mounts = mount_points()
    r = lab_cli("up", "-q", str(topo))
    assert r.returncode != 0, r.stdout
    assert f'node b (/nodes/b/rootfs): ' in r.stderr and str(path) in r.stderr, r.stderr
    if isinstance(why, str):
        assert why in r.stderr and "; give " in r.stderr, r.stderr
    else:
        assert any(w in r.stderr for w in why), r.stderr
    assert left_behind(name, mounts) == []


def test_a_bind_mount_of_the_host_root_is_refused(tmp_path):
    """Identities are compared, not names: / mounted elsewhere is still the host's root."""
    path = tmp_path / "bound"
    path.mkdir()
    subprocess.run(["mount", "--bind", "/", str(path)], check=True)
    try:
        name = unique_name("rfs-bind")
        with pytest.raises(nslab.NslabError) as e:
            with nslab.Lab({"name": name, "nodes": {"a": {"rootfs": str(path)}}}):
                pass
        want = f'node a (/nodes/a/rootfs): check rootfs "{path}": it resolves to "{path}", the host\'s own root'
        assert want in str(e.value)
        assert not os.path.exists(f"/run/nslab/{name}")
    finally:
        subprocess.run(["umount", str(path)], check=True)


def test_a_rootfs_swapped_for_a_symlink_to_the_host_root_after_the_check_is_refused(rootfs, tmp_path):
    """The node's init checks the rootfs again, and mounts only the directory it checked: a
    path changed between the keeper's check and the init (here: while the keeper stalls right
    after its check) cannot lead the node into the host's root."""
    path = tmp_path / "swapped"
    rootfs.rename(path)
    name = unique_name("rfs-swap")
    topo = tmp_path / "t.json"
    topo.write_text(json.dumps({"name": name, "nodes": {"a": {"rootfs": str(path)}}}))
    mounts = mount_points()
    up = subprocess.Popen([LAB, "up", "-q", str(topo)], stderr=subprocess.PIPE, text=True,
                          env=dict(os.environ, NSLAB_FAULT="keeper:1:stall"))
    try:
        # `lab up` writes a "starting" state before the keeper runs; the keeper records itself
        # ("building"), parses and checks (milliseconds for one node), then stalls for 2 s.
        # Swap in the middle of the stall: swapping on the first state file raced the check.
        state = f"/run/nslab/{name}/state.json"
        for _ in range(500):
            try:
                if json.load(open(state)).get("status") == "building":
                    break
            except (OSError, ValueError):
                pass
            time.sleep(0.01)
        time.sleep(0.5)
        path.rename(tmp_path / "away")
        os.symlink("/", path)
        _, err = up.communicate(timeout=60)
    finally:
        if up.poll() is None:
            up.kill()
            up.wait()
        lab_cli("down", name)
    assert up.returncode != 0, "the lab came up with the host's root as its rootfs"
    assert f'node a: check rootfs "{path}": Operation not permitted (it resolves to "/", the host\'s own root' in err, err
    assert left_behind(name, mounts) == []


def test_a_rootfs_under_tmp_through_a_symlink_still_works(lab, rootfs, tmp_path):
    """Only the system directories themselves are refused (not what lies below /tmp), and a
    symlink is judged by where it leads."""
    link = tmp_path / "link"
    os.symlink(rootfs, link)
    lab.up({"name": "rfs-link", "nodes": {"a": {"rootfs": str(link)}}})
    assert lab["a"].run("cat /proc/1/comm").stdout == "nslab-init\n"


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


def test_bind_mounts_into_a_rootfs_node(lab, rootfs, tmp_path):
    """A node with a rootfs sees a host directory bind-mounted at a target inside its root (made
    there when the rootfs lacks it), read-only when asked, and the host's path stays unseen."""
    shared = tmp_path / "shared"
    shared.mkdir()
    (shared / "in.txt").write_text("from the host\n")
    ro = tmp_path / "ro"
    ro.mkdir()
    (ro / "conf").write_text("read only\n")
    lab.up(two_nodes("rfs-mounts", rootfs, mounts=[{"source": str(shared), "target": "/data"},
                                                    {"source": str(ro), "target": "/etc/ro", "readonly": True}]))
    a = lab["a"]
    assert a.run("cat /data/in.txt").stdout == "from the host\n"
    assert a.run("echo back > /data/out.txt").ok
    assert (shared / "out.txt").read_text() == "back\n"
    assert a.run("cat /etc/ro/conf").stdout == "read only\n"
    assert not a.run("touch /etc/ro/x").ok
    assert not a.run(f"test -e {shared}").ok  # the host's path itself is not in the node
    assert not lab["b"].run("test -e /data/in.txt").ok  # only the node that mounts it
