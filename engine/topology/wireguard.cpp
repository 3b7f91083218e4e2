// A wireguard interface's keys: its private key and port, and its peers (TOPOLOGY.md "Nodes:
// interfaces beyond veth", kind `wireguard`). Keys are written as `wg` prints them: standard
// base64 of 32 bytes, 44 characters ending in "=".
#include <charconv>

#include "topology/detail/devices.hpp"

namespace nslab::topo::detail {

namespace {

constexpr std::string_view kPeerKeys[] = {"public_key", "endpoint", "allowed_ips", "keepalive"};

int base64_value(char c) {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
}

// 32 bytes take 43 base64 digits and one "=" of padding; the last digit's two low bits are
// padding too and must be zero, or another text would stand for the same key.
std::optional<WgKey> decode_key(std::string_view text) {
    if (text.size() != 44 || text[43] != '=') return std::nullopt;
    WgKey key{};
    std::uint32_t acc = 0;
    int bits = 0;
    std::size_t out = 0;
    for (std::size_t i = 0; i < 43; ++i) {
        int v = base64_value(text[i]);
        if (v < 0) return std::nullopt;
        acc = (acc << 6) | static_cast<std::uint32_t>(v);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            key[out++] = static_cast<std::uint8_t>(acc >> bits);
            acc &= (1u << bits) - 1;
        }
    }
    if (out != key.size() || acc != 0) return std::nullopt;
    return key;
}

std::optional<WgKey> read_key(const ojson& v, const std::string& pointer, Issues& issues) {
    auto text = get_string(v, pointer, issues);
    if (!text) return std::nullopt;
    auto key = decode_key(*text);
    if (!key) issues.add(pointer, quote(*text) + " is not a WireGuard key: 44 characters of base64 for 32 bytes, as `wg genkey` and `wg pubkey` print them");
    return key;
}

// "192.0.2.1:51820" or "[fd00::1]:51820".
void read_endpoint(const ojson& v, const std::string& pointer, WgPeer& peer, Issues& issues) {
    auto text = get_string(v, pointer, issues);
    if (!text) return;
    const std::string& t = *text;
    const auto colon = t.rfind(':');
    std::string host, port;
    if (colon != std::string::npos) {
        host = t.substr(0, colon);
        port = t.substr(colon + 1);
    }
    const bool bracketed = host.size() > 2 && host.front() == '[' && host.back() == ']';
    if (bracketed) host = host.substr(1, host.size() - 2);
    auto addr = net::Prefix::parse_addr(host);
    unsigned number = 0;
    auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), number);
    const bool port_ok = !port.empty() && ec == std::errc() && end == port.data() + port.size() && number >= 1 && number <= 65535;
    if (!addr || !port_ok || bracketed != (addr->family == net::Family::V6)) {
        issues.add(pointer, quote(t) + " is not an endpoint: \"address:port\" (\"192.0.2.1:51820\") or \"[IPv6 address]:port\" (\"[fd00::1]:51820\")");
        return;
    }
    peer.endpoint = addr;
    peer.endpoint_port = static_cast<std::uint16_t>(number);
}

std::optional<WgPeer> read_peer(const ojson& v, const std::string& pointer, Issues& issues) {
    if (!expect(v, Want::Object, pointer, issues)) return std::nullopt;
    check_keys(v, pointer, kPeerKeys, issues);
    WgPeer peer;
    auto at = [&](const char* key) { return child(pointer, key); };
    if (!v.contains("public_key")) {
        issues.add(pointer, "a peer needs \"public_key\"");
    } else if (auto key = read_key(v["public_key"], at("public_key"), issues)) {
        peer.public_key = *key;
    }
    if (v.contains("endpoint")) read_endpoint(v["endpoint"], at("endpoint"), peer, issues);
    if (v.contains("allowed_ips") && expect(v["allowed_ips"], Want::Array, at("allowed_ips"), issues))
        for (std::size_t i = 0; i < v["allowed_ips"].size(); ++i) {
            const std::string ai = child(at("allowed_ips"), i);
            auto p = read_cidr(v["allowed_ips"][i], ai, issues, std::nullopt, Cidr::Pool);
            if (!p) continue;
            if (auto problem = host_bits_problem(*p)) issues.add(ai, *problem);
            else peer.allowed_ips.push_back(*p);
        }
    if (v.contains("keepalive"))
        if (auto k = get_int(v["keepalive"], at("keepalive"), issues, 0, 65535)) peer.keepalive = static_cast<std::uint16_t>(*k);
    return peer;
}

}  // namespace

void read_wireguard_keys(const ojson& spec, const std::string& pointer, Device& dev, Issues& issues) {
    auto at = [&](const char* key) { return child(pointer, key); };
    if (!spec.contains("private_key"))
        issues.add(pointer, "a wireguard interface needs \"private_key\" (`wg genkey` makes one)");
    else if (auto key = read_key(spec["private_key"], at("private_key"), issues))
        dev.private_key = *key;
    if (spec.contains("listen_port"))
        if (auto p = get_int(spec["listen_port"], at("listen_port"), issues, 1, 65535)) dev.listen_port = static_cast<std::uint16_t>(*p);
    if (!spec.contains("peers") || !expect(spec["peers"], Want::Array, at("peers"), issues)) return;
    for (std::size_t i = 0; i < spec["peers"].size(); ++i) {
        const std::string pi = child(at("peers"), i);
        auto peer = read_peer(spec["peers"][i], pi, issues);
        if (!peer) continue;
        for (const WgPeer& other : dev.peers)
            if (other.public_key == peer->public_key) issues.add(child(pi, "public_key"), "this public key is already another peer's");
        dev.peers.push_back(std::move(*peer));
    }
}

}  // namespace nslab::topo::detail
