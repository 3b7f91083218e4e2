// `rules`: policy-routing rules, read with the node (read_rules), then checked against its
// interfaces and vrfs once the links are read (check_rules).
#include <algorithm>

#include "topology/detail/build.hpp"
#include "topology/detail/names.hpp"
#include "topology/detail/suggest.hpp"

namespace nslab::topo::detail {

namespace {

constexpr std::string_view kRuleKeys[] = {"from", "to", "iif", "oif", "fwmark", "table", "priority"};

std::optional<Rule> read_rule(const ojson& v, const std::string& pointer, Issues& issues) {
    if (!expect(v, Want::Object, pointer, issues)) return std::nullopt;
    check_keys(v, pointer, kRuleKeys, issues);
    const std::size_t before = issues.size();
    Rule r;
    r.pointer = pointer;
    for (auto [key, prefix] : {std::pair{"from", &r.from}, std::pair{"to", &r.to}})
        if (v.contains(key)) *prefix = read_network(v[key], child(pointer, key), issues, "network", "\"10.1.0.0/24\"");
    for (auto [key, name] : {std::pair{"iif", &r.iif}, std::pair{"oif", &r.oif}}) {
        if (!v.contains(key)) continue;
        auto text = get_string(v[key], child(pointer, key), issues);
        if (!text) continue;
        if (*text != "lo")
            if (auto problem = ifname_problem(*text)) issues.add(child(pointer, key), *problem);
        *name = *text;
    }
    if (v.contains("fwmark"))
        if (auto m = get_int(v["fwmark"], child(pointer, "fwmark"), issues, 0, UINT32_MAX)) r.fwmark = static_cast<std::uint32_t>(*m);
    // 0 is the kernel's own local-table rule, which stays first.
    if (v.contains("priority"))
        if (auto p = get_int(v["priority"], child(pointer, "priority"), issues, 1, UINT32_MAX)) r.priority = static_cast<std::uint32_t>(*p);
    if (v.contains("table"))
        read_table(v["table"], child(pointer, "table"), issues, r.table, r.table_vrf);
    else
        issues.add(pointer, "a rule needs \"table\" (a number, or the name of a vrf interface of the node)");
    if (r.from && r.to && r.from->family != r.to->family)
        issues.add(child(pointer, "to"), "to " + r.to->str() + " is " + family_name(r.to->family) + " but \"from\" (" + r.from->str() +
                                             ") is " + family_name(r.from->family));
    if (issues.size() != before) return std::nullopt;
    if (r.from) r.family = r.from->family;
    else if (r.to) r.family = r.to->family;
    return r;
}

}  // namespace

std::vector<Rule> read_rules(const ojson& v, const std::string& pointer, Issues& issues) {
    return read_list(v, pointer, issues, read_rule);
}

void check_rules(Draft& d) {
    for (Node& node : d.model.nodes) {
        const auto names = interface_names(node, true);
        for (Rule& r : node.rules) {
            resolve_table(node, child(r.pointer, "table"), r.table_vrf, r.table, d.issues);
            for (auto [key, name] : {std::pair{"iif", &r.iif}, std::pair{"oif", &r.oif}})
                if (!name->empty() && std::find(names.begin(), names.end(), *name) == names.end())
                    d.issues.add(child(r.pointer, key), "node " + quote(node.name) + " has no interface " + quote(*name) +
                                                            did_you_mean(*name, names, "interfaces"));
        }
    }
}

}  // namespace nslab::topo::detail
