"""A failure while a lab is built keeps its cause across the init, keeper and client processes:
Python's exception and `lab up --json` name the node, the topology object (JSON pointer) and
the step, with the kernel's errno and words, from fields rather than from the message text;
and nothing of the lab is left."""
import errno
import json
import os

import pytest

import nslab
from clilab import cli_lab, lab as run_lab
from nslab.pytest_plugin import unique_name


def refused_route(name):
    """Valid (`lab validate` accepts it: the gateway is in b's subnet), but the kernel refuses
    the route: 10.0.0.3 is the /30's broadcast address, not a unicast nexthop (EINVAL, "Nexthop
    has invalid gateway"). Should validation learn to refuse it, pick another such route."""
    return {
        "name": name,
        "nodes": {
            "a": {},
            "b": {"routes": [{"to": "10.9.0.0/24", "via": "10.0.0.3"}]},
        },
        "links": [{"endpoints": ["a:eth0", "b:eth0"], "ipv4": ["10.0.0.1/30", "10.0.0.2/30"]}],
    }


def gone(name):
    """Nothing of lab `name` is on the host, and `lab status NAME` does not know it. (Not the
    list of `lab status --json`: other tests' labs come and go while it is read.)"""
    pins = [p for p in os.listdir("/run/netns") if p.startswith(name + ".")] if os.path.isdir("/run/netns") else []
    r = run_lab("status", name, "--json")
    unknown = r.returncode == 1 and json.loads(r.stderr)["error"]["message"].startswith(f"no lab named {name} ")
    return pins == [] and not os.path.exists(f"/run/nslab/{name}") and unknown


def test_the_topology_is_valid(tmp_path):
    f = tmp_path / "t.json"
    f.write_text(json.dumps(refused_route("valid")))
    r = run_lab("validate", f)
    assert r.returncode == 0, r.stdout + r.stderr


def test_a_kernel_refusal_names_node_pointer_and_step():
    name = unique_name("cause-route")
    with pytest.raises(nslab.NetlinkError) as e:
        nslab.Lab(refused_route(name)).up()
    err = e.value
    assert err.errno == errno.EINVAL
    assert (err.node, err.pointer, err.step) == ("b", "/nodes/b/routes/0", "route b 10.9.0.0/24")
    assert err.ext_ack == "Nexthop has invalid gateway"  # the kernel's own words
    assert "10.9.0.0/24" in err.what and str(err).startswith(f"[Errno {errno.EINVAL}] node b: ")
    assert isinstance(err, nslab.KernelError) and isinstance(err, OSError)
    assert gone(name)


def test_an_address_refusal_names_the_loopback():
    name = unique_name("cause-lo")
    with pytest.raises(nslab.NetlinkError) as e:
        nslab.Lab({"name": name, "nodes": {"x": {}, "a": {"loopback": ["127.0.0.1/8"]}}}).up()
    err = e.value
    assert (err.errno, err.node, err.pointer, err.step) == (errno.EEXIST, "a", "/nodes/a/loopback", "address a:lo 127.0.0.1/8")
    assert err.ext_ack == "ipv4: Address already assigned"
    assert gone(name)


def test_an_init_failure_names_the_sysctl():
    # Written by the node's init, across the clone boundary: a value the kernel refuses.
    name = unique_name("cause-init")
    with pytest.raises(nslab.KernelError) as e:
        nslab.Lab({"name": name, "nodes": {"a": {}, "b": {"sysctls": {"net.ipv4.ip_forward": "abc"}}}}).up()
    err = e.value
    assert not isinstance(err, nslab.NetlinkError)
    assert (err.errno, err.node, err.step) == (errno.EINVAL, "b", "sysctl net.ipv4.ip_forward=abc")
    assert err.pointer == "/nodes/b/sysctls/net.ipv4.ip_forward"
    assert "node b: sysctl net.ipv4.ip_forward=abc: Invalid argument" in str(err)
    assert gone(name)


def test_old_constructors_still_work():
    assert str(nslab.LabError("no lab named x")) == "no lab named x" and nslab.LabError("x").node is None
    k = nslab.KernelError(errno.EPERM, "mount: Operation not permitted")
    assert (k.errno, k.node, k.pointer, k.step) == (errno.EPERM, None, None, None)
    n = nslab.NetlinkError(errno.EEXIST, "add address", "Address already assigned", "add address 1.2.3.4/8 to lo")
    assert (n.ext_ack, n.what, n.node, n.pointer, n.step) == ("Address already assigned", "add address 1.2.3.4/8 to lo",
                                                              None, None, None)


def test_lab_up_json_prints_the_cause(tmp_path):
    with cli_lab("cause-json") as name:
        f = tmp_path / "t.json"
        f.write_text(json.dumps(refused_route(name)))
        r = run_lab("up", f, "--json")
        assert r.returncode == 1, (r.stdout, r.stderr)
        assert r.stdout == ""
        e = json.loads(r.stderr)["error"]
        assert (e["kind"], e["errno"], e["errno_name"]) == ("netlink", errno.EINVAL, "EINVAL")
        assert (e["node"], e["pointer"], e["step"]) == ("b", "/nodes/b/routes/0", "route b 10.9.0.0/24")
        assert e["ext_ack"] == "Nexthop has invalid gateway" and "10.9.0.0/24" in e["op"]
        assert gone(name)


def test_a_failed_exec_command_names_its_node_and_step(tmp_path):
    name = unique_name("cause-exec")
    topo = {"name": name, "nodes": {"a": {}, "b": {"exec": ["true", "exit 3"]}}}
    with pytest.raises(nslab.LabError) as e:
        nslab.Lab(topo).up()
    assert (e.value.node, e.value.pointer, e.value.step) == ("b", "/nodes/b/exec/1", "exec b 1")
    assert "exec command 2 `exit 3`" in str(e.value)
    assert gone(name)
    with cli_lab("cause-exec-json") as name:
        f = tmp_path / "t.json"
        f.write_text(json.dumps({**topo, "name": name}))
        r = run_lab("up", f, "--json")
        assert r.returncode == 1, (r.stdout, r.stderr)
        e = json.loads(r.stderr)["error"]
        assert (e["kind"], e["node"], e["pointer"], e["step"]) == ("error", "b", "/nodes/b/exec/1", "exec b 1")
        assert gone(name)
