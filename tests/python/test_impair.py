"""Link impairments from Python: Link.set() changes the round trip time on a live link.

NSLAB_EXPECT_NETEM=1 (the kernel matrix, ci/vm-test) says the kernel has sch_netem: then the
kernel's path must be the one in use, not the userspace fallback."""
import os
import re

TOPO = {"name": "imp", "nodes": {"a": {}, "b": {}},
        "links": [{"endpoints": ["a:eth0", "b:eth0"], "ipv4": ["10.78.0.1/24", "10.78.0.2/24"],
                   "netem": {"delay": "10ms"}}]}


def rtt(lab):
    """The smallest of five round trips: the impairment sets a floor, scheduling (much of it
    under emulation, in the kernel matrix's VM) only adds to it."""
    lab["a"].run("ping -c 1 -W 2 10.78.0.2")  # warm-up: ARP
    out = lab["a"].run("ping -q -n -c 5 -i 0.05 -W 2 10.78.0.2").stdout
    return float(re.search(r"= ([\d.]+)/", out).group(1))


def test_set_changes_rtt(lab):
    lab.up(TOPO)
    link = lab.link("a:eth0")
    assert 17 < rtt(lab) < 25
    link.set(delay="40ms")
    assert link.impairment[1] == "delay=40ms"
    path = link.impairment[0]
    assert path in ("netem", "userspace")
    if os.environ.get("NSLAB_EXPECT_NETEM") == "1":
        assert path == "netem", "this kernel has sch_netem, yet the link is impaired in userspace"
    assert 72 < rtt(lab) < 90



def test_a_link_added_to_a_running_lab_with_netem(lab):
    """A live link with `netem`: on a kernel with sch_netem (the VM of the kernel matrix) it is
    impaired at once and `apply` changes it; without it (this build's userspace path serves only
    links made at `lab up`) the change is refused by reason and leaves the lab as it was."""
    import pytest
    import nslab
    lab.up(TOPO)
    lab.add_node("c")
    spec = {"ipv4": ["10.77.0.1/24", "10.77.0.3/24"], "netem": {"delay": "10ms"}}
    if lab.link("a:eth0").impairment[0] == "userspace":
        assert os.environ.get("NSLAB_EXPECT_NETEM") != "1"
        with pytest.raises(nslab.NslabError, match="sch_netem"):
            lab.add_link("a:eth1", "c:eth0", **spec)
        assert len(lab.links) == 1 and "eth1" not in {i.name for i in lab["a"].interfaces()}
        return
    link = lab.add_link("a:eth1", "c:eth0", **spec)
    assert link.impairment == ("netem", "delay=10ms")
    lab["a"].run("ping -c 1 -W 2 10.77.0.3")
    out = lab["a"].run("ping -q -n -c 5 -i 0.05 -W 2 10.77.0.3").stdout
    assert 17 < float(re.search(r"= ([\d.]+)/", out).group(1)) < 25
    t = lab.to_dict()  # the running version, changed: 40 ms on the new link
    topo = {"name": lab.name, "nodes": {"a": {}, "b": {}, "c": {}},
            "links": [TOPO["links"][0], {"endpoints": ["a:eth1", "c:eth0"], **dict(spec, netem={"delay": "40ms"})}]}
    assert lab.apply(topo).lines == ["~ netem a:eth1 <-> c:eth0: delay=10ms -> delay=40ms"], t
    assert lab.link("c:eth0").impairment == ("netem", "delay=40ms")


def test_rate_can_be_changed_again(lab):
    """A link without a netem key at `lab up` takes a rate (tbf where the kernel lacks
    sch_netem) and then another rate: each `lab link ... set` (a process of its own, which
    probes netem afresh) replaced the rate before it instead of failing on it."""
    from isolation import lab_cli
    lab.up({"name": "imp2", "nodes": {"a": {}, "b": {}},
            "links": [{"endpoints": ["a:eth0", "b:eth0"], "ipv4": ["10.79.0.1/24", "10.79.0.2/24"]}]})
    for rate in ("1mbit", "2mbit", "3mbit"):
        r = lab_cli("link", lab.name, "a:eth0", "set", f"rate={rate}")
        assert r.returncode == 0, r.stderr
        assert lab.link("a:eth0").impairment[1] == f"rate={rate}", lab.link("a:eth0").impairment
    qdisc = lab["a"].run("tc qdisc show dev eth0").stdout
    assert "3Mbit" in qdisc or "3000Kbit" in qdisc, qdisc
    r = lab_cli("link", lab.name, "a:eth0", "set", "none")
    assert r.returncode == 0, r.stderr
    assert lab.link("a:eth0").impairment[0] == "none", lab.link("a:eth0").impairment
