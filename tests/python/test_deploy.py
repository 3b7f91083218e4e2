"""deploy/ (issue 19): the Ansible playbook parses, and brings a lab up on three simulated hosts
(tests/python/fleet.py) from ctl, all hosts or none, and takes it down again; the Kubernetes
DaemonSet is checked offline (no cluster here)."""
import json
import subprocess

import pytest
import yaml

import fleet as fleetmod
from nslab_testing import ROOT

PLAYBOOK = ROOT / "deploy" / "ansible" / "lab.yml"
MANIFEST = ROOT / "deploy" / "kubernetes" / "nslab-runner.yaml"

# Until `lab up --partition` exists, each host runs a plain topology of its own as a whole
# (nslab_partition=false). With --partition, set PARTITION = True: every host then gets the
# one topology with `placement` (placed_topology) and starts its own part of it.
PARTITION = True

LAB = "dep"


def ansible_env():
    # Everything ansible writes on ctl goes to ctl's private /tmp, and on a host to the host's.
    return {"HOME": "/tmp/ctl-home", "ANSIBLE_LOCAL_TEMP": "/tmp/ctl-home/.ansible/tmp",
            "ANSIBLE_REMOTE_TEMP": "/tmp/.ansible-remote", "ANSIBLE_SSH_CONTROL_PATH_DIR": "/tmp/ctl-home/cp",
            "ANSIBLE_PIPELINING": "true", "ANSIBLE_NOCOLOR": "1", "ANSIBLE_RETRY_FILES_ENABLED": "false",
            "ANSIBLE_HOST_KEY_CHECKING": "false", "ANSIBLE_FORKS": "10",
            "PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"}


def plain_topology(host):
    """What host `host` runs without --partition: two nodes joined by a link."""
    return {"name": LAB, "nodes": {"a": {"hostname": f"{host}-a"}, "b": {}},
            "links": [{"endpoints": ["a:eth0", "b:eth0"], "ipv4": ["10.2.0.1/24", "10.2.0.2/24"]}]}


def placed_topology(fleet):
    """The one topology with placement, for --partition: node a<i> on host h<i>."""
    hosts = list(fleet.hosts)
    nodes = {f"a{i}": {"hostname": f"{h}-a"} for i, h in enumerate(hosts, 1)}
    # a1 - a2 crosses between h1 and h2: each part makes its VXLAN end.
    return {"name": LAB, "nodes": nodes, "links": [{"endpoints": ["a1:eth0", "a2:eth0"], "ipv4": ["10.7.0.1/24", "10.7.0.2/24"]}],
            "placement": fleet.hosts_json({f"a{i}": h for i, h in enumerate(hosts, 1)})}


def playbook(fleet, *args, timeout=120):
    return fleet.ctl.run(["ansible-playbook", "-i", "/tmp/inventory.ini", str(PLAYBOOK),
                          "-e", f"nslab_lab={LAB}", "-e", "nslab_remote_dir=/tmp/nslab-topology", *args],
                         env=ansible_env(), timeout=timeout, stderr=subprocess.STDOUT)


def write_inventory(fleet, broken=()):
    """The inventory, and the topology file(s) on ctl; hosts in `broken` get a topology
    `lab up` refuses."""
    if PARTITION:
        fleet.ctl.run("cat > /tmp/topology.json", input=json.dumps(placed_topology(fleet)), check=True)
        hostvars = {h: {"nslab_topology": "/tmp/topology.json"} for h in fleet.hosts}
        for h in broken:
            # The same lab, but this host's node fails its exec command, so its part fails.
            t = placed_topology(fleet)
            t["nodes"][f"a{h[1:]}"]["exec"] = ["echo nosuchnode >&2; exit 3"]
            fleet.ctl.run(f"cat > /tmp/topology-{h}.json", input=json.dumps(t), check=True)
            hostvars[h] = {"nslab_topology": f"/tmp/topology-{h}.json"}
    else:
        hostvars = {}
        for h in fleet.hosts:
            t = plain_topology(h)
            if h in broken:
                t["links"][0]["endpoints"] = ["a:eth0", "nosuchnode:eth0"]
            fleet.ctl.run(f"cat > /tmp/topology-{h}.json", input=json.dumps(t), check=True)
            hostvars[h] = {"nslab_topology": f"/tmp/topology-{h}.json"}
    fleet.ctl.run("mkdir -p /tmp/ctl-home && cat > /tmp/inventory.ini", input=fleet.inventory(hostvars=hostvars),
                  check=True)
    return ["-e", f"nslab_partition={str(PARTITION).lower()}"]


def labs_on(fleet):
    """Which hosts run lab LAB now (through ssh from ctl)."""
    out = {}
    for h in fleet.hosts:
        r = fleet.ssh(h, f"{fleet.lab_path} status {LAB} --json")
        out[h] = r.exit_code == 0 and json.loads(r.stdout)["status"] == "up"
    return out


def test_playbook_syntax_and_tags():
    r = subprocess.run(["ansible-playbook", "-i", "localhost,", "--syntax-check", str(PLAYBOOK)],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
    tags = subprocess.run(["ansible-playbook", "-i", "localhost,", "--list-tasks", str(PLAYBOOK)],
                          capture_output=True, text=True)
    assert tags.returncode == 0, tags.stderr
    # By default the up play runs and the down play does not; --tags down selects only lab down.
    def task_names(out):
        return [l.split("\t")[0].strip() for l in out.splitlines() if "TAGS:" in l and not l.strip().startswith("play #")]

    up_tasks = task_names(tags.stdout)
    assert "lab up" in up_tasks and "lab down" not in up_tasks, tags.stdout
    assert any(t.startswith("Roll back") for t in up_tasks), tags.stdout
    down = subprocess.run(["ansible-playbook", "-i", "localhost,", "--list-tasks", "--tags", "down", str(PLAYBOOK)],
                          capture_output=True, text=True)
    assert task_names(down.stdout) == ["lab down"], down.stdout


@pytest.fixture(scope="module")
def fleet():
    with fleetmod.clean_fleet(3) as f:
        yield f


def task_output(out, task):
    """The lines ansible-playbook printed for the task whose name starts with `task`."""
    lines, inside = [], False
    for line in out.splitlines():
        if line.startswith("TASK ["):
            inside = line.startswith(f"TASK [{task}")
        elif inside:
            lines.append(line)
    return "\n".join(lines)


def test_playbook_brings_the_lab_up_on_every_host_and_down_again(fleet):
    extra = write_inventory(fleet)
    r = playbook(fleet, *extra)
    assert r.exit_code == 0, r.stdout
    assert labs_on(fleet) == {h: True for h in fleet.hosts}
    for h in fleet.hosts:
        node = "a" if not PARTITION else f"a{h[1:]}"
        out = fleet.ssh(h, f"{fleet.lab_path} exec {LAB} {node} -- hostname").stdout.strip()
        assert out == f"{h}-a"
    if PARTITION:  # the link between the parts on h1 and h2 carries traffic
        r1 = fleet.ssh("h1", f"{fleet.lab_path} exec {LAB} a1 -- ping -c 2 -W 2 10.7.0.2")
        assert r1.exit_code == 0, r1.stdout + r1.stderr
    assert "skipping" in task_output(r.stdout, "Roll back")
    r = playbook(fleet, "--tags", "down", *extra)
    assert r.exit_code == 0, r.stdout
    assert all(f"changed: [{h}]" in task_output(r.stdout, "lab down") for h in fleet.hosts), r.stdout
    assert labs_on(fleet) == {h: False for h in fleet.hosts}


def test_a_host_that_fails_takes_the_lab_down_on_every_host(fleet):
    extra = write_inventory(fleet, broken={"h2"})
    r = playbook(fleet, *extra)
    assert r.exit_code != 0, r.stdout
    assert "did not come up on h2 " in r.stdout and "was taken down on every host" in r.stdout, r.stdout
    assert "nosuchnode" in r.stdout  # lab up's own words about h2's topology
    # h1 and h3 had their lab up, and the rollback took it down there; h2 had none, which
    # `lab down` there says without failing the rollback.
    assert "changed: [h1]" in task_output(r.stdout, "lab up") and "changed: [h3]" in task_output(r.stdout, "lab up")
    rollback = task_output(r.stdout, "Roll back")
    assert "changed: [h1]" in rollback and "changed: [h3]" in rollback and "ok: [h2]" in rollback, rollback
    assert labs_on(fleet) == {h: False for h in fleet.hosts}


def test_kubernetes_daemonset_offline():
    docs = [d for d in yaml.safe_load_all(MANIFEST.read_text()) if d is not None]
    for d in docs:
        assert {"apiVersion", "kind", "metadata"} <= set(d), d
        assert d["metadata"].get("name"), d
    kinds = {d["kind"]: d for d in docs}
    ds = kinds["DaemonSet"]
    assert ds["apiVersion"] == "apps/v1"
    ns = ds["metadata"]["namespace"]
    assert all(d["metadata"].get("namespace", ns) == ns for d in docs if d["kind"] != "Namespace")
    assert kinds["Namespace"]["metadata"]["name"] == ns
    spec = ds["spec"]
    labels = spec["template"]["metadata"]["labels"]
    assert spec["selector"]["matchLabels"] and spec["selector"]["matchLabels"].items() <= labels.items()
    pod = spec["template"]["spec"]
    assert pod["hostNetwork"] is True and pod.get("hostPID") is True
    volumes = {v["name"]: v for v in pod["volumes"]}
    assert len(volumes) == len(pod["volumes"]), "volume names are unique"
    (c,) = pod["containers"]
    assert c["securityContext"]["privileged"] is True
    mounts = {m["mountPath"]: m for m in c["volumeMounts"]}
    for m in c["volumeMounts"]:
        assert m["name"] in volumes, f"mount {m['mountPath']} names no volume"
    for path in ("/run/nslab", "/run/netns"):
        assert volumes[mounts[path]["name"]]["hostPath"]["path"] == path
        # Pins made in the container must be the host's (and a privileged container may ask).
        assert mounts[path]["mountPropagation"] == "Bidirectional"
    # The Secret with the starter's key: not in the manifest (it holds the user's key), so the
    # README and the manifest's header say how to make it, by the name the volume uses.
    secret = [v["secret"]["secretName"] for v in volumes.values() if "secret" in v]
    assert secret == ["nslab-starter-key"]
    declared = {d["metadata"]["name"] for d in docs if d["kind"] == "Secret"}
    readme = (MANIFEST.parent / "README.md").read_text()
    assert secret[0] in declared or f"secret generic {secret[0]}" in readme
    assert f"secret generic {secret[0]}" in MANIFEST.read_text()
    # The sshd config comes from the ConfigMap the manifest declares, and reads the Secret's key.
    cms = [v["configMap"]["name"] for v in volumes.values() if "configMap" in v]
    assert cms and all(n in {d["metadata"]["name"] for d in docs if d["kind"] == "ConfigMap"} for n in cms)
    sshd = kinds["ConfigMap"]["data"]["sshd_config"]
    key_dir = next(p for p, m in mounts.items() if m["name"] == next(n for n, v in volumes.items() if "secret" in v))
    assert f"AuthorizedKeysFile {key_dir}/authorized_keys" in sshd
    port = int(next(l.split()[1] for l in sshd.splitlines() if l.startswith("Port ")))
    assert any(p["containerPort"] == port for p in c["ports"])
    assert c["image"] == "IMAGE_PLACEHOLDER" and "IMAGE_PLACEHOLDER" in readme
