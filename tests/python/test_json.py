"""`--json` on `lab up`, `lab status` and `lab exec`, and errors as JSON under --json: parsed
with a JSON parser and checked against the kernel, /proc and /run/netns. Python's
Lab.to_dict() comes from the same engine function as `lab status --json`."""
import json
import os
import subprocess

from clilab import cli_lab, lab as run_lab
from nslab_testing import ROOT

TRIANGLE = ROOT / "topologies" / "triangle.json"


def kernel_addresses(name, node):
    """{ifname: [addr/len]} inside the node, from iproute2 (not from nslab)."""
    r = subprocess.run(["ip", "netns", "exec", f"{name}.{node}", "ip", "-j", "addr"], capture_output=True,
                       text=True, timeout=20)
    assert r.returncode == 0, r.stderr
    return {i["ifname"]: [f"{a['local']}/{a['prefixlen']}" for a in i["addr_info"]] for i in json.loads(r.stdout)}


def test_up_and_status_json_match_the_kernel():
    with cli_lab("json-up") as name:
        r = run_lab("up", TRIANGLE, "--name", name, "--json")
        assert r.returncode == 0, r.stderr
        assert r.stderr == ""
        up = json.loads(r.stdout)
        assert up["name"] == name and up["status"] == "up" and up["source"] == str(TRIANGLE)
        assert up["keeper"]["alive"] and os.path.exists(f"/proc/{up['keeper']['pid']}")
        t = up["timings"]
        assert 0 < t["build_ms"] <= t["total_ms"] < 60000
        assert {"nodes", "links", "config"} <= set(t["stages_ms"])
        assert t["stages_ms"]["nodes"] <= t["stages_ms"]["links"] <= t["stages_ms"]["config"] <= t["total_ms"]
        assert [n["name"] for n in up["nodes"]] == ["r1", "r2", "r3"]
        for n in up["nodes"]:
            # The init is a live process, and the pin is its network namespace.
            with open(f"/proc/{n['pid']}/comm") as f:
                assert f.read().strip() == "nslab-init"
            assert n["netns"] == f"/run/netns/{name}.{n['name']}"
            assert os.stat(n["netns"]).st_ino == os.stat(f"/proc/{n['pid']}/ns/net").st_ino
            kernel = kernel_addresses(name, n["name"])
            assert sorted(i["name"] for i in n["interfaces"]) == sorted(kernel)
            for i in n["interfaces"]:
                assert sorted(i["addresses"]) == sorted(kernel[i["name"]]), (n["name"], i)
                assert set(i["configured"]) <= set(i["addresses"])
        r1 = {i["name"]: i for i in up["nodes"][0]["interfaces"]}
        assert r1["eth1"]["peer"] == "r2:eth1" and r1["eth1"]["configured"] == ["10.0.12.1/30"]
        assert r1["eth1"]["up"] and r1["eth1"]["carrier"] and r1["eth1"]["mtu"] == 1500
        assert r1["lo"]["configured"] == ["10.0.0.1/32"]
        assert up["links"][0] == {"endpoints": ["r1:eth1", "r2:eth1"], "impairment": {"path": "none", "netem": "none"}}

        # status: the same, read again (no stage times: it did not build the lab), and live.
        assert run_lab("link", name, "r1:eth1", "down").returncode == 0
        st = json.loads(run_lab("status", name, "--json").stdout)
        assert st["nodes"][1]["pid"] == up["nodes"][1]["pid"] and "stages_ms" not in st["timings"]
        r1 = {i["name"]: i for i in st["nodes"][0]["interfaces"]}
        assert not r1["eth1"]["up"] and "10.0.12.1/30" in r1["eth1"]["addresses"]
        listing = json.loads(run_lab("status", "--json").stdout)
        names = [l["name"] for l in listing["labs"]] if "labs" in listing else [listing["name"]]
        assert name in names


def test_exec_json():
    with cli_lab("json-exec") as name:
        assert run_lab("up", TRIANGLE, "--name", name, "-q").returncode == 0
        r = run_lab("exec", name, "r2", "--json", "--", "sh", "-c", "hostname; echo oops >&2; sleep 0.2; exit 3")
        assert r.returncode == 3 and r.stderr == ""
        j = json.loads(r.stdout)
        assert j["lab"] == name and j["node"] == "r2" and j["argv"][0] == "sh"
        assert (j["exit_code"], j["stdout"], j["stderr"], j["timed_out"]) == (3, "r2\n", "oops\n", False)
        assert 200 <= j["duration_ms"] < 30000
        # Bytes that are not UTF-8 do not break the JSON.
        r = run_lab("exec", "--json", name, "r1", "printf", r"\377ok")
        assert r.returncode == 0 and json.loads(r.stdout)["stdout"] == "\ufffdok"


def test_errors_as_json(tmp_path):
    def error(r, code):
        assert r.returncode == code, (r.stdout, r.stderr)
        assert r.stdout == ""
        return json.loads(r.stderr)["error"]

    bad = tmp_path / "bad.json"
    bad.write_text('{"name": "bad", "nodes": {"a": {}}, "links": [{"endpoints": ["a:eth0", "zz:eth0"]}]}')
    e = error(run_lab("up", bad, "--json"), 2)
    assert e["kind"] == "topology" and e["pointer"] == "/links/0/endpoints/1"
    assert any("zz" in i["message"] for i in e["issues"])

    e = error(run_lab("status", "--json", "--bogus"), 2)
    assert e["kind"] == "usage" and "--bogus" in e["message"]
    e = error(run_lab("frobnicate", "--json"), 2)
    assert e["kind"] == "usage"

    # A kernel refusal while building: the errno, its name, the kernel's words and the node.
    kern = tmp_path / "kern.json"
    kern.write_text('{"name": "kern", "nodes": {"a": {"loopback": ["127.0.0.1/8"]}}}')
    with cli_lab("json-err") as name:
        e = error(run_lab("up", kern, "--name", name, "--json"), 1)
        assert (e["kind"], e["errno"], e["errno_name"], e["node"]) == ("netlink", 17, "EEXIST", "a")
        assert e["ext_ack"] == "ipv4: Address already assigned" and "127.0.0.1/8" in e["op"]
        assert not os.path.exists(f"/run/nslab/{name}")  # rolled back

        assert run_lab("up", TRIANGLE, "--name", name, "-q").returncode == 0
        e = error(run_lab("exec", name, "r9", "--json", "--", "true"), 1)
        assert e["node"] == "r9" and e["lab"] == name and "no node" in e["message"]


def test_python_to_dict_is_the_status_json(lab):
    lab.up(TRIANGLE)
    d = lab.to_dict()
    st = json.loads(run_lab("status", lab.name, "--json").stdout)
    assert d["name"] == lab.name and d["ephemeral"] is True
    assert d["nodes"] == st["nodes"] and d["links"] == st["links"]
    assert {"nodes", "links", "config"} <= set(d["timings"]["stages_ms"])
    assert [n["pid"] for n in d["nodes"]] == [lab[n].pid for n in ("r1", "r2", "r3")]
