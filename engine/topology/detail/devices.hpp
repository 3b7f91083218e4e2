// Private to topology/: the keys of the interface kinds that have more than a few (interfaces.cpp
// reads the common keys and the small kinds, and hands these over).
#pragma once

#include <optional>
#include <span>
#include <string>

#include "topology/detail/build.hpp"

namespace nslab::topo::detail {

// A bare address (vxlan's and the tunnels' remote, group, local).
std::optional<net::Prefix> read_address(const ojson& v, const std::string& pointer, Issues& issues);

// A kind's `mode` (macvlan, bond): one of `modes`, else `fallback`, set in dev.mode.
void read_mode(const ojson& spec, const std::string& pointer, std::span<const std::string_view> modes, const char* fallback,
               Device& dev, Issues& issues);

// bonds.cpp: `members`, `mode`, `miimon`; then, once the links are read, what the members are
// (link ends of the node, in no other bond, without addresses or a vrf of their own).
void read_bond_keys(const ojson& spec, const std::string& pointer, Device& dev, Issues& issues);
void check_bonds(const Model& m, const Node& n, Issues& issues);
// True when `ifname` is a member of one of the node's bonds (auto-addressing passes it by).
bool is_bond_member(const Node& n, std::string_view ifname);

// tunnels.cpp: `local`, `remote`, `ttl`, `key` of gre, gretap, ipip, ip6gre, ip6tnl and sit.
void read_tunnel_keys(const ojson& spec, const std::string& pointer, Device& dev, Issues& issues);
// A name the kernel gives the fallback device of a tunnel module in every namespace ("gre0"),
// with the module; none for a free name.
std::optional<std::string> fallback_device_module(std::string_view ifname);

// wireguard.cpp: `private_key`, `listen_port`, `peers`.
void read_wireguard_keys(const ojson& spec, const std::string& pointer, Device& dev, Issues& issues);

}  // namespace nslab::topo::detail
