"""Packet capture (`lab capture`, `Link.capture`, `Node.capture`): frames of one interface from
a packet socket inside the node, as pcap files that tcpdump reads and as decoded packets."""
import re
import signal
import subprocess
import time

import pytest

import nslab
from clilab import LAB, lab as run_lab

TWO = {"name": "cap", "nodes": {"a": {}, "b": {}},
       "links": [{"endpoints": ["a:eth0", "b:eth0"], "ipv4": ["10.79.0.1/24", "10.79.0.2/24"]}]}


def tcpdump(path):
    """tcpdump's own reading of a pcap file: one line per frame."""
    r = subprocess.run(["tcpdump", "-n", "-r", str(path)], capture_output=True, text=True, timeout=30)
    assert r.returncode == 0, r.stderr
    return r.stdout.splitlines()


def echoes(lines, kind, src="10.79.0.1", dst="10.79.0.2"):
    return [l for l in lines if re.search(rf"IP {re.escape(src)} > {re.escape(dst)}: ICMP echo {kind}", l)]


def test_link_capture_writes_a_pcap_tcpdump_reads(lab, tmp_path):
    lab.up(TWO)
    a = lab["a"]
    path = tmp_path / "b.pcap"
    with lab.link("b:eth0").capture(path) as cap:
        assert cap.running
        assert a.run("ping -c 3 -i 0.2 -W 2 10.79.0.2", timeout=20).ok
    assert not cap.running and cap.stopped_by == "stop" and cap.path == str(path)
    lines = tcpdump(path)
    assert len(echoes(lines, "request")) == 3, lines
    assert len(echoes(lines, "reply", "10.79.0.2", "10.79.0.1")) == 3, lines
    # The same frames, decoded: requests come in at b, replies go out.
    requests = cap.matching("IPv4 10.79.0.1 > 10.79.0.2 ICMP echo request")
    replies = cap.matching("IPv4 10.79.0.2 > 10.79.0.1 ICMP echo reply")
    assert [p.direction for p in requests] == ["in"] * 3
    assert [p.direction for p in replies] == ["out"] * 3
    assert all(p.length == 98 and len(p.data) == 98 for p in requests + replies)
    assert all(abs(p.time - time.time()) < 60 for p in cap.packets)
    assert len(cap) == len(lines)  # every frame kept is in the file, and the other way round


def test_node_capture_stops_at_count_or_timeout(lab):
    lab.up(TWO)
    a, b = lab["a"], lab["b"]
    assert a.ping("10.79.0.2")  # ARP resolved before the capture
    cap = b.capture("eth0", count=2, timeout=30)
    p = a.spawn("ping -c 5 -i 0.2 10.79.0.2")
    cap.wait()
    p.wait(timeout=10)
    assert cap.stopped_by == "count" and len(cap.packets) == 2
    t0 = time.monotonic()
    quiet = lab.node("b").capture("lo", timeout=0.5).wait()
    assert quiet.stopped_by == "timeout" and 0.4 < time.monotonic() - t0 < 10
    with pytest.raises(nslab.LabError, match=r"no interface \"eth9\" \(it has lo, eth0\)"):
        b.capture("eth9")
    with pytest.raises(nslab.LabError, match="neither count nor timeout"):
        with b.capture("eth0") as forever:
            forever.wait()


def test_capture_survives_link_down_and_up(lab):
    lab.up(TWO)
    link = lab.link("b:eth0")
    with link.capture() as cap:
        link.down()  # the kernel tells the socket "network is down" once
        link.up()
        assert lab.wait_until(lambda: lab["a"].ping("10.79.0.2", timeout=1.0), timeout=20)
    assert cap.stopped_by == "stop"
    assert cap.matching("IPv4 10.79.0.1 > 10.79.0.2 ICMP echo request")


def test_lab_down_stops_a_running_capture(lab):
    lab.up(TWO)
    cap = lab.link("a:eth0").capture()
    lab.down()
    assert not cap.running and cap.stopped_by == "stop"


def wait_ready(proc):
    """The CLI says "capturing on" once its socket is bound; read up to that line."""
    line = proc.stderr.readline()
    assert line.startswith("capturing on "), line + proc.stderr.read()


def test_cli_capture_to_file_with_count(lab, tmp_path):
    lab.up(TWO)
    lab["a"].ping("10.79.0.2")
    path = tmp_path / "cli.pcap"
    proc = subprocess.Popen([LAB, "capture", lab.name, "a:eth0", "-w", str(path), "--count", "4", "--timeout", "60"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    wait_ready(proc)
    assert lab["a"].run("ping -c 4 -i 0.2 -W 2 10.79.0.2", timeout=20).ok
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert out == "" and "4 packets captured" in err
    lines = tcpdump(path)
    assert len(lines) == 4 and echoes(lines, "request"), lines


def test_cli_capture_lines_until_ctrl_c(lab, tmp_path):
    lab.up(TWO)
    proc = subprocess.Popen([LAB, "capture", lab.name, "b:eth0"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    wait_ready(proc)
    assert lab["a"].run("ping -c 2 -i 0.2 -W 2 10.79.0.2", timeout=20).ok
    time.sleep(0.2)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    lines = out.splitlines()
    req = [l for l in lines if "IPv4 10.79.0.1 > 10.79.0.2 ICMP echo request" in l]
    assert len(req) == 2 and all(re.match(r"\d\d:\d\d:\d\d\.\d{6} in +98 ", l) for l in req), out
    assert any("ARP who-has 10.79.0.2 tell 10.79.0.1" in l for l in lines), out
    assert f"{len(lines)} packets captured" in err

    # SIGINT ends a capture to a file too, and leaves it complete.
    path = tmp_path / "int.pcap"
    proc = subprocess.Popen([LAB, "capture", lab.name, "b:eth0", "-w", str(path)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    wait_ready(proc)
    assert lab["a"].run("ping -c 2 -i 0.2 -W 2 10.79.0.2", timeout=20).ok
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert len(echoes(tcpdump(path), "request")) == 2


def test_cli_capture_errors(lab):
    lab.up(TWO)
    r = run_lab("capture", lab.name, "a:eth7", "--count", "1")
    assert r.returncode == 1 and 'no interface "eth7"' in r.stderr
    r = run_lab("capture", lab.name, "a:eth0", "--count", "x")
    assert r.returncode == 2 and "--count" in r.stderr
    r = run_lab("capture", lab.name, "zz:eth0", "--timeout", "1")
    assert r.returncode == 1 and 'no node "zz"' in r.stderr


def test_cli_capture_ends_when_the_lab_goes_down(lab):
    lab.up(TWO)
    proc = subprocess.Popen([LAB, "capture", lab.name, "a:eth0"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    wait_ready(proc)
    lab.down()  # the capture's socket would keep the node's namespace alive: it must let go
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 0 and "the node is gone" in err, err


def test_capture_without_keep_holds_no_frames(lab, tmp_path):
    """keep=False: frames go to the file only; neither Python nor the C++ side collects them,
    so a long capture does not grow (issue 14, item 13)."""
    lab.up(TWO)
    a = lab["a"]
    assert a.ping("10.79.0.2")
    path = tmp_path / "b.pcap"
    cap = lab.link("b:eth0").capture(path, count=4, timeout=30, keep=False)
    assert a.run("ping -c 3 -i 0.2 -W 2 10.79.0.2", timeout=20).ok
    cap.wait()
    assert cap.stopped_by == "count" and cap.packets == []
    assert len(tcpdump(path)) == 4
    # The handle itself, as Capture drives it: no frame list comes back across the boundary.
    from nslab import _nslab
    handle = _nslab.capture_open(lab._h(), "b:eth0")
    p = a.spawn("ping -c 3 -i 0.2 10.79.0.2")
    frames, _, stopped = handle.run(str(tmp_path / "c.pcap"), 2, 30.0, -1, False)
    p.wait(timeout=10)
    assert stopped == "count" and frames == []
    assert len(tcpdump(tmp_path / "c.pcap")) == 2
