#include <algorithm>

#include "topology/detail/build.hpp"

namespace nslab::topo::detail {

bool is_multicast(const net::Prefix& p) {
    return p.family == net::Family::V4 ? (p.bytes[0] & 0xf0) == 0xe0 : p.bytes[0] == 0xff;
}

namespace {

bool is_unspecified(const net::Prefix& p) {
    return std::all_of(p.bytes.begin(), p.bytes.begin() + static_cast<long>(p.size()), [](auto b) { return b == 0; });
}

// The kernel accepts these on an interface, but a ping to them reaches no one host.
std::optional<std::string> interface_problem(const net::Prefix& p, std::string_view text) {
    if (p.family != net::Family::V4 || p.len > 30) return std::nullopt;
    std::string net = p.network().str();
    if (p == p.network())
        return quote(text) + " is the network address of " + net + "; use a host address such as " +
               quote(p.host(1).str());
    if (p == p.host((std::uint64_t{1} << (32 - p.len)) - 1)) return quote(text) + " is the broadcast address of " + net;
    return std::nullopt;
}

}  // namespace

const char* family_name(net::Family f) { return f == net::Family::V4 ? "IPv4" : "IPv6"; }

bool is_link_local(const net::Prefix& p) {
    return p.family == net::Family::V6 && p.bytes[0] == 0xfe && (p.bytes[1] & 0xc0) == 0x80;
}

std::optional<std::string> host_bits_problem(const net::Prefix& p) {
    if (p == p.network()) return std::nullopt;
    return quote(p.str()) + " has host bits set; did you mean " + quote(p.network().str()) + "?";
}

std::optional<net::Prefix> read_cidr(const ojson& v, const std::string& pointer, Issues& issues,
                                     std::optional<net::Family> family, Cidr use) {
    auto text = get_string(v, pointer, issues);
    if (!text) return std::nullopt;
    auto p = net::Prefix::parse(*text);
    if (!p) {
        if (auto bare = net::Prefix::parse_addr(*text))
            issues.add(pointer, quote(*text) + " needs a prefix length, e.g. " +
                                    quote(*text + (bare->family == net::Family::V4 ? "/24" : "/64")));
        else
            issues.add(pointer, quote(*text) + " is not an address in CIDR notation, e.g. \"10.0.0.1/24\" or \"fd00::1/64\"");
        return std::nullopt;
    }
    if (family && p->family != *family) {
        const char* key = p->family == net::Family::V4 ? "ipv4" : "ipv6";
        issues.add(pointer, quote(*text) + " is an " + family_name(p->family) + " address; put it under " + quote(key));
        return std::nullopt;
    }
    if (use != Cidr::Pool) {
        std::optional<std::string> problem;
        if (is_multicast(*p))
            problem = quote(*text) + " is a multicast address";
        else if (is_unspecified(*p))
            problem = quote(*text) + " is the unspecified address";
        else if (use == Cidr::Interface)
            problem = interface_problem(*p, *text);
        if (problem) {
            issues.add(pointer, *problem);
            return std::nullopt;
        }
    }
    return p;
}

}  // namespace nslab::topo::detail
