// IPv4/IPv6 addresses and prefixes: parsed once from text, carried as bytes, printed back in
// canonical form. Shared by the topology model and the netlink message builders.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace nslab::net {

enum class Family : std::uint8_t { V4, V6 };

// An interface address with its prefix length ("10.0.0.1/24"), or a bare address (len = 32/128).
struct Prefix {
    Family family = Family::V4;
    std::array<std::uint8_t, 16> bytes{};  // V4 uses the first 4
    int len = 0;

    int af() const;                  // AF_INET / AF_INET6
    int max_len() const { return family == Family::V4 ? 32 : 128; }
    std::size_t size() const { return family == Family::V4 ? 4 : 16; }
    std::string addr_str() const;    // "10.0.0.1"
    std::string str() const;         // "10.0.0.1/24"
    Prefix network() const;          // host bits cleared
    bool contains(const Prefix& addr) const;  // same family and addr within this network
    bool overlaps(const Prefix& other) const;
    Prefix host(std::uint64_t index) const;  // network() + index (low 64 bits), same len

    // "10.0.0.1/24", "fd00::1/64"; without "/len" only when bare_ok (then len = max).
    static std::optional<Prefix> parse(std::string_view text, bool bare_ok = false);
    static std::optional<Prefix> parse_addr(std::string_view text) { return parse(text, true); }

    friend bool operator==(const Prefix&, const Prefix&) = default;
};

// The MAC as six bytes; "02:00:00:00:00:01".
using Mac = std::array<std::uint8_t, 6>;
std::optional<Mac> parse_mac(std::string_view text);
std::string mac_str(const Mac& m);

}  // namespace nslab::net
