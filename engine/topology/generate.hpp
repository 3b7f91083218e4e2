// Built-in topology generators (`lab gen`, `lab up --gen`): large labs need no 2,000-line
// file, and `single`/`linear`/`tree` are exactly Mininet's shapes so benchmarks compare like
// with like. Every generated text is a valid topology (topo::parse accepts it).
#pragma once

#include <string>
#include <vector>

namespace nslab::topo {

struct GenOptions {
    std::string name;      // lab name; default "<shape>-<n>"
    bool routed = false;   // `linear --routed` = `line`
    int fanout = 2;        // tree: children per switch
};

// Shapes (N is what Mininet's same shape takes):
//   single N   switch s1, hosts h1..hN on it; hosts 10.0.0.i/8 (Mininet's SingleSwitchTopo)
//   linear N   switches s1..sN in a chain, host hi on si; 10.0.0.i/8 (Mininet's LinearTopo)
//   tree D     switches a tree of depth D and `fanout`, hosts at the leaves (Mininet's TreeTopo)
//   line N     routers r1..rN linked directly (also `linear --routed`), /30 per link
//   ring N     routers in a cycle (a switch ring would be a layer-2 loop), shortest way round
//   star N     router r1 in the middle, hosts h1..hN on /30 links, default route to r1
//   mesh N     routers, every pair linked (N <= 64), one route per other router
// Routed shapes carry aggregated static routes (O(log N) prefixes per node, never one per
// subnet), and ip_default_ttl raised in every node when a path crosses more than 64 hops.
// Throws std::invalid_argument for an unknown shape or an N out of range.
std::string generate(const std::string& shape, int n, const GenOptions& opts = {});

// What a user should know about that topology (e.g. "TTL raised to 201"; or that a line
// longer than IPv4's 255 hops cannot be crossed end to end). Also written as `//` comments at
// the head of the generated text.
std::vector<std::string> generate_notes(const std::string& shape, int n, const GenOptions& opts = {});

// Both of the above from one build of the shape, which at 100,000 nodes is most of the work.
struct Generated {
    std::string text;
    std::vector<std::string> notes;
};
Generated generate_with_notes(const std::string& shape, int n, const GenOptions& opts = {});

// "linear:1000", "tree:3:4" (depth 3, fanout 4), "line:200" -> shape, n, opts.fanout.
struct GenSpec {
    std::string shape;
    int n = 0;
    GenOptions opts;
};
GenSpec parse_gen_spec(const std::string& spec);

// The shapes generate() knows, for usage text.
const std::vector<std::string>& generator_shapes();

}  // namespace nslab::topo
