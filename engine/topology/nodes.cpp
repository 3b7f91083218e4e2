// The `nodes` object, each node seen through `defaults`.
#include "topology/detail/names.hpp"
#include "topology/detail/node.hpp"

namespace nslab::topo::detail {

namespace {

constexpr std::string_view kNodeKeys[] = {"kind", "hostname", "loopback", "sysctls", "routes", "env",
                                          "private_dirs", "files", "exec", "limits", "namespaces", "rootfs",
                                          "time_offsets", "mounts", "shared_tmp", "frr", "bird", "interfaces",
                                          "rules", "vlan_filtering"};

const ojson* read_defaults(const ojson& doc, Issues& issues) {
    if (!doc.contains("defaults")) return nullptr;
    const ojson& defaults = doc["defaults"];
    if (!expect(defaults, Want::Object, std::string(kDefaultsPointer), issues)) return nullptr;
    check_keys(defaults, std::string(kDefaultsPointer), kNodeKeys, issues);
    return &defaults;
}

}  // namespace

void read_nodes(const ojson& doc, Draft& d) {
    const ojson* defaults = read_defaults(doc, d.issues);
    if (!doc.contains("nodes")) {
        d.issues.add("", "missing \"nodes\" (an object: node name -> node)");
        return;
    }
    const ojson& nodes = doc["nodes"];
    if (!expect(nodes, Want::Object, "/nodes", d.issues)) return;
    d.model.nodes.reserve(nodes.size());
    for (const auto& [name, node] : nodes.items()) {
        std::string pointer = child("/nodes", name);
        if (auto problem = node_name_problem(name)) d.issues.add(pointer, *problem);
        // A node with a bad name or body still joins the model, so links naming it do not
        // add an "unknown node" to the real problem.
        if (!expect(node, Want::Object, pointer, d.issues)) {
            d.model.nodes.push_back(Node{.name = name, .hostname = name, .pointer = pointer});
            continue;
        }
        check_keys(node, pointer, kNodeKeys, d.issues);
        bool own_switch = node.contains("kind") && node["kind"] == "switch";
        d.model.nodes.push_back(read_node(name, NodeView(node, pointer, own_switch ? nullptr : defaults), d));
    }
}

}  // namespace nslab::topo::detail
