#include "topology/generate.hpp"

#include <bit>
#include <cstdint>
#include <stdexcept>

#include <nlohmann/json.hpp>

namespace nslab::topo {

namespace {

using ojson = nlohmann::ordered_json;

constexpr std::uint32_t kBase = 0x0A000000;   // 10.0.0.0: every generated address lies in 10/8
constexpr int kMaxNodes = 100000;             // beyond this a lab is a typo, not a plan
constexpr int kMaxMesh = 64;                  // n*(n-1)/2 links
constexpr int kDefaultTtl = 64;               // Linux's net.ipv4.ip_default_ttl

std::string ip4(std::uint32_t a) {
    return std::to_string(a >> 24) + "." + std::to_string((a >> 16) & 255) + "." + std::to_string((a >> 8) & 255) +
           "." + std::to_string(a & 255);
}
std::string cidr(std::uint32_t a, int len) { return ip4(a) + "/" + std::to_string(len); }

// Point-to-point links of the routed shapes: link i is the /30 at 10.0.0.0 + 4i, end 0 takes
// .1 and end 1 takes .2, so a run of consecutive links is a range of addresses that a few
// prefixes cover.
std::uint32_t p2p(std::size_t link, int end) { return kBase + 4 * static_cast<std::uint32_t>(link) + 1 + end; }

// The fewest aligned prefixes covering links [lo, hi): at most 2*log2(hi-lo) of them. This is
// what keeps a 1000-router line at a dozen routes per node instead of a thousand.
std::vector<std::string> cover(std::size_t lo, std::size_t hi) {
    std::vector<std::string> out;
    std::uint32_t a = static_cast<std::uint32_t>(lo) * 4, b = static_cast<std::uint32_t>(hi) * 4;
    while (a < b) {
        std::uint32_t size = a ? (a & (~a + 1)) : (1u << 24);          // largest block aligned at a
        while (size > b - a) size >>= 1;                          // that still fits
        out.push_back(cidr(kBase + a, 32 - std::countr_zero(size)));
        a += size;
    }
    return out;
}

// One prefix holding links [0, n): the "everything else" route.
std::string block(std::size_t n) {
    std::uint32_t size = std::bit_ceil(static_cast<std::uint32_t>(n) * 4);
    return cidr(kBase, 32 - std::countr_zero(size));
}

ojson route(const std::string& to, std::uint32_t via) { return {{"to", to}, {"via", ip4(via)}}; }
ojson link(const std::string& a, const std::string& b, const ojson& ipv4 = nullptr) {
    ojson l = {{"endpoints", {a, b}}};
    if (!ipv4.is_null()) l["ipv4"] = ipv4;
    return l;
}
std::string nm(char c, std::size_t i) { return c + std::to_string(i); }
std::string host_addr(std::size_t i) { return cidr(kBase + static_cast<std::uint32_t>(i), 8); }  // Mininet's

struct Built {
    // In order and unique by construction. Not an ordered_json object: that one looks each new
    // key up along the whole object, and 100,000 nodes took 20 s to build.
    std::vector<std::pair<std::string, ojson>> nodes;
    ojson links = ojson::array();
    int max_hops = 1;   // longest shortest path in links, for the TTL
};

// ---- layer 2: Mininet's shapes ------------------------------------------------------

Built single(int n) {
    Built b;
    b.nodes.emplace_back("s1", ojson{{"kind", "switch"}});
    for (int i = 1; i <= n; ++i) {
        b.nodes.emplace_back(nm('h', i), ojson::object());
        b.links.push_back(link(nm('h', i) + ":eth0", "s1", {host_addr(i), nullptr}));
    }
    return b;
}

Built linear(int n) {
    Built b;
    for (int i = 1; i <= n; ++i) b.nodes.emplace_back(nm('s', i), ojson{{"kind", "switch"}});
    for (int i = 1; i <= n; ++i) b.nodes.emplace_back(nm('h', i), ojson::object());
    for (int i = 1; i <= n; ++i) b.links.push_back(link(nm('h', i) + ":eth0", nm('s', i), {host_addr(i), nullptr}));
    for (int i = 1; i < n; ++i) b.links.push_back(link(nm('s', i), nm('s', i + 1)));
    return b;
}

// Mininet's TreeTopo.addTree: switches numbered depth-first, each linked to a child once the
// child's subtree is built, hosts at depth 0.
std::string tree_node(Built& b, int depth, int fanout, int& switches, int& hosts) {
    if (depth == 0) {
        std::string h = nm('h', ++hosts);
        b.nodes.emplace_back(h, ojson::object());
        return h;
    }
    std::string s = nm('s', ++switches);
    b.nodes.emplace_back(s, ojson{{"kind", "switch"}});
    for (int c = 0; c < fanout; ++c) {
        std::string child = tree_node(b, depth - 1, fanout, switches, hosts);
        if (child[0] == 'h')
            b.links.push_back(link(child + ":eth0", s, {host_addr(hosts), nullptr}));
        else
            b.links.push_back(link(s, child));
    }
    return s;
}

// ---- routed shapes --------------------------------------------------------------------

// Routers r1..rn, link i between r(i+1):eth2 and r(i+2):eth1. Router k sends everything to its
// right (one block route) except links [0, k-2), which lie to its left (a few prefixes).
Built line(int n) {
    Built b;
    const std::size_t links = n - 1;
    for (int k = 1; k <= n; ++k) {
        ojson routes = ojson::array();
        const std::size_t right = k - 1, left = k - 2;  // indices of its own links
        if (k < n && right + 1 < links) routes.push_back(route(block(links), p2p(right, 1)));
        if (k >= 3)
            for (auto& p : cover(0, left)) routes.push_back(route(p, p2p(left, 0)));
        b.nodes.emplace_back(nm('r', k), routes.empty() ? ojson::object() : ojson{{"routes", routes}});
    }
    for (std::size_t i = 0; i < links; ++i)
        b.links.push_back(link(nm('r', i + 1) + ":eth2", nm('r', i + 2) + ":eth1",
                               {cidr(p2p(i, 0), 30), cidr(p2p(i, 1), 30)}));
    b.max_hops = n - 1;
    return b;
}

// Link i joins r(i+1):eth2 and r((i+1)%n+1):eth1. Router i sends clockwise by default and the
// far half of the ring (a cyclic range of links, two ranges at most) counter-clockwise.
Built ring(int n) {
    Built b;
    const std::size_t N = n, h = (N - 1) / 2;   // links at distance 1..h go clockwise
    for (std::size_t i = 0; i < N; ++i) {
        ojson routes = ojson::array();
        if (h >= 1) routes.push_back(route(block(N), p2p(i, 1)));
        const std::size_t ccw_link = (i + N - 1) % N;
        std::size_t lo = (i + h + 1) % N, count = N - 2 - h;   // distances h+1 .. n-2
        auto add = [&](std::size_t a, std::size_t z) {
            for (auto& p : cover(a, z)) routes.push_back(route(p, p2p(ccw_link, 0)));
        };
        if (count > 0) {
            if (lo + count <= N) add(lo, lo + count);
            else { add(lo, N); add(0, lo + count - N); }
        }
        b.nodes.emplace_back(nm('r', i + 1), routes.empty() ? ojson::object() : ojson{{"routes", routes}});
    }
    for (std::size_t i = 0; i < N; ++i)
        b.links.push_back(link(nm('r', i + 1) + ":eth2", nm('r', (i + 1) % N + 1) + ":eth1",
                               {cidr(p2p(i, 0), 30), cidr(p2p(i, 1), 30)}));
    b.max_hops = static_cast<int>(N / 2);
    return b;
}

Built star(int n) {
    Built b;
    b.nodes.emplace_back("r1", ojson::object());
    for (int k = 1; k <= n; ++k)
        b.nodes.emplace_back(nm('h', k), ojson{{"kind", "host"}, {"routes", {route("default", p2p(k - 1, 0))}}});
    for (int k = 1; k <= n; ++k)
        b.links.push_back(link("r1:eth" + std::to_string(k), nm('h', k) + ":eth0",
                               {cidr(p2p(k - 1, 0), 30), cidr(p2p(k - 1, 1), 30)}));
    b.max_hops = 2;
    return b;
}

// Every pair a<b linked on 10.(a+1).(b+1).0/30, so all of r(a+1)'s links to higher routers lie
// in 10.(a+1).0.0/16: one route per other router (never one per link) reaches everything.
Built mesh(int n) {
    Built b;
    auto addr = [](int a, int c, int end) { return kBase + (static_cast<std::uint32_t>(a + 1) << 16) + ((c + 1) << 8) + 1 + end; };
    for (int x = 0; x < n; ++x) {
        ojson routes = ojson::array();
        for (int y = 0; y < n; ++y) {
            if (y == x) continue;
            // y's own address on the x-y link
            std::uint32_t via = x < y ? addr(x, y, 1) : addr(y, x, 0);
            routes.push_back(route(cidr(kBase + (static_cast<std::uint32_t>(y + 1) << 16), 16), via));
        }
        b.nodes.emplace_back(nm('r', x + 1), ojson{{"routes", routes}});
    }
    for (int a = 0; a < n; ++a)
        for (int c = a + 1; c < n; ++c)
            b.links.push_back(link(nm('r', a + 1) + ":eth" + std::to_string(c + 1),
                                   nm('r', c + 1) + ":eth" + std::to_string(a + 1),
                                   {cidr(addr(a, c, 0), 30), cidr(addr(a, c, 1), 30)}));
    b.max_hops = 2;
    return b;
}

bool is_routed(const std::string& shape, const GenOptions& o) {
    return shape == "line" || shape == "ring" || shape == "star" || shape == "mesh" || (shape == "linear" && o.routed);
}

Built build(const std::string& shape, int n, const GenOptions& o) {
    auto need = [&](int lo, int hi) {
        if (n < lo || n > hi)
            throw std::invalid_argument(shape + ": N must be between " + std::to_string(lo) + " and " +
                                        std::to_string(hi) + ", not " + std::to_string(n));
    };
    if (shape == "single") { need(1, kMaxNodes); return single(n); }
    if (shape == "linear" && !o.routed) { need(1, kMaxNodes / 2); return linear(n); }
    if (shape == "line" || shape == "linear") { need(2, kMaxNodes); return line(n); }
    if (shape == "ring") { need(3, kMaxNodes); return ring(n); }
    if (shape == "star") { need(1, kMaxNodes); return star(n); }
    if (shape == "mesh") { need(2, kMaxMesh); return mesh(n); }
    if (shape == "tree") {
        need(1, 16);
        if (o.fanout < 1) throw std::invalid_argument("tree: fanout must be at least 1");
        double hosts = 1;
        for (int d = 0; d < n; ++d) hosts *= o.fanout;
        if (hosts > 65536) throw std::invalid_argument("tree: fanout^depth must be at most 65536 hosts");
        Built b;
        int switches = 0, hosts_made = 0;
        tree_node(b, n, o.fanout, switches, hosts_made);
        return b;
    }
    std::string known;
    for (auto& s : generator_shapes()) known += (known.empty() ? "" : ", ") + s;
    throw std::invalid_argument("unknown shape \"" + shape + "\"; known shapes: " + known);
}

// TTL: a packet crossing h links is forwarded h-1 times and needs a TTL of at least h.
int ttl_for(int hops) { return hops <= kDefaultTtl ? 0 : 255; }

std::vector<std::string> notes_for(const std::string& shape, int n, const GenOptions& o, const Built& b) {
    std::vector<std::string> notes;
    if (is_routed(shape, o) && b.max_hops > kDefaultTtl) {
        notes.push_back("paths cross up to " + std::to_string(b.max_hops) +
                        " hops, more than the default TTL of 64: net.ipv4.ip_default_ttl is 255 in every node");
        if (b.max_hops > 255)
            notes.push_back("IPv4 cannot cross more than 255 hops: nodes further apart than that do not reach each other");
    }
    std::size_t hosts_on_lan = shape == "single" || (shape == "linear" && !o.routed) ? n : 0;
    if (hosts_on_lan > 32)
        notes.push_back("pinging every pair needs " + std::to_string(hosts_on_lan * (hosts_on_lan - 1)) +
                        " ARP entries; the host's table holds net.ipv4.neigh.default.gc_thresh3 (1024 by default)");
    return notes;
}

}  // namespace

const std::vector<std::string>& generator_shapes() {
    static const std::vector<std::string> s = {"single", "linear", "tree", "line", "ring", "star", "mesh"};
    return s;
}

std::vector<std::string> generate_notes(const std::string& shape, int n, const GenOptions& opts) {
    return notes_for(shape, n, opts, build(shape, n, opts));
}

std::string generate(const std::string& shape, int n, const GenOptions& opts) {
    return generate_with_notes(shape, n, opts).text;
}

Generated generate_with_notes(const std::string& shape, int n, const GenOptions& opts) {
    Built b = build(shape, n, opts);
    Generated g{.text = {}, .notes = notes_for(shape, n, opts, b)};
    std::string name = opts.name;
    if (name.empty()) name = (is_routed(shape, opts) && shape == "linear" ? "line" : shape) + "-" + std::to_string(n);
    ojson defaults = ojson::object();
    if (shape == "single" || shape == "tree" || (shape == "linear" && !opts.routed)) {
        // Mininet's switch shapes carry IPv4 only. With IPv6 on, each host's MLD reports reach
        // every other host across the bridges: N^2 frames (4 million at single,1000), seconds
        // of softirq time that slowed every step of up and down. Remove these to get IPv6.
        defaults["sysctls"] = {{"net.ipv6.conf.all.disable_ipv6", "1"}, {"net.ipv6.conf.default.disable_ipv6", "1"}};
    }
    if (is_routed(shape, opts)) {
        defaults["kind"] = "router";
        if (int ttl = ttl_for(b.max_hops)) defaults["sysctls"] = {{"net.ipv4.ip_default_ttl", std::to_string(ttl)}};
    }
    // One node or link per line: readable, and diffable when someone edits a generated file.
    std::string& out = g.text;
    for (auto& note : g.notes) out += "// " + note + "\n";
    out += "{\n \"name\": " + ojson(name).dump() + ",\n";
    if (!defaults.empty()) out += " \"defaults\": " + defaults.dump() + ",\n";
    out += " \"nodes\": {";
    bool first = true;
    for (auto& [k, v] : b.nodes) {
        out += (first ? "\n  " : ",\n  ") + ojson(k).dump() + ": " + v.dump();
        first = false;
    }
    out += "\n },\n \"links\": [";
    first = true;
    for (auto& l : b.links) {
        out += (first ? "\n  " : ",\n  ") + l.dump();
        first = false;
    }
    out += "\n ]\n}\n";
    return g;
}

GenSpec parse_gen_spec(const std::string& spec) {
    GenSpec g;
    std::vector<std::string> parts;
    std::size_t start = 0;
    for (std::size_t i = 0; i <= spec.size(); ++i)
        if (i == spec.size() || spec[i] == ':') {
            parts.push_back(spec.substr(start, i - start));
            start = i + 1;
        }
    auto num = [&](const std::string& s) {
        std::size_t used = 0;
        int v = 0;
        try {
            v = std::stoi(s, &used);
        } catch (const std::exception&) {
            used = 0;
        }
        if (used == 0 || used != s.size()) throw std::invalid_argument("bad generator spec \"" + spec + "\": \"" + s + "\" is not a number");
        return v;
    };
    if (parts.size() < 2 || parts.size() > 3 || parts[0].empty())
        throw std::invalid_argument("bad generator spec \"" + spec + "\": expected SHAPE:N or tree:DEPTH:FANOUT");
    g.shape = parts[0];
    g.n = num(parts[1]);
    if (parts.size() == 3) {
        if (g.shape != "tree") throw std::invalid_argument("bad generator spec \"" + spec + "\": only tree takes a third field (fanout)");
        g.opts.fanout = num(parts[2]);
    }
    return g;
}

}  // namespace nslab::topo
