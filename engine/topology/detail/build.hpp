// Private to topology/: the stages parse() runs, in order, and the draft they fill. Each stage
// records what it finds wrong in the draft's issues and carries on, so one run reports them all.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "topology/detail/json_util.hpp"

namespace nslab::topo::detail {

// Where an address of the lab was written (for an automatic one: the endpoint that got it), so
// a duplicate can name both places and auto-addressing can steer clear of it.
struct AddressSite {
    net::Prefix addr;
    std::string where;    // "r1:eth1", "r1:lo"
    std::string pointer;  // "/links/0/ipv4/0"
    bool automatic = false;
};

struct Draft {
    Model model;
    std::string base_dir;            // ParseOptions::base_dir
    Issues issues;
    std::vector<AddressSite> sites;  // those written in the file first, then automatic ones
};

// json_read.cpp: JSON text (comments allowed) → document; syntax errors and duplicate keys.
std::optional<ojson> read_json(std::string_view text, Issues& issues);
// document.cpp: top-level keys, version, name, addressing. False when the rest is not worth
// reading (not an object, or a version this build does not know).
bool read_document(const ojson& doc, const ParseOptions& opts, Draft& d);
// nodes.cpp / node.cpp: `nodes` with `defaults` merged in.
void read_nodes(const ojson& doc, Draft& d);
// links.cpp: `links`, which also creates every node's interfaces.
void read_links(const ojson& doc, Draft& d);
// placement.cpp: `placement`, once the nodes are known.
void read_placement(const ojson& doc, Draft& d);
// addressing.cpp: addresses for the endpoints `addressing` covers.
void assign_addresses(Draft& d);
// validate.cpp / routes.cpp: checks that need the whole lab.
void validate(Draft& d);
void check_routes(Draft& d);

// address.cpp: one CIDR string. `family` restricts it (the "ipv4"/"ipv6" keys). A pool is any
// network; a loopback or interface address may not be multicast or unspecified, and an
// interface address not the network or broadcast address of its own prefix either.
enum class Cidr { Pool, Loopback, Interface };
std::optional<net::Prefix> read_cidr(const ojson& v, const std::string& pointer, Issues& issues,
                                     std::optional<net::Family> family, Cidr use);
const char* family_name(net::Family f);  // "IPv4"
bool is_multicast(const net::Prefix& p);  // 224.0.0.0/4, ff00::/8
// fe80::/10: unique only on its own link, usable as a gateway only with a device.
bool is_link_local(const net::Prefix& p);
// `"10.0.0.1/24" has host bits set; did you mean "10.0.0.0/24"?` for a prefix that should be a network.
std::optional<std::string> host_bits_problem(const net::Prefix& p);
// interfaces.cpp: every interface name of the node for a did-you-mean: "lo" (when asked for),
// its link ends, then its own `interfaces`.
std::vector<std::string_view> interface_names(const Node& n, bool with_lo);
// routes.cpp
std::vector<Route> read_routes(const ojson& v, const std::string& pointer, Issues& issues);
// A network (a bare address is one host) with its host bits clear; a string that is none is
// "not a <noun>: use a CIDR such as <example>".
std::optional<net::Prefix> read_network(const ojson& v, const std::string& pointer, Issues& issues, std::string_view noun,
                                        std::string_view example);
// A route's or rule's `table`: a number into `table`, or a vrf's name into `vrf` (resolved once
// the node's interfaces are known, by resolve_table).
void read_table(const ojson& v, const std::string& pointer, Issues& issues, std::uint32_t& table, std::string& vrf);
// `vrf`, when set, names a vrf interface of `node`: its table goes into `table`. False (and a
// located issue with the node's vrfs to choose from) when it names none.
bool resolve_table(const Node& node, const std::string& pointer, const std::string& vrf, std::uint32_t& table, Issues& issues);
// rules.cpp: `rules`, read with the node, and once its interfaces are known, what they name.
std::vector<Rule> read_rules(const ojson& v, const std::string& pointer, Issues& issues);
void check_rules(Draft& d);
// netem.cpp
Netem read_netem(const ojson& v, const std::string& pointer, Issues& issues);

}  // namespace nslab::topo::detail
