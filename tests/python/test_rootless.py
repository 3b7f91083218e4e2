"""Labs without root: a throwaway user runs the CLI, the Python API and the pytest plugin.

Each test module run creates its own users (removed again at the end), copies the built `lab`,
`nslab-keeper` and Python package where those users can read them (the build tree may sit in a
directory only root can enter), and checks that the user's labs work, stay the user's own and
leave nothing behind.
"""
import os
import pathlib
import pwd
import shutil
import subprocess
import tempfile
import textwrap
import uuid

import pytest

from nslab_testing import BUILD, ROOT

STAR = """{
  "name": "rl",
  "nodes": {
    "r1": {"kind": "router"},
    "s1": {"kind": "switch"},
    "h1": {"routes": [{"to": "default", "via": "192.168.1.1"}]},
    "h2": {"routes": [{"to": "default", "via": "192.168.1.1"}]},
    "h3": {"routes": [{"to": "default", "via": "192.168.2.1"}]}
  },
  "links": [
    {"endpoints": ["r1:eth1", "s1"], "ipv4": ["192.168.1.1/24", null]},
    {"endpoints": ["h1:eth0", "s1"], "ipv4": ["192.168.1.10/24", null]},
    {"endpoints": ["h2:eth0", "s1"], "ipv4": ["192.168.1.11/24", null]},
    {"endpoints": ["r1:eth2", "h3:eth0"], "ipv4": ["192.168.2.1/24", "192.168.2.10/24"]}
  ]
}
"""


def run(cmd, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120, **kw)


class User:
    """A throwaway system user and a way to run commands as it."""

    def __init__(self, tools):
        self.name = "nslrl" + uuid.uuid4().hex[:8]
        r = run(["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", "--user-group", self.name])
        assert r.returncode == 0, r.stderr
        pw = pwd.getpwnam(self.name)
        self.uid, self.gid = pw.pw_uid, pw.pw_gid
        self.tools = tools
        self.run_dir = f"/tmp/nslab-{self.uid}"

    def env(self):
        return {"PATH": f"{self.tools}/bin:/usr/sbin:/usr/bin:/sbin:/bin", "HOME": self.tools,
                "PYTHONPATH": f"{self.tools}/python", "LANG": "C.UTF-8"}

    def sh(self, script, timeout=120):
        # Through sh, so a persistent lab's keeper (made a child of lab's parent) is sh's child
        # and becomes ours to reap (ci/run_tests.py is a subreaper) when sh exits.
        return subprocess.run(["setpriv", f"--reuid={self.uid}", f"--regid={self.gid}", "--init-groups",
                               "/bin/sh", "-c", script], capture_output=True, text=True, timeout=timeout,
                              env=self.env(), cwd=self.tools)

    def processes(self):
        out = []
        for p in os.listdir("/proc"):
            if not p.isdigit():
                continue
            try:
                st = os.stat(f"/proc/{p}")
                stat = open(f"/proc/{p}/stat").read()
            except OSError:
                continue
            if st.st_uid == self.uid and stat[stat.rindex(")") + 2] != "Z":
                out.append(f"{p} {stat[stat.index('(') + 1:stat.rindex(')')]}")
        return out

    def remove(self):
        leftovers = self.processes()
        state = os.listdir(self.run_dir) if os.path.isdir(self.run_dir) else []
        shutil.rmtree(self.run_dir, ignore_errors=True)
        run(["userdel", self.name])
        return leftovers, state


@pytest.fixture(scope="module")
def tools():
    """The built binaries and Python package, copied where an ordinary user can read them."""
    d = tempfile.mkdtemp(prefix="nslab-rl-")
    os.chmod(d, 0o755)
    os.makedirs(f"{d}/bin")
    for exe in ("lab", "nslab-keeper"):
        shutil.copy2(BUILD / "cli" / exe, f"{d}/bin/{exe}")
    shutil.copytree(BUILD / "python" / "nslab", f"{d}/python/nslab",
                    ignore=shutil.ignore_patterns("__pycache__"))
    for p in pathlib.Path(d).rglob("*"):
        os.chmod(p, 0o755 if p.is_dir() or os.access(p, os.X_OK) else 0o644)
    pathlib.Path(f"{d}/star.json").write_text(STAR)
    os.chmod(f"{d}/star.json", 0o644)
    os.makedirs(f"{d}/topologies")
    shutil.copy(ROOT / "topologies" / "triangle.json", f"{d}/topologies/triangle.json")
    os.chmod(f"{d}/topologies", 0o755)
    os.chmod(f"{d}/topologies/triangle.json", 0o644)
    yield d
    shutil.rmtree(d)


@pytest.fixture
def user(tools):
    u = User(tools)
    yield u
    leftovers, state = u.remove()
    assert not leftovers, f"processes of {u.name} left running: {leftovers}"
    assert not state, f"state left in {u.run_dir}: {state}"


def test_cli_lab_as_an_ordinary_user(user):
    r = user.sh("lab up -q star.json && lab status rl")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "rl" in r.stdout
    try:
        # State is the user's own, private, and nothing is pinned under root's /run/netns.
        st = os.stat(f"{user.run_dir}/rl")
        assert st.st_uid == user.uid and (st.st_mode & 0o077) == 0
        assert os.stat(user.run_dir).st_mode & 0o777 == 0o700
        assert not [n for n in (os.listdir("/run/netns") if os.path.isdir("/run/netns") else []) if n.startswith("rl.")]
        # Across the switch, and across the router's hop.
        r = user.sh("lab exec rl h1 -- ping -c1 -W2 192.168.1.11 && lab exec rl h1 -- ping -c1 -W2 192.168.2.10")
        assert r.returncode == 0, r.stdout + r.stderr
        r = user.sh("lab pingall rl")
        assert r.returncode == 0, r.stdout + r.stderr
        # A packet socket in a node, through the same broker.
        r = user.sh("lab capture rl h1:eth0 --timeout 3 > /tmp/cap-$(id -u).txt 2>/dev/null & sleep 0.5; "
                    "lab exec rl h1 -- ping -c2 -i 0.2 192.168.1.11 >/dev/null; wait; cat /tmp/cap-$(id -u).txt; rm -f /tmp/cap-$(id -u).txt")
        assert "192.168.1.11" in r.stdout, r.stdout + r.stderr
        # Root inside, the user outside: the node's view of who it is.
        r = user.sh("lab exec rl h1 -- id -u; lab exec rl h1 -- cat /proc/self/uid_map")
        assert r.stdout.split()[0] == "0"
        assert f"0 {user.uid} 1" in " ".join(r.stdout.split()[1:])
        # Taking a link down and up goes through netlink inside the lab's namespaces.
        r = user.sh("lab link rl h3:eth0 down && ! lab exec rl h1 -- ping -c1 -W1 192.168.2.10 "
                    "&& lab link rl h3:eth0 up && lab exec rl h1 -- ping -c1 -W2 192.168.2.10")
        assert r.returncode == 0, r.stdout + r.stderr
    finally:
        r = user.sh("lab down rl")
    assert r.returncode == 0, r.stdout + r.stderr
    assert not user.processes()


def test_readme_examples_as_an_ordinary_user(user):
    """The README's main example (the CLI tour) and its Python example, as they are written."""
    r = user.sh("lab up topologies/triangle.json && lab status triangle && "
                "lab exec triangle r1 -- ping -c1 10.0.0.3; rc=$?; lab down triangle; exit $rc")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "1 received" in r.stdout
    script = ("import nslab\n"
              "with nslab.Lab.from_file('topologies/triangle.json') as lab:\n"
              "    print(lab.ping_all())\n"
              "    print(lab['r1'].addresses())\n")
    r = user.sh(f"/usr/bin/python3 -c \"{script}\"")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "0% dropped (6/6 received)" in r.stdout
    assert "'10.0.0.1/32'" in r.stdout


def test_users_do_not_see_each_others_labs(tools, user):
    other = User(tools)
    try:
        r = user.sh("lab up -q star.json")
        assert r.returncode == 0, r.stdout + r.stderr
        r = other.sh("lab status")
        assert "rl" not in r.stdout
        r = other.sh("lab down rl")
        assert r.returncode != 0 and "no lab named rl" in r.stderr
        r = other.sh(f"ls {user.run_dir}")
        assert r.returncode != 0  # 0700: not even the names
        # root's own labs live elsewhere
        assert not os.path.exists("/run/nslab/rl")
        assert user.sh("lab down rl").returncode == 0
    finally:
        user.sh("lab down rl")
        leftovers, state = other.remove()
    assert not leftovers and not state


def test_python_api_and_plugin_as_an_ordinary_user(user):
    pathlib.Path(f"{user.tools}/test_inner_{user.name}.py").write_text(textwrap.dedent(f"""
        import pytest
        import nslab

        def test_api():
            with nslab.Lab.from_file({user.tools + '/star.json'!r}, name="rlpy") as lab:
                assert lab["h1"].run("ping -c1 -W2 192.168.2.10").ok
                m = lab.ping_all()
                assert m.ok, m
                lab.link("h3:eth0").down()
                assert not lab["h1"].ping("h3")
                lab.link("h3:eth0").up()
                assert lab["h1"].ping("h3")

        @pytest.mark.topology({user.tools + '/star.json'!r})
        def test_plugin(lab):
            assert lab["h2"].ping("h1")
    """))
    os.chmod(f"{user.tools}/test_inner_{user.name}.py", 0o644)
    r = user.sh(f"/usr/bin/python3 -m pytest -q -p no:cacheprovider -p nslab.pytest_plugin test_inner_{user.name}.py",
                timeout=300)
    os.unlink(f"{user.tools}/test_inner_{user.name}.py")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "2 passed" in r.stdout


def test_single_id_map_names_its_limit(user):
    topo = '{"name": "rlsu", "nodes": {"a": {"exec": ["setpriv --reuid=100 --regid=100 --clear-groups true"]}}}'
    r = user.sh(f"echo '{topo}' > /tmp/rlsu-{user.uid}.json; lab up -q /tmp/rlsu-{user.uid}.json; rc=$?; "
                f"rm -f /tmp/rlsu-{user.uid}.json; exit $rc")
    assert r.returncode == 1
    assert "single user id" in r.stderr and "/etc/subuid" in r.stderr


def test_limits_say_they_need_root(user):
    topo = '{"name": "rllim", "nodes": {"a": {"limits": {"pids": 50}}}}'
    r = user.sh(f"echo '{topo}' > /tmp/rllim-{user.uid}.json; lab up -q /tmp/rllim-{user.uid}.json; rc=$?; "
                f"rm -f /tmp/rllim-{user.uid}.json; exit $rc")
    assert r.returncode == 1
    assert "node a (/nodes/a)" in r.stderr and "cgroup" in r.stderr and "without root" in r.stderr
    assert not os.listdir(user.run_dir)


@pytest.fixture
def subordinate_ids(user):
    """Debian's uidmap and a subordinate range for the user, restored afterwards."""
    if not (os.access("/usr/bin/newuidmap", os.X_OK) and os.access("/usr/bin/newgidmap", os.X_OK)):
        pytest.fail("newuidmap/newgidmap missing: ci/deps.sh installs Debian's uidmap")
    saved = {}
    for f in ("/etc/subuid", "/etc/subgid"):
        saved[f] = pathlib.Path(f).read_text() if os.path.exists(f) else None
    # A range beyond any Debian allocates by default (100000 + 65536 * n).
    start = 3000000000 + (user.uid % 1000) * 65536
    for f in saved:
        with open(f, "a") as fh:
            fh.write(f"{user.name}:{start}:65536\n")
    yield start
    for f, text in saved.items():
        if text is None:
            os.unlink(f)
        else:
            pathlib.Path(f).write_text(text)


def test_subordinate_ids_let_daemons_switch_user(user, subordinate_ids):
    topo = ('{"name": "rlsub", "nodes": {"a": {"exec": ['
            '"setpriv --reuid=100 --regid=100 --clear-groups sh -c \\"id -u > /tmp/who\\""]}}}')
    r = user.sh(f"echo '{topo}' > /tmp/rlsub-{user.uid}.json && lab up -q /tmp/rlsub-{user.uid}.json; rc=$?; "
                f"rm -f /tmp/rlsub-{user.uid}.json; [ $rc = 0 ] || exit $rc; "
                "echo WHO; lab exec rlsub a -- cat /tmp/who /proc/self/uid_map; lab down rlsub")
    assert r.returncode == 0, r.stdout + r.stderr
    lines = r.stdout.split("WHO\n", 1)[1].split("\n")
    assert lines[0].strip() == "100"      # the command ran as uid 100 inside
    assert lines[1].split() == ["0", str(user.uid), "1"]
    assert lines[2].split() == ["1", str(subordinate_ids), "65536"]  # the user's subordinate range


def test_live_changes_as_an_ordinary_user(user):
    """A rootless lab takes live changes too: a node and a link added (reachable), one removed,
    an edited file applied; a node with limits, which needs root's cgroups, is refused by name
    and leaves the lab as it was."""
    r = user.sh("lab up -q star.json")
    assert r.returncode == 0, r.stderr
    try:
        r = user.sh("lab node add rl h4 && "
                    "lab link add rl h4:eth0 s1 --json '{\"ipv4\": [\"192.168.1.14/24\", null]}' && "
                    "lab exec rl h4 -- ping -c1 -W2 192.168.1.10")
        assert r.returncode == 0, r.stdout + r.stderr
        assert "+ node h4 (host)" in r.stdout and "+ link h4:eth0 <-> s1:p4" in r.stdout
        r = user.sh("lab node add rl h5 --json '{\"limits\": {\"pids\": 10}}'")
        assert r.returncode != 0 and "h5" in r.stderr and "root" in r.stderr, r.stdout + r.stderr
        r = user.sh("lab status rl --json")
        assert r.returncode == 0 and '"h5"' not in r.stdout and '"h4"' in r.stdout
        r = user.sh("lab node rm rl h4 && lab link rm rl r1:eth1 && ! lab exec rl h1 -- ping -c1 -W1 192.168.2.10")
        assert r.returncode == 0, r.stdout + r.stderr
    finally:
        assert user.sh("lab down rl").returncode == 0
