// `lab graph`: every example topology drawn as DOT, Mermaid, HTML and (through Graphviz) SVG
// names every node and every link; impaired links are marked; a missing `dot` is explained.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <regex>

#include "lab/load.hpp"
#include "nslab_testing.hpp"
#include "view/graph.hpp"
#include "util/error.hpp"

namespace {

using namespace nslab;

std::vector<std::filesystem::path> examples() {
    std::vector<std::filesystem::path> out;
    for (const auto& e : std::filesystem::directory_iterator(nslab_testing::source_dir() + "/topologies"))
        if (e.path().extension() == ".json" && e.path().filename() != "schema.json") out.push_back(e.path());
    return out;
}

bool have_dot() {
    const char* path = std::getenv("PATH");
    std::string p = path ? path : "";
    for (std::size_t start = 0; start <= p.size();) {
        std::size_t end = p.find(':', start);
        if (end == std::string::npos) end = p.size();
        if (std::filesystem::exists(p.substr(start, end - start) + "/dot")) return true;
        start = end + 1;
    }
    return false;
}

// Graphviz writes "-" as "&#45;" and ">" as "&gt;" in SVG text and titles.
std::string unescape(std::string s) {
    for (auto [from, to] : {std::pair{"&#45;", "-"}, {"&gt;", ">"}, {"&lt;", "<"}, {"&#160;", " "}, {"&amp;", "&"}})
        s = std::regex_replace(s, std::regex(from), to);
    return s;
}

TEST(Graph, ExamplesExist) { EXPECT_GE(examples().size(), 5u); }

TEST(Graph, DotMermaidHtmlNameEveryNodeAndLink) {
    for (const auto& path : examples()) {
        SCOPED_TRACE(path.filename().string());
        auto m = lab::load_topology(path);
        auto g = view::make_graph(m);
        std::string dot = view::to_dot(g), mermaid = view::to_mermaid(g), html = view::to_html(g);
        for (const auto& n : m.nodes) {
            EXPECT_NE(dot.find("\"" + n.name + "\" [id="), std::string::npos) << n.name;
            EXPECT_NE(mermaid.find("\"" + n.name + "<br/>"), std::string::npos) << n.name;
            EXPECT_NE(html.find("\"name\":\"" + n.name + "\""), std::string::npos) << n.name;
        }
        for (const auto& l : g.links) {
            EXPECT_NE(dot.find("tooltip=\"" + l.name() + "\""), std::string::npos) << l.name();
            EXPECT_NE(html.find(l.name()), std::string::npos) << l.name();
            for (const auto& e : l.ends) EXPECT_NE(mermaid.find(e.iface), std::string::npos) << e.iface;
        }
    }
}

TEST(Graph, SvgOfEveryExampleNamesEveryNodeAndLink) {
    if (!have_dot()) GTEST_SKIP() << "Graphviz's dot is not installed (ci/deps.sh installs graphviz)";
    for (const auto& path : examples()) {
        SCOPED_TRACE(path.filename().string());
        auto m = lab::load_topology(path);
        auto g = view::make_graph(m);
        std::string svg = unescape(view::render_svg(view::to_dot(g)));
        ASSERT_NE(svg.find("<svg"), std::string::npos);
        for (const auto& n : m.nodes) EXPECT_NE(svg.find(">" + n.name + "</text>"), std::string::npos) << n.name;
        for (std::size_t i = 0; i < g.links.size(); ++i) {
            const auto& l = g.links[i];
            EXPECT_NE(svg.find("id=\"link-" + std::to_string(i) + "\""), std::string::npos);
            EXPECT_NE(svg.find("xlink:title=\"" + l.name() + "\""), std::string::npos) << l.name();
            for (const auto& e : l.ends) {
                EXPECT_NE(svg.find(">" + e.iface), std::string::npos) << e.iface;
                for (const auto& a : e.addrs) EXPECT_NE(svg.find(">" + a + "</text>"), std::string::npos) << a;
            }
        }
    }
}

const char* kImpaired = R"({"name": "imp", "nodes": {"a": {"kind": "router"}, "b": {}, "s": {"kind": "switch"}},
  "links": [{"endpoints": ["a:eth0", "b:eth0"], "ipv4": ["10.0.0.1/24", "10.0.0.2/24"],
             "netem": {"delay": "20ms", "loss": "1%", "rate": "10mbit"}},
            {"endpoints": ["a:eth1", "s"], "up": false}]})";

TEST(Graph, ImpairedAndDownLinksAreMarked) {
    auto g = view::make_graph(topo::parse(kImpaired));
    ASSERT_EQ(g.links.size(), 2u);
    EXPECT_EQ(g.links[0].netem, "delay 20ms loss 1% rate 10mbit");
    EXPECT_EQ(g.links[1].netem, "");
    EXPECT_EQ(g.links[1].ends[1].iface, "p1");  // the switch port's automatic name
    std::string dot = view::to_dot(g);
    EXPECT_NE(dot.find("label=\"netem: delay 20ms loss 1% rate 10mbit\", color=red"), std::string::npos) << dot;
    EXPECT_NE(dot.find("label=\"down\", style=dotted"), std::string::npos) << dot;
    EXPECT_NE(dot.find("shape=octagon"), std::string::npos);  // router
    EXPECT_NE(dot.find("shape=ellipse"), std::string::npos);  // host
    EXPECT_NE(dot.find("shape=box"), std::string::npos);      // switch
    std::string mermaid = view::to_mermaid(g);
    EXPECT_NE(mermaid.find("n0 -.-|\"eth0 10.0.0.1/24 -- eth0 10.0.0.2/24<br/>netem: delay 20ms"), std::string::npos)
        << mermaid;
}

TEST(Graph, LiveStateShowsOnNodesAndEnds) {
    auto m = topo::parse(kImpaired);
    std::vector<probe::NodeLive> live(3);
    live[0].name = "a", live[0].running = true, live[0].pid = 42;
    live[0].interfaces.push_back({.name = "eth0", .up = true, .carrier = false, .addrs = {*net::Prefix::parse("10.0.0.1/24"),
                                                                                       *net::Prefix::parse("fe80::1/64")}});
    live[1].name = "b", live[2].name = "s";
    auto g = view::make_graph(m, &live);
    EXPECT_TRUE(g.live);
    EXPECT_EQ(g.nodes[0].state, "running");
    EXPECT_EQ(g.nodes[1].state, "stopped");
    EXPECT_EQ(g.links[0].ends[0].state, "no-carrier");
    EXPECT_EQ(g.links[0].ends[0].addrs, std::vector<std::string>{"10.0.0.1/24"});  // no link-local clutter
    EXPECT_EQ(g.links[0].ends[1].state, "missing");
    EXPECT_NE(view::to_dot(g).find("a\\nrouter pid 42"), std::string::npos);
}

// h1 and h2 joined through r, with a VXLAN overlay from h1 to h2 across it and a VRF on r.
constexpr const char* kOverlay = R"({"name": "ov", "nodes": {
        "r": {"kind": "router", "interfaces": {"blue": {"kind": "vrf", "table": 10}}},
        "h1": {"interfaces": {"vx0": {"kind": "vxlan", "vni": 42, "remote": "10.2.0.2", "ipv4": ["192.168.9.1/24"]},
                              "vx1": {"kind": "vxlan", "vni": 43, "remote": "192.0.2.7"}}},
        "h2": {"interfaces": {"vx0": {"kind": "vxlan", "vni": 42, "remote": "10.1.0.2", "up": false},
                              "gre1": {"kind": "gre", "remote": "10.1.0.1", "key": 7}}}},
    "links": [{"endpoints": ["h1:eth0", "r:eth1"], "ipv4": ["10.1.0.2/24", "10.1.0.1/24"]},
              {"endpoints": ["h2:eth0", {"node": "r", "iface": "eth2", "vrf": "blue"}],
               "ipv4": ["10.2.0.2/24", "10.2.0.1/24"]}]})";

TEST(Graph, OwnInterfacesOnNodesAndTunnelsAsOverlayEdges) {
    auto g = view::make_graph(topo::parse(kOverlay));
    ASSERT_EQ(g.nodes.size(), 3u);
    EXPECT_EQ(g.nodes[0].interfaces, std::vector<std::string>{"blue vrf table 10"});
    EXPECT_EQ(g.nodes[1].interfaces, (std::vector<std::string>{"vx0 vxlan 42 192.168.9.1/24", "vx1 vxlan 43"}));
    EXPECT_EQ(g.nodes[2].interfaces, (std::vector<std::string>{"vx0 vxlan 42 (down)", "gre1 gre to 10.1.0.1"}));
    // Each tunnel whose remote is a lab address is an edge; 192.0.2.7 is outside the lab: none.
    ASSERT_EQ(g.tunnels.size(), 3u);
    EXPECT_EQ(g.tunnels[2].from, "h2");
    EXPECT_EQ(g.tunnels[2].to, "r");
    EXPECT_EQ(g.tunnels[2].label, "gre key 7");
    EXPECT_EQ(g.tunnels[0].from, "h1");
    EXPECT_EQ(g.tunnels[0].from_iface, "vx0");
    EXPECT_EQ(g.tunnels[0].to, "h2");
    EXPECT_EQ(g.tunnels[0].label, "vxlan 42");
    EXPECT_EQ(g.tunnels[1].from, "h2");
    EXPECT_EQ(g.tunnels[1].to, "h1");
    std::string dot = view::to_dot(g), mermaid = view::to_mermaid(g), html = view::to_html(g);
    EXPECT_NE(dot.find("label=\"r\\nrouter\\nblue vrf table 10\""), std::string::npos) << dot;
    EXPECT_NE(dot.find("\"h1\" -- \"h2\" [id=\"tunnel-0\", label=\"vxlan 42\", taillabel=\"vx0\", color=blue"),
              std::string::npos)
        << dot;
    EXPECT_NE(mermaid.find("n1 -.->|\"vx0 vxlan 42\"| n2"), std::string::npos) << mermaid;
    EXPECT_NE(html.find("\"tunnels\":[{\"from\":\"h1\""), std::string::npos);
    EXPECT_NE(html.find("\"interfaces\":[\"blue vrf table 10\"]"), std::string::npos);
}

TEST(Graph, HtmlIsSelfContainedAndScriptSafe) {
    // Names in a valid topology cannot hold "/", but the page must not rely on it.
    view::Graph g{.lab = "x", .nodes = {{.name = "a"}, {.name = "b"}}};
    g.links.push_back({.ends = {{.node = "a", .iface = "</script>"}, {.node = "b", .iface = "e"}}});
    std::string html = view::to_html(g);
    EXPECT_EQ(html.find("\"iface\":\"</script>"), std::string::npos);  // would end the data block early
    EXPECT_NE(html.find("<\\/script>"), std::string::npos);
    EXPECT_EQ(html.find("src="), std::string::npos);         // nothing loaded from anywhere
    EXPECT_EQ(html.find("http://w"), html.find("http://www.w3.org/2000/svg"));  // only the SVG namespace
    EXPECT_EQ(html.find("https://"), std::string::npos);
}

TEST(Graph, SvgWithoutDotSaysWhatToInstall) {
    std::string saved = std::getenv("PATH") ? std::getenv("PATH") : "";
    ::setenv("PATH", "/nonexistent", 1);
    try {
        view::render_svg("graph x {}");
        ADD_FAILURE() << "no error without dot";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("apt-get install graphviz"), std::string::npos) << e.what();
    }
    ::setenv("PATH", saved.c_str(), 1);
}

}  // namespace
