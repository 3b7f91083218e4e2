"""Mininet scripts on nslab: Debian's Mininet examples run unchanged under `nslab-mn`, their
output checked as Mininet's own examples/test/ tests check it; `mn` options; the features
nslab-mn refuses, by name. Every run must leave nothing of its labs on the host."""
import os
import re
import subprocess

import pytest

from isolation import cpu_limited_labs
from mininet_run import EXAMPLES, NSLAB_MN, dropped, example, nslab_mn
from nslab_testing import skip_or_fail


@pytest.fixture(autouse=True)
def _needs_the_examples():
    if not EXAMPLES.is_dir():
        skip_or_fail("needs Debian's mininet package (its examples; ci/deps.sh installs it)")


def test_emptynet_cli_pingall_and_commands():
    code, out = example("emptynet", stdin="pingall\nh1 ping -c1 h2\npy h1.IP()\nnodes\nlinks\niperf\nexit\n").finish()
    assert code == 0, out
    assert dropped(out) == [0], out
    assert re.search(r"Results: \['[\d.]+ .bits/sec', '[\d.]+ .bits/sec'\]", out), out  # Mininet's test_emptynet
    assert "h1 -> h2" in out and "h2 -> h1" in out
    assert "1 packets transmitted, 1 received" in out  # `h2` became 10.0.0.2
    assert "\n10.0.0.1\n" in out.replace("mininet> ", "\n")
    assert "available nodes are: \nc0 h1 h2 s3" in out
    assert "h1-eth0<->s3-eth1 (OK OK)" in out
    assert out.count("controllers are not run") == 1


def test_linuxrouter_pingall_through_r0():
    code, out = example("linuxrouter", stdin="pingall\nexit\n").finish()
    assert code == 0, out
    assert "Routing Table on Router" in out and "192.168.1.0" in out
    assert "h1 -> h2 h3 r0" in out, out
    assert dropped(out) == [0], out


def test_the_examples_that_sleep_run_side_by_side():
    """multiping (10 s), popenpoll (10 s), intfoptions (two iperfs) and limit (two iperfs, two
    5 s CPU tests) at once: each has its own lab, named after its own process."""
    with cpu_limited_labs():  # limit's CPULimitedHost
        runs = {name: example(name) for name in ("multiping", "popenpoll", "intfoptions", "limit")}
        results = {name: run.finish() for name, run in runs.items()}
    for name, (code, out) in results.items():
        assert code == 0, f"{name}:\n{out}"
    check_multiping(results["multiping"][1])
    check_popenpoll(results["popenpoll"][1])
    check_intfoptions(results["intfoptions"][1])
    check_limit(results["limit"][1])


def check_multiping(out):
    # As Mininet's test_multiping: every host pings each target of its chunk, 10.0.0.200 never answers.
    pings = {name: set(targets.split())
             for name, _ip, targets in re.findall(r"Host (h\d+) \(([\d.]+)\) will be pinging ips: ([\d. ]+)", out)}
    assert len(pings) == 20, out
    for name, _ip, target, received in re.findall(r"(h\d+): ([\d.]+) -> ([\d.]+) \d packets transmitted, (\d) received", out):
        assert int(received) == (0 if target == "10.0.0.200" else 1), f"{name} -> {target}\n{out}"
        pings[name].discard(target)
    assert all(not left for left in pings.values()), pings


def check_popenpoll(out):
    for h in ("h1", "h2", "h3"):
        assert re.search(rf"<{h}>: 64 bytes from 10\.0\.0\.1", out), out
    assert "Monitoring output for 10 seconds" in out


def check_intfoptions(out):
    # Mininet's test_intfoptions with its 25 % tolerance. One difference, by design: nslab
    # impairs a link in both directions, so intf1.config(delay='15ms') gives a 30 ms round trip
    # (Mininet's single interface gives 15 ms); docs/mininet.md says so.
    tcp = re.search(r"Results: \['([\d.]+) Mbits/sec", out)
    assert tcp and 7.5 <= float(tcp.group(1)) <= 12.5, out
    udp = re.search(r"Results: \['10M', '([\d.]+) Mbits/sec", out)
    assert udp and 50 * 0.75 <= float(udp.group(1)) / 10 * 100 <= 50 * 1.25, out
    rtts = [float(x) for x in re.findall(r"h\d->h\d: 1/1, rtt min/avg/max/mdev [\d.]+/([\d.]+)/", out)]
    assert len(rtts) == 2 and all(30 * 0.75 <= r <= 30 * 1.25 for r in rtts), out


def check_limit(out):
    # As Mininet's test_limit: bw=10 iperf results and the CPU shares of cpu=.1 hosts, both
    # around 10. A one-second sample of a CFS quota is noisy, so each test's mean is checked;
    # on a busy machine the share may fall short of the limit, never above it.
    bws = [float(x) for x in re.findall(r"Results: \['([\d.]+) Mbits/sec", out)]
    assert bws and all(7.5 <= b <= 12.5 for b in bws), out
    tests = [[float(x) for x in r.split(",")] for r in re.findall(r"Results: \[([\d., ]+)\]", out)]
    means = [sum(t) / len(t) for t in tests]
    assert means and all(5 <= m <= 12.5 for m in means), out


def test_popen_pmonitor():
    code, out = example("popen").finish()
    assert code == 0, out
    for h in ("h1", "h2", "h3", "h4", "h5"):
        assert re.search(rf"<{h}>: 5 packets transmitted, 5 received", out), out


def test_multilink_gives_each_link_its_own_interfaces():
    code, out = example("multilink", stdin="intfs\npingall\nexit\n").finish()
    assert code == 0, out
    assert "h1: h1-eth0,h1-eth1" in out and "h2: h2-eth0,h2-eth1" in out, out
    assert "s1: s1-eth1,s1-eth2,s1-eth3,s1-eth4" in out, out
    assert dropped(out) == [0], out


def test_numberedports_through_the_ofport_shim():
    """numberedports.py asks `ovs-vsctl get Interface s1-ethN ofport`: the nslab-mn shim answers
    with the port number the interface was given (port2=9 makes s1-eth9)."""
    code, out = example("numberedports").finish()
    assert code == 0, out
    ports = re.findall(r"(s1-eth(\d+)) :  (\d+)", out)
    assert [p[1] for p in ports] == ["1", "2", "3", "4", "9"], out
    assert all(p[1] == p[2] for p in ports)
    assert out.count("Validated.") == 5 and "WARNING" not in out, out
    assert dropped(out) == [0], out


def test_simpleperf_testmode_udp_at_the_link_rate():
    with cpu_limited_labs():  # its hosts are CPULimitedHost
        code, out = example("simpleperf", "testmode").finish()
    assert code == 0, out
    assert "h1 h1-eth0:s1-eth1" in out  # dumpNodeConnections
    m = re.search(r"Results: \['10M', '([\d.]+) Mbits/sec", out)
    assert m and 10 * 0.8 <= float(m.group(1)) <= 10 * 1.2, out  # Mininet's test: 20 %


def test_treeping64_both_switch_classes_are_bridges():
    code, out = example("treeping64", timeout=240).finish()
    assert code == 0, out
    assert "reference user: 0% packet loss" in out, out
    assert "Open vSwitch kernel: 0% packet loss" in out, out
    assert dropped(out) == [0, 0]


def test_scratchnet_is_refused_by_name():
    """scratchnet.py puts nodes in the host's namespace and runs Open vSwitch there: refused,
    before anything is built."""
    code, out = example("scratchnet").finish()
    assert code == 2, out
    assert "inNamespace=False" in out and "not supported by nslab-mn" in out, out
    assert "Traceback" not in out


@pytest.mark.parametrize("topo, pairs", [("linear,4", 12), ("tree,depth=2,fanout=3", 72)])
def test_mn_topo_pingall(topo, pairs):
    code, out = nslab_mn("--topo", topo, "--test", "pingall")
    assert code == 0, out
    assert f"*** Results: 0% dropped ({pairs}/{pairs} received)" in out, out
    assert "completed in" in out


def test_mn_link_tc_and_mac_and_the_cli():
    """--link tc impairs every link; --mac gives 00:00:00:00:00:0N; the CLI takes `link` down
    and up, and refuses xterm and dpctl by name without ending."""
    cmds = ("py h1.MAC()\nh1 ping -c2 -q h2\nlink s1 h1 down\npingall\nlink s1 h1 up\npingall\n"
            "xterm h1\ndpctl dump-flows\nnodes\n")
    code, out = nslab_mn("--topo", "single,2", "--link", "tc,delay=5ms", "--mac", "--controller", "none",
                         stdin=cmds)
    assert code == 0, out
    assert "00:00:00:00:00:01" in out
    rtt = re.search(r"rtt min/avg/max/mdev = ([\d.]+)/", out)  # the first echo waits for ARP too
    assert rtt and 18 <= float(rtt.group(1)) <= 30, out  # 5 ms on each of 2 links, each way
    assert dropped(out) == [100, 0], out
    assert "xterm is not supported by nslab-mn" in out and "dpctl is not supported by nslab-mn" in out
    assert "available nodes are" in out  # the CLI went on after both
    assert "controllers are not run" not in out


def test_mn_custom_topology_and_test(tmp_path):
    """--custom FILE adds its `topos` and `tests` to mn's, as Mininet's custom files do."""
    custom = tmp_path / "custom.py"
    custom.write_text("from mininet.topo import Topo\n"
                      "class Pair(Topo):\n"
                      "    def build(self, n=1):\n"
                      "        s = self.addSwitch('s9')\n"
                      "        for i in range(1, 2 * n + 1):\n"
                      "            self.addLink(self.addHost('h%d' % i), s)\n"
                      "def count(net):\n"
                      "    print('hosts:', len(net.hosts))\n"
                      "topos = {'pair': Pair}\n"
                      "tests = {'count': count}\n")
    code, out = nslab_mn("--custom", custom, "--topo", "pair,n=2", "--test", "count", "--test", "pingall")
    assert code == 0, out
    assert "hosts: 4" in out and "*** Results: 0% dropped (12/12 received)" in out, out


def test_mn_refuses_xterms_and_cleans():
    code, out = nslab_mn("-x")
    assert code == 2 and "xterms is not supported by nslab-mn" in out, out
    code, out = nslab_mn("-c")
    assert code == 0 and "Cleanup complete" in out, out


def test_python_m_and_the_alias_beats_the_real_mininet(tmp_path):
    """`python3 -m nslab.mininet script.py ARGS`: the script sees its arguments and __main__,
    and `mininet` is nslab's even though Debian's Mininet is importable."""
    script = tmp_path / "which.py"
    script.write_text("import sys, mininet.net, mininet.node\n"
                      "from nslab.mininet.node import Host\n"
                      "assert mininet.node.Host is Host\n"
                      "print(__name__, sys.argv[1:], mininet.net.__name__, mininet.__file__)\n")
    env = dict(os.environ, PYTHONPATH=os.path.dirname(os.path.dirname(NSLAB_MN)) + "/python")
    r = subprocess.run(["/usr/bin/python3", "-m", "nslab.mininet", str(script), "a", "b"], capture_output=True,
                       text=True, env=env, timeout=60)
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("__main__ ['a', 'b'] nslab.mininet.net "), r.stdout
    assert "/nslab/mininet/__init__.py" in r.stdout


LIVE = '''
from mininet.net import Mininet
from mininet.topo import SingleSwitchTopo
from mininet.link import TCLink
net = Mininet(SingleSwitchTopo(2), controller=None)
net.start()
h3 = net.addHost('h3')
net.addLink(h3, net['s1'])
print("added", net.pingAll(), h3.IP(), h3.intfNames())
net.configLinkStatus('s1', 'h3', 'down')
print("down", net.pingAll())
net.configLinkStatus('s1', 'h3', 'up')
net.delHost(h3)
print("removed", net.pingAll())
h4 = net.addHost('h4')
net.addLink(h4, net['s1'], cls=TCLink, delay='10ms')
try:
    net.pingAll()
except Exception as e:
    print("refused:", e)
net.stop()
'''


def test_hosts_and_links_added_after_start_are_live_changes(tmp_path):
    """addHost/addLink/delHost after start() change the running lab (Lab.apply); a TCLink with
    a delay added live is refused by nslab with its reason where the kernel lacks sch_netem."""
    script = tmp_path / "live.py"
    script.write_text(LIVE)
    code, out = nslab_mn(script)
    assert code == 0, out
    assert "added 0.0 10.0.0.3 ['h3-eth0']" in out, out
    assert "down 66.66" in out and "removed 0.0" in out, out
    refused = re.search(r"refused: (.*)", out)
    if refused:
        assert "sch_netem" in refused.group(1), out
