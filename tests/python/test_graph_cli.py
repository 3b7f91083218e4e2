"""`lab graph` from the command line: its formats and errors, and the HTML page opened in headless
Chromium, whose DOM (after the page's script ran) must draw every node and link. Where Chromium
is not installed that test skips with the reason."""
import os
import re
import shutil
import subprocess

import pytest

from nslab_testing import LAB, ROOT

# Headless, offline and stateless: no sync, updates, first-run UI or profile left behind.
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"]


def test_formats_and_usage(tmp_path):
    path = ROOT / "topologies" / "triangle.json"
    for fmt, marker in [("dot", 'graph "triangle" {'), ("mermaid", "graph LR"), ("html", "<!DOCTYPE html>")]:
        r = subprocess.run([LAB, "graph", str(path), "--format", fmt], capture_output=True, text=True)
        assert r.returncode == 0 and marker in r.stdout, (fmt, r.stderr)
    if shutil.which("dot"):
        out = tmp_path / "t.svg"
        r = subprocess.run([LAB, "graph", str(path), "--format", "svg", "-o", str(out)], capture_output=True, text=True)
        assert r.returncode == 0, r.stderr
        assert "<svg" in out.read_text()
    r = subprocess.run([LAB, "graph", str(path), "--format", "png"], capture_output=True, text=True)
    assert r.returncode == 2 and "dot, mermaid, svg, html" in r.stderr


def test_svg_without_dot_is_explained(tmp_path):
    r = subprocess.run([LAB, "graph", str(ROOT / "topologies" / "line.json"), "--format", "svg"],
                       capture_output=True, text=True, env=dict(os.environ, PATH=str(tmp_path)))
    assert r.returncode == 1 and "apt-get install graphviz" in r.stderr


# Every kind of node, an impaired link and a down one. One browser start (seconds on a busy
# machine) covers what the page draws; the SVG of every example is checked in test_graph.cpp.
TOPOLOGY = """{"name": "web", "nodes": {"r1": {"kind": "router", "loopback": ["10.0.0.1/32"]},
  "sw-core": {"kind": "switch"}, "h1": {}, "h2": {}},
  "links": [{"endpoints": ["r1:eth0", "sw-core"], "ipv4": ["192.168.0.1/24", null]},
            {"endpoints": ["h1:eth0", "sw-core"], "ipv4": ["192.168.0.2/24", null]},
            {"endpoints": ["h2:eth0", "r1:eth1"], "ipv4": ["10.1.0.2/30", "10.1.0.1/30"],
             "netem": {"delay": "20ms", "loss": "1%"}},
            {"endpoints": ["h2:eth9", "h1:eth9"], "up": false}]}"""


def test_html_in_headless_chromium(tmp_path):
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if not chromium:
        pytest.skip("chromium is not installed (Debian package chromium; ci/deps.sh installs it)")
    topology, page = tmp_path / "web.json", tmp_path / "web.html"
    topology.write_text(TOPOLOGY)
    subprocess.run([LAB, "graph", str(topology), "--format", "html", "-o", str(page)], check=True, capture_output=True)
    cmd = [chromium, *CHROMIUM_FLAGS, f"--user-data-dir={tmp_path}/profile", "--dump-dom", page.as_uri()]
    dom = subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=True).stdout
    # Drawn by the page's script: a group per node holding its name, one per link.
    for name, shape in [("r1", "polygon"), ("sw-core", "rect"), ("h1", "ellipse"), ("h2", "ellipse")]:
        assert re.search(rf'<g id="node-{name}" class="node"><{shape} .*?<text[^>]*>{name}</text>', dom), name
    assert len(re.findall(r'<g id="link-\d+" class="link">', dom)) == 4
    assert re.search(r'<line [^>]*class="netem"', dom) and ">delay 20ms loss 1%</text>" in dom
    assert re.search(r'<line [^>]*class="down"', dom)
    assert ">192.168.0.1/24</text>" in dom and ">p1</text>" in dom
    assert '<h1 id="title">lab web</h1>' in dom


def test_graph_of_a_running_lab(lab):
    """A lab name instead of a file: node PIDs and the kernel's interface state are drawn."""
    lab.up({"name": "g", "nodes": {"a": {}, "b": {"kind": "router"}},
            "links": [{"endpoints": ["a:eth0", "b:eth0"], "ipv4": ["10.9.0.1/24", "10.9.0.2/24"]}]})
    lab.link("a:eth0").down()
    dot = subprocess.run([LAB, "graph", lab.name], capture_output=True, text=True)
    assert dot.returncode == 0, dot.stderr
    assert f'label="lab {lab.name} (running)"' in dot.stdout
    assert re.search(r'"a" \[id="node-a", label="a\\nhost pid \d+"', dot.stdout), dot.stdout
    assert 'taillabel="eth0 (down)\\n10.9.0.1/24"' in dot.stdout, dot.stdout
    html = subprocess.run([LAB, "graph", lab.name, "--format", "html"], capture_output=True, text=True).stdout
    assert '"live":true' in html and '"state":"down"' in html
