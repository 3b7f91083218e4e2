#include "topology/edit.hpp"

#include <set>

#include "topology/detail/build.hpp"
#include "topology/detail/json_util.hpp"

namespace nslab::topo {

namespace {

using detail::ojson;

[[noreturn]] void refuse(const std::string& pointer, const std::string& message) {
    throw TopologyError("change", {{pointer, message}});
}

ojson read(std::string_view text, const std::string& what) {
    detail::Issues issues;
    auto doc = detail::read_json(text, issues);
    if (!doc || !doc->is_object()) refuse("", what + " is not a JSON object");
    return std::move(*doc);
}

ojson read_spec(std::string_view spec, const std::string& what) {
    if (spec.find_first_not_of(" \t\r\n") == std::string_view::npos) return ojson::object();
    return read(spec, what);
}

// Removing links renumbers a switch's automatically named ports ("p<k>" counts its ports in
// link order): every remaining one is written out under the name it has now, so its interface
// stays what it is in the running lab.
void name_switch_ports(ojson& doc, const Model& current, const std::set<std::size_t>& removed) {
    auto& links = doc["links"];
    for (std::size_t i = 0; i < current.links.size() && i < links.size(); ++i) {
        if (removed.count(i)) continue;
        auto& eps = links[i]["endpoints"];
        for (int e = 0; e < 2 && e < static_cast<int>(eps.size()); ++e) {
            const auto& end = current.links[i].ends[e];
            if (current.nodes[end.node].kind != NodeKind::Switch) continue;
            auto& ep = eps[static_cast<std::size_t>(e)];
            if (ep.is_string() && ep.get<std::string>().find(':') == std::string::npos)
                ep = current.endpoint_name(end);
            else if (ep.is_object() && !ep.contains("iface"))
                ep["iface"] = end.iface;
        }
    }
}

std::string erase_links(std::string_view text, const Model& current, const std::set<std::size_t>& gone,
                        const std::string& node_to_drop) {
    ojson doc = read(text, "the lab's topology");
    name_switch_ports(doc, current, gone);
    if (doc.contains("links")) {
        ojson kept = ojson::array();
        for (std::size_t i = 0; i < doc["links"].size(); ++i)
            if (!gone.count(i)) kept.push_back(doc["links"][i]);
        doc["links"] = std::move(kept);
    }
    if (!node_to_drop.empty()) doc["nodes"].erase(node_to_drop);
    return doc.dump(2) + "\n";
}

}  // namespace

std::string with_node(std::string_view text, const std::string& name, std::string_view spec) {
    ojson doc = read(text, "the lab's topology");
    ojson node = read_spec(spec, "node " + name + "'s spec");
    if (!doc.contains("nodes") || !doc["nodes"].is_object()) doc["nodes"] = ojson::object();
    if (doc["nodes"].contains(name)) refuse("/nodes/" + name, "the lab already has a node " + name);
    doc["nodes"][name] = std::move(node);
    return doc.dump(2) + "\n";
}

std::string without_node(std::string_view text, const Model& current, const std::string& name) {
    auto index = current.index_of(name);
    if (!index) refuse("/nodes/" + name, "the lab has no node " + name);
    std::set<std::size_t> gone;
    for (std::size_t i = 0; i < current.links.size(); ++i)
        for (const auto& end : current.links[i].ends)
            if (end.node == *index) gone.insert(i);
    return erase_links(text, current, gone, name);
}

std::string with_link(std::string_view text, const std::string& a, const std::string& b, std::string_view spec) {
    ojson doc = read(text, "the lab's topology");
    ojson link = read_spec(spec, "the link's spec");
    if (link.contains("endpoints")) refuse("/endpoints", "give the endpoints as the two arguments, not in the spec");
    ojson out = ojson::object();
    out["endpoints"] = ojson::array({a, b});
    for (auto& [k, v] : link.items()) out[k] = v;
    if (!doc.contains("links") || !doc["links"].is_array()) doc["links"] = ojson::array();
    doc["links"].push_back(std::move(out));
    return doc.dump(2) + "\n";
}

std::string without_link(std::string_view text, const Model& current, const std::string& endpoint) {
    for (std::size_t i = 0; i < current.links.size(); ++i)
        for (const auto& end : current.links[i].ends)
            if (current.endpoint_name(end) == endpoint) return erase_links(text, current, {i}, "");
    std::string ends;
    std::size_t shown = 0;
    for (const auto& l : current.links)
        for (const auto& e : l.ends)
            if (shown++ < 20) ends += (ends.empty() ? "" : ", ") + current.endpoint_name(e);
    if (shown > 20) ends += ", ...";
    refuse("", "no link has the end " + endpoint + (ends.empty() ? std::string(" (the lab has no links)") : " (ends: " + ends + ")"));
}

std::string with_placement(std::string_view text, std::string_view hosts, const std::string& hosts_source) {
    ojson doc = read(text, "the topology");
    detail::Issues issues;
    auto h = detail::read_json(hosts, issues);
    if (!h || !h->is_object()) throw TopologyError(hosts_source, {{"", "not a JSON object of \"hosts\" (and \"nodes\")"}});
    ojson& p = doc["placement"];
    if (!p.is_object()) p = ojson::object();
    for (const auto& [k, v] : h->items()) {
        if (k == "nodes" && p.contains("nodes") && p["nodes"].is_object() && v.is_object())
            for (const auto& [node, host] : v.items()) p["nodes"][node] = host;
        else
            p[k] = v;
    }
    return doc.dump(2);
}

}  // namespace nslab::topo
