#include "view/graph.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <sstream>

#include "sys/files.hpp"
#include "util/error.hpp"

extern char** environ;

namespace nslab::view {

namespace {

std::string number(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%g", v);
    return buf;
}

// The units users write in topologies, picked so the number stays short.
std::string duration(std::uint32_t us) {
    if (us % 1000000 == 0) return std::to_string(us / 1000000) + "s";
    if (us >= 1000) return number(us / 1000.0) + "ms";
    return std::to_string(us) + "us";
}

std::string rate(std::uint64_t bps) {
    const char* units[] = {"bit", "kbit", "mbit", "gbit", "tbit"};
    double v = static_cast<double>(bps);
    int u = 0;
    while (v >= 1000 && u < 4) v /= 1000, ++u;
    return number(v) + units[u];
}

const probe::NodeLive* live_of(const std::vector<probe::NodeLive>* live, const std::string& node) {
    if (!live) return nullptr;
    for (const auto& n : *live)
        if (n.name == node) return &n;
    return nullptr;
}

// Link-local addresses are on every IPv6 interface and would only clutter the picture.
bool link_local(const net::Prefix& p) {
    return p.family == net::Family::V6 && p.bytes[0] == 0xfe && (p.bytes[1] & 0xc0) == 0x80;
}

GraphEnd make_end(const topo::Model& m, const topo::Endpoint& e, const std::vector<probe::NodeLive>* live) {
    const topo::Node& node = m.nodes[e.node];
    GraphEnd end{.node = node.name, .iface = e.iface};
    if (const topo::Interface* i = node.find_interface(e.iface))
        for (const auto& a : i->addrs) end.addrs.push_back(a.str());
    if (const probe::NodeLive* n = live_of(live, node.name)) {
        end.state = "missing";
        for (const auto& i : n->interfaces) {
            if (i.name != e.iface) continue;
            end.state = !i.up ? "down" : i.carrier ? "up" : "no-carrier";
            end.addrs.clear();
            for (const auto& a : i.addrs)
                if (!link_local(a)) end.addrs.push_back(a.str());
        }
    }
    return end;
}

// DOT string literal: `"` and `\` escaped; a line break becomes dot's own "\n" (centred).
std::string q(const std::string& s) {
    std::string out = "\"";
    for (char c : s) {
        if (c == '\n') {
            out += "\\n";
            continue;
        }
        if (c == '"' || c == '\\') out += '\\';
        out += c;
    }
    return out + "\"";
}

std::string join(const std::vector<std::string>& v, const std::string& sep) {
    std::string out;
    for (const auto& s : v) out += (out.empty() ? "" : sep) + s;
    return out;
}

std::string end_label(const GraphEnd& e, const std::string& sep) {
    std::string s = e.iface;
    if (!e.state.empty() && e.state != "up") s += " (" + e.state + ")";
    for (const auto& a : e.addrs) s += sep + a;
    return s;
}

struct KindStyle {
    const char* dot_shape;
    const char* colour;
};
KindStyle style(const std::string& kind) {
    if (kind == "router") return {"octagon", "#9ecae1"};
    if (kind == "switch") return {"box", "#fdd0a2"};
    return {"ellipse", "#c7e9c0"};
}

// One line per own interface of a node: what it is and what it carries.
std::string device_text(const topo::Device& d) {
    std::string s = d.name + " " + topo::to_string(d.kind);
    switch (d.kind) {
        case topo::DeviceKind::Vrf: s += " table " + std::to_string(d.table); break;
        case topo::DeviceKind::Vlan: s += " " + std::to_string(d.vlan_id) + " on " + d.link; break;
        case topo::DeviceKind::Macvlan: s += " on " + d.link; break;
        case topo::DeviceKind::Vxlan: s += " " + std::to_string(d.vni); break;
        case topo::DeviceKind::Bond: {
            s += " " + d.mode + " over ";
            for (std::size_t i = 0; i < d.members.size(); ++i) s += (i ? "," : "") + d.members[i];
            break;
        }
        case topo::DeviceKind::Wireguard:
            if (d.listen_port) s += " :" + std::to_string(*d.listen_port);
            break;
        default:
            if (topo::is_tunnel(d.kind) && d.remote) s += " to " + d.remote->addr_str();
            break;
    }
    if (!d.vrf.empty()) s += " in " + d.vrf;
    if (!d.up) s += " (down)";
    for (const auto& a : d.addrs) s += " " + a.str();
    return s;
}

bool same_address(const net::Prefix& a, const net::Prefix& b) {
    return a.family == b.family && a.bytes == b.bytes;
}

// The node that holds `addr` on a link end, a loopback or an own interface; empty if none.
std::string owner_of(const topo::Model& m, const net::Prefix& addr) {
    auto holds = [&](const std::vector<net::Prefix>& v) {
        return std::any_of(v.begin(), v.end(), [&](const net::Prefix& p) { return same_address(p, addr); });
    };
    for (const auto& n : m.nodes) {
        if (holds(n.loopback)) return n.name;
        for (const auto& i : n.interfaces)
            if (holds(i.addrs)) return n.name;
        for (const auto& d : n.devices)
            if (holds(d.addrs)) return n.name;
    }
    return {};
}

// The far ends a tunnel interface names (vxlan, the ip tunnels, wireguard's peers), each with
// the edge's label; none for other kinds.
std::vector<std::pair<net::Prefix, std::string>> tunnel_remotes(const topo::Device& d) {
    std::vector<std::pair<net::Prefix, std::string>> out;
    const std::string kind = topo::to_string(d.kind);
    if (d.kind == topo::DeviceKind::Vxlan && d.remote) out.emplace_back(*d.remote, kind + " " + std::to_string(d.vni));
    if (topo::is_tunnel(d.kind) && d.remote) out.emplace_back(*d.remote, d.key ? kind + " key " + std::to_string(*d.key) : kind);
    if (d.kind == topo::DeviceKind::Wireguard)
        for (const auto& p : d.peers)
            if (p.endpoint) out.emplace_back(*p.endpoint, kind);
    return out;
}

}  // namespace

std::string GraphLink::name() const {
    return ends[0].node + ":" + ends[0].iface + " -- " + ends[1].node + ":" + ends[1].iface;
}

std::string netem_text(const topo::Netem& n) {
    std::vector<std::string> parts;
    if (n.delay_us) parts.push_back("delay " + duration(*n.delay_us));
    if (n.jitter_us) parts.push_back("jitter " + duration(*n.jitter_us));
    if (n.loss) parts.push_back("loss " + number(*n.loss) + "%");
    if (n.duplicate) parts.push_back("duplicate " + number(*n.duplicate) + "%");
    if (n.corrupt) parts.push_back("corrupt " + number(*n.corrupt) + "%");
    if (n.reorder) parts.push_back("reorder " + number(*n.reorder) + "%");
    if (n.rate_bps) parts.push_back("rate " + rate(*n.rate_bps));
    if (n.limit) parts.push_back("limit " + std::to_string(*n.limit));
    return join(parts, " ");
}

Graph make_graph(const topo::Model& m, const std::vector<probe::NodeLive>* live) {
    Graph g{.lab = m.name, .live = live != nullptr};
    for (const auto& n : m.nodes) {
        GraphNode gn{.name = n.name, .kind = topo::to_string(n.kind)};
        for (const auto& p : n.loopback) gn.loopback.push_back(p.str());
        for (const auto& d : n.devices) {
            gn.interfaces.push_back(device_text(d));
            for (const auto& [remote, label] : tunnel_remotes(d)) {
                std::string to = owner_of(m, remote);
                // A tunnel to an address outside the lab (or to itself) has no edge to draw.
                if (!to.empty() && to != n.name)
                    g.tunnels.push_back({.from = n.name, .from_iface = d.name, .to = to, .label = label});
            }
        }
        if (const probe::NodeLive* l = live_of(live, n.name)) {
            gn.state = l->running ? "running" : "stopped";
            gn.pid = l->pid;
        }
        g.nodes.push_back(std::move(gn));
    }
    for (const auto& l : m.links) {
        GraphLink gl{.ends = {make_end(m, l.ends[0], live), make_end(m, l.ends[1], live)},
                     .netem = netem_text(l.netem), .up = l.up, .mtu = l.mtu.value_or(0)};
        g.links.push_back(std::move(gl));
    }
    return g;
}

std::string to_dot(const Graph& g) {
    std::ostringstream o;
    o << "graph " << q(g.lab) << " {\n"
      << "  graph [label=" << q("lab " + g.lab + (g.live ? " (running)" : "")) << ", labelloc=t, fontname=Helvetica];\n"
      << "  node [fontname=Helvetica, style=filled];\n"
      << "  edge [fontname=Helvetica, fontsize=9];\n";
    for (const auto& n : g.nodes) {
        KindStyle s = style(n.kind);
        std::string label = n.name + "\n" + n.kind;
        if (n.state == "running") label += " pid " + std::to_string(n.pid);
        else if (!n.state.empty()) label += " (" + n.state + ")";
        for (const auto& a : n.loopback) label += "\n" + a;
        for (const auto& i : n.interfaces) label += "\n" + i;
        o << "  " << q(n.name) << " [id=" << q("node-" + n.name) << ", label=" << q(label) << ", shape=" << s.dot_shape
          << ", fillcolor=" << q(n.state == "stopped" ? "#d9d9d9" : s.colour) << "];\n";
    }
    for (std::size_t i = 0; i < g.links.size(); ++i) {
        const GraphLink& l = g.links[i];
        std::vector<std::string> mid;
        if (!l.netem.empty()) mid.push_back("netem: " + l.netem);
        if (l.mtu) mid.push_back("mtu " + std::to_string(l.mtu));
        if (!l.up) mid.push_back("down");
        o << "  " << q(l.ends[0].node) << " -- " << q(l.ends[1].node) << " [id=" << q("link-" + std::to_string(i))
          << ", tooltip=" << q(l.name()) << ", taillabel=" << q(end_label(l.ends[0], "\n"))
          << ", headlabel=" << q(end_label(l.ends[1], "\n"));
        if (!mid.empty()) o << ", label=" << q(join(mid, "\n"));
        // Impaired links stand out in red and dashed; administratively down ones are dotted.
        if (!l.netem.empty()) o << ", color=red, fontcolor=red, style=dashed, penwidth=2";
        else if (!l.up) o << ", style=dotted";
        o << "];\n";
    }
    // Overlays: blue and dashed, without weight, so the layout follows the real links.
    for (std::size_t i = 0; i < g.tunnels.size(); ++i) {
        const GraphTunnel& t = g.tunnels[i];
        o << "  " << q(t.from) << " -- " << q(t.to) << " [id=" << q("tunnel-" + std::to_string(i))
          << ", label=" << q(t.label) << ", taillabel=" << q(t.from_iface)
          << ", color=blue, fontcolor=blue, style=dashed, constraint=false];\n";
    }
    o << "}\n";
    return o.str();
}

std::string to_mermaid(const Graph& g) {
    // Mermaid ids cannot hold every node name ("a-b" reads as an arrow), so nodes are n0, n1...
    // and labels carry the names; `"` inside a label is written as #quot;.
    auto text = [](const std::string& s) {
        std::string out;
        for (char c : s) out += c == '"' ? std::string("#quot;") : std::string(1, c);
        return out;
    };
    auto id = [&](const std::string& node) {
        for (std::size_t i = 0; i < g.nodes.size(); ++i)
            if (g.nodes[i].name == node) return "n" + std::to_string(i);
        return std::string("unknown");
    };
    std::ostringstream o;
    o << "---\ntitle: lab " << g.lab << (g.live ? " (running)" : "") << "\n---\ngraph LR\n";
    for (std::size_t i = 0; i < g.nodes.size(); ++i) {
        const GraphNode& n = g.nodes[i];
        std::string label = text(n.name + "<br/>" + n.kind + (n.state.empty() ? "" : " " + n.state) +
                                 (n.loopback.empty() ? "" : "<br/>" + join(n.loopback, "<br/>")) +
                                 (n.interfaces.empty() ? "" : "<br/>" + join(n.interfaces, "<br/>")));
        const char* open = n.kind == "router" ? "{{" : n.kind == "switch" ? "[" : "([";
        const char* close = n.kind == "router" ? "}}" : n.kind == "switch" ? "]" : "])";
        o << "  n" << i << open << "\"" << label << "\"" << close << ":::" << n.kind << "\n";
    }
    for (const auto& l : g.links) {
        std::string label = end_label(l.ends[0], " ") + " -- " + end_label(l.ends[1], " ");
        if (!l.netem.empty()) label += "<br/>netem: " + l.netem;
        if (!l.up) label += "<br/>down";
        // A dotted line marks an impaired or down link, as in the DOT output.
        const char* line = (!l.netem.empty() || !l.up) ? "-.-" : "---";
        o << "  " << id(l.ends[0].node) << " " << line << "|\"" << text(label) << "\"| " << id(l.ends[1].node) << "\n";
    }
    for (const auto& t : g.tunnels)
        o << "  " << id(t.from) << " -.->|\"" << text(t.from_iface + " " + t.label) << "\"| " << id(t.to) << "\n";
    o << "  classDef host fill:" << style("host").colour << "\n"
      << "  classDef router fill:" << style("router").colour << "\n"
      << "  classDef switch fill:" << style("switch").colour << "\n";
    return o.str();
}

std::string render_svg(const std::string& dot) {
    // dot reads a file and writes one: no pipes to juggle, so no deadlock on a big graph.
    char dir_template[] = "/tmp/nslab-graph-XXXXXX";
    if (!::mkdtemp(dir_template)) throw SystemError("create a temporary directory for dot", errno);
    std::string dir = dir_template, in = dir + "/lab.dot", out = dir + "/lab.svg", err = dir + "/dot.err";
    struct Cleanup {
        std::string dir;
        ~Cleanup() { sys::remove_tree(dir); }
    } cleanup{dir};
    sys::write_file_atomic(in, dot);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 2, err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    std::string a0 = "dot", a1 = "-Tsvg", a2 = "-o" + out;
    char* argv[] = {a0.data(), a1.data(), a2.data(), const_cast<char*>(in.c_str()), nullptr};
    pid_t pid = 0;
    int rc = ::posix_spawnp(&pid, "dot", &fa, nullptr, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc == ENOENT)
        throw Error("--format svg needs Graphviz's \"dot\", which is not installed (apt-get install graphviz); "
                    "--format dot, mermaid and html work without it");
    if (rc != 0) throw SystemError("run dot", rc);
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0)
        if (errno != EINTR) throw SystemError("wait for dot", errno);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        throw Error("dot failed: " + (sys::exists(err) ? sys::read_file(err) : std::string("no message")));
    return sys::read_file(out);
}

}  // namespace nslab::view
