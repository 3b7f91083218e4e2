#include "net/decode.hpp"

#include <arpa/inet.h>

#include <cstdint>
#include <cstdio>

namespace nslab::net {

namespace {

std::uint16_t be16(std::string_view s, std::size_t at) {
    return static_cast<std::uint16_t>((static_cast<std::uint8_t>(s[at]) << 8) | static_cast<std::uint8_t>(s[at + 1]));
}

std::string addr(int af, std::string_view s, std::size_t at) {
    char buf[INET6_ADDRSTRLEN];
    return ::inet_ntop(af, s.data() + at, buf, sizeof buf) ? buf : "?";
}

std::string mac(std::string_view s, std::size_t at) {
    char buf[18];
    auto b = [&](std::size_t i) { return static_cast<unsigned>(static_cast<std::uint8_t>(s[at + i])); };
    std::snprintf(buf, sizeof buf, "%02x:%02x:%02x:%02x:%02x:%02x", b(0), b(1), b(2), b(3), b(4), b(5));
    return buf;
}

std::string arp(std::string_view p) {
    // Ethernet/IPv4 ARP only: htype 1, ptype 0x0800, hlen 6, plen 4.
    if (p.size() < 28 || be16(p, 0) != 1 || be16(p, 2) != 0x0800) return "ARP";
    std::uint16_t op = be16(p, 6);
    std::string sender = addr(AF_INET, p, 14), target = addr(AF_INET, p, 24);
    if (op == 1) return "ARP who-has " + target + " tell " + sender;
    if (op == 2) return "ARP reply " + sender + " is-at " + mac(p, 8);
    return "ARP op " + std::to_string(op);
}

std::string ports(std::string_view l4) {
    if (l4.size() < 4) return " (truncated)";
    return " " + std::to_string(be16(l4, 0)) + " > " + std::to_string(be16(l4, 2));
}

std::string tcp_flags(std::string_view l4) {
    if (l4.size() < 14) return "";
    std::uint8_t f = static_cast<std::uint8_t>(l4[13]);
    std::string s;
    const char* names = "FSRPAU";
    for (int i = 0; i < 6; ++i)
        if (f & (1u << i)) s += names[i];
    return s.empty() ? "" : " [" + s + "]";
}

std::string echo_ids(std::string_view l4) {
    if (l4.size() < 8) return "";
    return " id " + std::to_string(be16(l4, 4)) + " seq " + std::to_string(be16(l4, 6));
}

// The transport part, shared by IPv4 and IPv6.
std::string transport(unsigned proto, std::string_view l4) {
    switch (proto) {
    case 1: {
        if (l4.size() < 2) return "ICMP (truncated)";
        unsigned type = static_cast<std::uint8_t>(l4[0]);
        if (type == 8) return "ICMP echo request" + echo_ids(l4);
        if (type == 0) return "ICMP echo reply" + echo_ids(l4);
        if (type == 3) return "ICMP unreachable code " + std::to_string(static_cast<std::uint8_t>(l4[1]));
        if (type == 11) return "ICMP time exceeded";
        return "ICMP type " + std::to_string(type);
    }
    case 58: {
        if (l4.size() < 2) return "ICMPv6 (truncated)";
        unsigned type = static_cast<std::uint8_t>(l4[0]);
        switch (type) {
        case 128: return "ICMPv6 echo request" + echo_ids(l4);
        case 129: return "ICMPv6 echo reply" + echo_ids(l4);
        case 133: return "ICMPv6 router solicitation";
        case 134: return "ICMPv6 router advertisement";
        case 135: return l4.size() >= 24 ? "ICMPv6 neighbor solicitation who-has " + addr(AF_INET6, l4, 8)
                                         : "ICMPv6 neighbor solicitation";
        case 136: return l4.size() >= 24 ? "ICMPv6 neighbor advertisement " + addr(AF_INET6, l4, 8)
                                         : "ICMPv6 neighbor advertisement";
        case 143: return "ICMPv6 MLDv2 report";
        default: return "ICMPv6 type " + std::to_string(type);
        }
    }
    case 6: return "TCP" + ports(l4) + tcp_flags(l4);
    case 17: return "UDP" + ports(l4);
    case 89: return "OSPF";
    default: return "proto " + std::to_string(proto);
    }
}

std::string ipv4(std::string_view p) {
    if (p.size() < 20) return "IPv4 (truncated)";
    std::size_t ihl = (static_cast<std::uint8_t>(p[0]) & 0x0f) * 4u;
    if (ihl < 20 || p.size() < ihl) return "IPv4 (truncated)";
    std::string head = "IPv4 " + addr(AF_INET, p, 12) + " > " + addr(AF_INET, p, 16) + " ";
    // A later fragment has no transport header.
    if (be16(p, 6) & 0x1fff) return head + "fragment";
    return head + transport(static_cast<std::uint8_t>(p[9]), p.substr(ihl));
}

std::string ipv6(std::string_view p) {
    if (p.size() < 40) return "IPv6 (truncated)";
    std::string head = "IPv6 " + addr(AF_INET6, p, 8) + " > " + addr(AF_INET6, p, 24) + " ";
    unsigned next = static_cast<std::uint8_t>(p[6]);
    std::size_t at = 40;
    // Hop-by-hop, routing and destination options (MLD reports carry hop-by-hop).
    while ((next == 0 || next == 43 || next == 60) && p.size() >= at + 8) {
        next = static_cast<std::uint8_t>(p[at]);
        at += (static_cast<std::uint8_t>(p[at + 1]) + 1u) * 8u;
    }
    if (at > p.size()) return head + "(truncated)";
    return head + transport(next, p.substr(at));
}

}  // namespace

std::string summarize_frame(std::string_view f) {
    if (f.size() < 14) return "(truncated frame)";
    std::size_t at = 12;
    std::uint16_t type = be16(f, at);
    std::string vlan;
    while ((type == 0x8100 || type == 0x88a8) && f.size() >= at + 6) {
        vlan += "vlan " + std::to_string(be16(f, at + 2) & 0x0fff) + " ";
        at += 4;
        type = be16(f, at);
    }
    std::string_view payload = f.substr(at + 2);
    switch (type) {
    case 0x0806: return vlan + arp(payload);
    case 0x0800: return vlan + ipv4(payload);
    case 0x86dd: return vlan + ipv6(payload);
    default: {
        char buf[64];
        std::snprintf(buf, sizeof buf, "ethertype 0x%04x %s > ", type, mac(f, 6).c_str());
        return vlan + buf + mac(f, 0);
    }
    }
}

}  // namespace nslab::net
