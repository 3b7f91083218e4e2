// The top level of a topology: which version it is, what the lab is called, which pools
// auto-addressing draws from.
#include "topology/detail/build.hpp"
#include "topology/detail/names.hpp"

namespace nslab::topo::detail {

namespace {

constexpr int kVersion = 1;
// "$schema" lets editors find topologies/schema.json; it means nothing to the lab.
constexpr std::string_view kTopKeys[] = {"version", "name", "nodes", "links", "defaults", "addressing", "placement", "$schema"};
constexpr std::string_view kAddressingKeys[] = {"ipv4", "ipv6"};

bool read_version(const ojson& doc, Draft& d) {
    if (!doc.contains("version")) return true;
    auto v = get_int(doc["version"], "/version", d.issues, 0, INT64_MAX);
    if (!v) return true;
    if (*v != kVersion) {
        d.issues.add("/version", "unsupported version " + std::to_string(*v) + " (this build knows version " +
                                     std::to_string(kVersion) + ")");
        return false;
    }
    d.model.version = kVersion;
    return true;
}

// The file's own name must be right even when --name replaces it: the file may run without it.
void read_name(const ojson& doc, const ParseOptions& opts, Draft& d) {
    if (doc.contains("name")) {
        if (auto name = get_string(doc["name"], "/name", d.issues)) {
            if (auto problem = lab_name_problem(*name))
                d.issues.add("/name", *problem);
            else
                d.model.name = *name;
        }
    } else if (opts.name_override.empty()) {
        d.issues.add("", "missing \"name\" (the lab's name)");
    }
    if (!opts.name_override.empty()) {
        if (auto problem = lab_name_problem(opts.name_override))
            d.issues.add("", "--name: " + *problem);
        else
            d.model.name = opts.name_override;
    }
}

// The smallest subnet each family hands out: a /30 point-to-point link, a /64.
std::optional<net::Prefix> read_pool(const ojson& v, const std::string& pointer, net::Family family, Issues& issues) {
    auto pool = read_cidr(v, pointer, issues, family, Cidr::Pool);
    if (!pool) return std::nullopt;
    if (auto problem = host_bits_problem(*pool)) {
        issues.add(pointer, *problem);
        return std::nullopt;
    }
    // Handing out 0.0.0.1, ::1 or a multicast address would give hosts addresses no stack
    // accepts as its own; a pool of ::/0 also spans 2^128 addresses, more than the allocator counts.
    static constexpr const char* kReserved[] = {"0.0.0.0/8", "127.0.0.0/8", "224.0.0.0/3", "::/8", "ff00::/8"};
    for (const char* text : kReserved) {
        auto reserved = net::Prefix::parse(text);
        if (reserved && reserved->family == pool->family && reserved->overlaps(*pool)) {
            issues.add(pointer, pool->str() + " overlaps " + text + ", which holds no host addresses; use a private range such as " +
                                    (family == net::Family::V4 ? "\"10.200.0.0/16\"" : "\"fd00:200::/48\""));
            return std::nullopt;
        }
    }
    int longest = family == net::Family::V4 ? 30 : 64;
    if (pool->len > longest) {
        issues.add(pointer, pool->str() + " is too small: auto-addressing needs at least a /" + std::to_string(longest));
        return std::nullopt;
    }
    return pool;
}

void read_addressing(const ojson& doc, Draft& d) {
    if (!doc.contains("addressing")) return;
    const ojson& a = doc["addressing"];
    if (!expect(a, Want::Object, "/addressing", d.issues)) return;
    check_keys(a, "/addressing", kAddressingKeys, d.issues);
    if (a.contains("ipv4")) d.model.addressing_v4 = read_pool(a["ipv4"], "/addressing/ipv4", net::Family::V4, d.issues);
    if (a.contains("ipv6")) d.model.addressing_v6 = read_pool(a["ipv6"], "/addressing/ipv6", net::Family::V6, d.issues);
}

}  // namespace

bool read_document(const ojson& doc, const ParseOptions& opts, Draft& d) {
    if (!expect(doc, Want::Object, "", d.issues)) return false;
    // A newer file may use keys this build has never heard of: its version is the one issue.
    if (!read_version(doc, d)) return false;
    check_keys(doc, "", kTopKeys, d.issues);
    if (doc.contains("$schema")) get_string(doc["$schema"], "/$schema", d.issues);
    read_name(doc, opts, d);
    read_addressing(doc, d);
    return true;
}

}  // namespace nslab::topo::detail
