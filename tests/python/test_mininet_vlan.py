"""Mininet's vlanhost example under nslab-mn: hosts that tag their traffic themselves (`vconfig
add h1-eth0 100`) on one switch. Needs the kernel's 8021q, which this CI machine's kernel lacks,
so it runs in the VM (ci/vm/suite.txt); elsewhere it is skipped after checking that nslab refuses
a vlan interface as it should (failed where every kind is expected)."""
import re
import shutil

import pytest

from kinds import up_or_refused
from mininet_run import EXAMPLES, dropped, example
from nslab_testing import skip_or_fail


@pytest.fixture(autouse=True)
def kernel_makes_vlans(lab):
    """A vlan interface in an nslab lab first: where the kernel has no 8021q, that is refused
    (checked) and the test skipped, rather than vconfig failing inside the example."""
    if not shutil.which("vconfig") or not EXAMPLES.is_dir():
        skip_or_fail("needs Debian's vlan and mininet packages (ci/deps.sh installs them)")
    up_or_refused(lab, {"name": "vlanprobe", "nodes": {"h": {"interfaces": {"v7": {"kind": "vlan", "link": "eth0", "id": 7}}},
                        "g": {}}, "links": [{"endpoints": ["h:eth0", "g:eth0"]}]}, ["vlan"])
    lab.down()


def test_vlan_star_topology_only_same_tag_hosts_reach_each_other():
    # As Mininet's test_vlanhost: of 30 pings between 6 hosts (two per VLAN 100 and 101, two
    # untagged) only the 6 within a group answer, so 80% are dropped.
    code, out = example("vlanhost", stdin="pingall 1\nexit\n").finish()
    assert code == 0, out
    assert dropped(out) == [80], out
    # Each host reaches its partner of the same VLAN (or the other untagged host), no one else.
    reach = {a: set(rest.split()) - {"X"} for a, rest in re.findall(r"^(h[\w-]+) -> (.*)$", out, re.M)}
    assert reach == {"h1": {"h2"}, "h2": {"h1"}, "h1-100": {"h2-100"}, "h2-100": {"h1-100"},
                     "h1-101": {"h2-101"}, "h2-101": {"h1-101"}}, out


def test_every_host_on_one_vlan_pings_and_shows_its_tagged_interface():
    code, out = example("vlanhost", "1001", stdin="h1 ping -c 1 h2\nh1 ifconfig\nexit\n").finish()
    assert code == 0, out
    assert "1 received, 0% packet loss" in out, out
    assert "h1-eth0.1001" in out, out
