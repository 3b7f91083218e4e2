#include "net/ip.hpp"

#include <arpa/inet.h>
#include <sys/socket.h>

#include <charconv>
#include <cstdio>

namespace nslab::net {

int Prefix::af() const { return family == Family::V4 ? AF_INET : AF_INET6; }

std::string Prefix::addr_str() const {
    char buf[INET6_ADDRSTRLEN] = {};
    inet_ntop(af(), bytes.data(), buf, sizeof buf);
    return buf;
}

std::string Prefix::str() const { return addr_str() + "/" + std::to_string(len); }

Prefix Prefix::network() const {
    Prefix p = *this;
    for (std::size_t i = 0; i < size(); ++i) {
        int bits = len - static_cast<int>(i) * 8;
        std::uint8_t mask = bits >= 8 ? 0xff : bits <= 0 ? 0 : static_cast<std::uint8_t>(0xff << (8 - bits));
        p.bytes[i] &= mask;
    }
    return p;
}

bool Prefix::contains(const Prefix& a) const {
    if (a.family != family) return false;
    Prefix x = a;
    x.len = len;
    return x.network().bytes == network().bytes;
}

bool Prefix::overlaps(const Prefix& o) const {
    if (o.family != family) return false;
    return len <= o.len ? contains(o) : o.contains(*this);
}

Prefix Prefix::host(std::uint64_t index) const {
    Prefix p = network();
    std::size_t n = size();
    unsigned carry = 0;
    for (std::size_t i = 0; i < n; ++i) {
        std::size_t pos = n - 1 - i;
        unsigned add = i < 8 ? static_cast<unsigned>((index >> (8 * i)) & 0xff) : 0;
        unsigned v = p.bytes[pos] + add + carry;
        p.bytes[pos] = static_cast<std::uint8_t>(v);
        carry = v >> 8;
    }
    return p;
}

std::optional<Prefix> Prefix::parse(std::string_view text, bool bare_ok) {
    auto slash = text.find('/');
    std::string addr(text.substr(0, slash));
    Prefix p;
    if (inet_pton(AF_INET, addr.c_str(), p.bytes.data()) == 1) {
        p.family = Family::V4;
    } else if (inet_pton(AF_INET6, addr.c_str(), p.bytes.data()) == 1) {
        p.family = Family::V6;
    } else {
        return std::nullopt;
    }
    if (slash == std::string_view::npos) {
        if (!bare_ok) return std::nullopt;
        p.len = p.max_len();
        return p;
    }
    auto lentext = text.substr(slash + 1);
    if (lentext.empty() || lentext.size() > 3) return std::nullopt;
    int len = -1;
    auto [ptr, ec] = std::from_chars(lentext.data(), lentext.data() + lentext.size(), len);
    if (ec != std::errc() || ptr != lentext.data() + lentext.size() || len < 0 || len > p.max_len())
        return std::nullopt;
    p.len = len;
    return p;
}

std::optional<Mac> parse_mac(std::string_view text) {
    Mac m{};
    if (text.size() != 17) return std::nullopt;
    for (int i = 0; i < 6; ++i) {
        if (i > 0 && text[i * 3 - 1] != ':') return std::nullopt;
        auto part = text.substr(i * 3, 2);
        unsigned v = 0;
        auto [ptr, ec] = std::from_chars(part.data(), part.data() + 2, v, 16);
        if (ec != std::errc() || ptr != part.data() + 2) return std::nullopt;
        m[i] = static_cast<std::uint8_t>(v);
    }
    return m;
}

std::string mac_str(const Mac& m) {
    char buf[18];
    std::snprintf(buf, sizeof buf, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
    return buf;
}

}  // namespace nslab::net
