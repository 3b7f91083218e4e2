// `lab graph --format html`: one file that works offline (a lab machine often has no network,
// and a report attached to a CI run must not fetch anything). The graph travels as JSON; a
// small inline script lays it out (force-directed, deterministic start) and draws SVG, and
// lists every node's interfaces with their state when the lab is running.
#include <nlohmann/json.hpp>

#include "view/graph.hpp"

namespace nslab::view {

namespace {

const char* kHead = R"HTML(<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'">
<title>)HTML";

const char* kBody = R"HTML(</title>
<style>
body { font: 14px Helvetica, Arial, sans-serif; margin: 1em; color: #222; }
svg { border: 1px solid #ccc; background: #fff; }
.host { fill: #c7e9c0; } .router { fill: #9ecae1; } .switch { fill: #fdd0a2; } .stopped { fill: #d9d9d9; }
.node text { font-weight: bold; } text { font-size: 11px; }
line { stroke: #555; stroke-width: 2; } line.netem { stroke: red; stroke-dasharray: 6 4; } line.down { stroke-dasharray: 2 4; }
line.tunnel { stroke: blue; stroke-dasharray: 8 4; stroke-width: 1.5; } .tunnellabel { fill: blue; font-size: 10px; }
.end { fill: #333; font-size: 10px; } .netemlabel { fill: red; font-size: 10px; }
table { border-collapse: collapse; margin-top: 1em; } td, th { border: 1px solid #ccc; padding: 2px 8px; text-align: left; }
</style></head>
<body><h1 id="title"></h1><p id="legend">host: green ellipse, router: blue octagon, switch: orange box; red dashed: impaired (netem); dotted: down; blue dashed: tunnel (vxlan, gre, ipip, wireguard, ...)</p>
<svg id="graph" width="960" height="640" viewBox="0 0 960 640"></svg>
<table id="ends"><thead><tr><th>link</th><th>end</th><th>interface</th><th>state</th><th>addresses</th><th>netem</th></tr></thead><tbody></tbody></table>
<script id="data" type="application/json">)HTML";

const char* kScript = R"HTML(</script>
<script>
"use strict";
const g = JSON.parse(document.getElementById("data").textContent);
const W = 960, H = 640, NS = "http://www.w3.org/2000/svg";
document.getElementById("title").textContent = "lab " + g.lab + (g.live ? " (running)" : "");
const idx = new Map(g.nodes.map((n, i) => [n.name, i]));
// Start on a circle (deterministic), then relax: springs along links, repulsion between nodes.
const pos = g.nodes.map((n, i) => {
  const a = 2 * Math.PI * i / Math.max(1, g.nodes.length);
  return { x: W / 2 + 250 * Math.cos(a), y: H / 2 + 220 * Math.sin(a) };
});
for (let it = 0; it < 300; it++) {
  const f = pos.map(() => ({ x: 0, y: 0 }));
  for (let i = 0; i < pos.length; i++) for (let j = i + 1; j < pos.length; j++) {
    const dx = pos[i].x - pos[j].x, dy = pos[i].y - pos[j].y, d2 = Math.max(dx * dx + dy * dy, 1);
    const k = 40000 / d2, d = Math.sqrt(d2);
    f[i].x += k * dx / d; f[i].y += k * dy / d; f[j].x -= k * dx / d; f[j].y -= k * dy / d;
  }
  for (const l of g.links) {
    const a = idx.get(l.ends[0].node), b = idx.get(l.ends[1].node);
    const dx = pos[b].x - pos[a].x, dy = pos[b].y - pos[a].y, d = Math.max(Math.hypot(dx, dy), 1);
    const k = 0.05 * (d - 180);
    f[a].x += k * dx / d; f[a].y += k * dy / d; f[b].x -= k * dx / d; f[b].y -= k * dy / d;
  }
  pos.forEach((p, i) => {
    p.x = Math.min(W - 70, Math.max(70, p.x + Math.max(-20, Math.min(20, f[i].x))));
    p.y = Math.min(H - 50, Math.max(50, p.y + Math.max(-20, Math.min(20, f[i].y))));
  });
}
const svg = document.getElementById("graph");
function el(tag, attrs, parent, text) {
  const e = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  parent.appendChild(e);
  return e;
}
g.links.forEach((l, i) => {
  const a = pos[idx.get(l.ends[0].node)], b = pos[idx.get(l.ends[1].node)];
  const grp = el("g", { id: "link-" + i, class: "link" }, svg);
  el("title", {}, grp, l.name);
  el("line", { x1: a.x, y1: a.y, x2: b.x, y2: b.y, class: l.netem ? "netem" : (l.up ? "" : "down") }, grp);
  l.ends.forEach((e, k) => {
    const p = k ? b : a, o = k ? a : b;
    const x = p.x + (o.x - p.x) * 0.28, y = p.y + (o.y - p.y) * 0.28;
    el("text", { x: x, y: y - 4, class: "end", "text-anchor": "middle" }, grp,
       e.iface + (e.state && e.state !== "up" ? " (" + e.state + ")" : ""));
    e.addrs.forEach((ad, j) => el("text", { x: x, y: y + 8 + 11 * j, class: "end", "text-anchor": "middle" }, grp, ad));
  });
  if (l.netem) el("text", { x: (a.x + b.x) / 2, y: (a.y + b.y) / 2 - 6, class: "netemlabel", "text-anchor": "middle" }, grp, l.netem);
});
g.tunnels.forEach((t, i) => {
  const a = pos[idx.get(t.from)], b = pos[idx.get(t.to)];
  const grp = el("g", { id: "tunnel-" + i, class: "tunnel" }, svg);
  el("title", {}, grp, t.from + ":" + t.from_iface + " " + t.label + " to " + t.to);
  el("line", { x1: a.x, y1: a.y, x2: b.x, y2: b.y, class: "tunnel" }, grp);
  el("text", { x: (a.x + b.x) / 2, y: (a.y + b.y) / 2 + 12, class: "tunnellabel", "text-anchor": "middle" }, grp, t.label);
});
g.nodes.forEach((n, i) => {
  const p = pos[i], grp = el("g", { id: "node-" + n.name, class: "node" }, svg);
  const cls = n.state === "stopped" ? "stopped" : n.kind;
  if (n.kind === "router") {
    const r = 34, pts = [];
    for (let k = 0; k < 8; k++) { const a = Math.PI / 8 + k * Math.PI / 4; pts.push((p.x + r * Math.cos(a)) + "," + (p.y + r * Math.sin(a))); }
    el("polygon", { points: pts.join(" "), class: cls, stroke: "#333" }, grp);
  } else if (n.kind === "switch") {
    el("rect", { x: p.x - 36, y: p.y - 22, width: 72, height: 44, class: cls, stroke: "#333" }, grp);
  } else {
    el("ellipse", { cx: p.x, cy: p.y, rx: 38, ry: 24, class: cls, stroke: "#333" }, grp);
  }
  el("text", { x: p.x, y: p.y - 2, "text-anchor": "middle" }, grp, n.name);
  el("text", { x: p.x, y: p.y + 11, "text-anchor": "middle" }, grp, n.kind + (n.state ? " " + n.state : ""));
  el("title", {}, grp, [n.name + " (" + n.kind + (n.pid ? ", pid " + n.pid : "") + ")"].concat(n.loopback, n.interfaces).join("\n"));
});
const tbody = document.querySelector("#ends tbody");
g.links.forEach((l, i) => l.ends.forEach((e, k) => {
  const tr = document.createElement("tr");
  [k ? "" : "link " + i, e.node, e.iface, e.state || (l.up ? "" : "down"), e.addrs.join(" "), k ? "" : l.netem]
    .forEach(t => { const td = document.createElement("td"); td.textContent = t; tr.appendChild(td); });
  tbody.appendChild(tr);
}));
</script></body></html>
)HTML";

std::string html_text(const std::string& s) {
    std::string out;
    for (char c : s) {
        if (c == '<') out += "&lt;";
        else if (c == '>') out += "&gt;";
        else if (c == '&') out += "&amp;";
        else out += c;
    }
    return out;
}

}  // namespace

std::string to_html(const Graph& g) {
    nlohmann::json data = {{"lab", g.lab}, {"live", g.live}, {"nodes", nlohmann::json::array()},
                           {"links", nlohmann::json::array()}, {"tunnels", nlohmann::json::array()}};
    for (const auto& n : g.nodes)
        data["nodes"].push_back(
            {{"name", n.name}, {"kind", n.kind}, {"loopback", n.loopback}, {"state", n.state}, {"pid", n.pid}, {"interfaces", n.interfaces}});
    for (const auto& l : g.links) {
        nlohmann::json ends = nlohmann::json::array();
        for (const auto& e : l.ends)
            ends.push_back({{"node", e.node}, {"iface", e.iface}, {"addrs", e.addrs}, {"state", e.state}});
        data["links"].push_back(
            {{"name", l.name()}, {"ends", ends}, {"netem", l.netem}, {"up", l.up}, {"mtu", l.mtu}});
    }
    for (const auto& t : g.tunnels)
        data["tunnels"].push_back({{"from", t.from}, {"from_iface", t.from_iface}, {"to", t.to}, {"label", t.label}});
    // "</" inside the JSON would end the <script> element early: "<\/" means the same in JSON.
    std::string json = data.dump(), safe;
    for (std::size_t i = 0; i < json.size(); ++i) {
        safe += json[i];
        if (json[i] == '<' && i + 1 < json.size() && json[i + 1] == '/') safe += '\\';
    }
    return kHead + html_text("lab " + g.lab) + kBody + safe + kScript;
}

}  // namespace nslab::view
