// `lab plan FILE --hosts HOSTS.json`: where each node of a lab over several machines would run,
// which links cross between machines (as VXLAN), and the `placement` to pin it down.
#include <iostream>
#include <map>

#include "args.hpp"
#include "commands.hpp"
#include "help.hpp"
#include "json_out.hpp"
#include "sys/files.hpp"
#include "table.hpp"
#include "topology/edit.hpp"
#include "topology/model.hpp"
#include "topology/partition.hpp"

namespace nslab::cli {

int cmd_plan(const Argv& argv) {
    Args a = parse_args(argv, {"--hosts", "--name"}, {"--json"});
    if (a.pos.size() != 1) throw UsageError(usage_line("plan"));
    const std::string path = a.pos[0];
    std::string text = sys::read_file(path);
    if (a.opts.count("--hosts")) text = topo::with_placement(text, sys::read_file(a.opt("--hosts")), a.opt("--hosts"));
    topo::ParseOptions po;
    po.source = path;
    po.name_override = a.opt("--name");
    topo::Model m = topo::parse(text, po);
    if (!m.placement) throw UsageError("lab plan: " + path + " has no \"placement\"; name the machines with --hosts HOSTS.json");
    const auto& pl = *m.placement;
    const auto cross = topo::crossings(m);
    std::map<std::string, std::vector<std::string>> on;
    for (std::size_t i = 0; i < m.nodes.size(); ++i)
        for (const auto& h : topo::hosts_of(m, i)) on[h].push_back(m.nodes[i].name);
    if (a.flag("--json")) {
        nlohmann::ordered_json j;
        j["lab"] = m.name;
        nlohmann::ordered_json nodes = nlohmann::ordered_json::object();
        for (std::size_t i = 0; i < m.nodes.size(); ++i) nodes[m.nodes[i].name] = pl.node_host[i];
        j["placement"] = {{"nodes", nodes}};
        nlohmann::ordered_json hosts = nlohmann::ordered_json::object();
        for (const auto& h : pl.hosts) hosts[h.name] = {{"address", h.address.addr_str()}, {"nodes", on[h.name]}};
        j["hosts"] = hosts;
        nlohmann::ordered_json xs = nlohmann::ordered_json::array();
        for (const auto& c : cross)
            xs.push_back({{"link", m.links[c.link].pointer},
                          {"endpoints", {m.endpoint_name(m.links[c.link].ends[0]), m.endpoint_name(m.links[c.link].ends[1])}},
                          {"hosts", {c.host[0], c.host[1]}}, {"vni", c.vni}, {"mtu", c.mtu}});
        j["crossings"] = xs;
        print_json(j);
        return 0;
    }
    std::cout << "lab " << m.name << " over " << pl.hosts.size() << " machines: " << m.nodes.size() << " nodes, "
              << cross.size() << " of " << m.links.size() << " links cross between machines (VXLAN)\n";
    Table t({"HOST", "ADDRESS", "NODES", ""});
    for (const auto& h : pl.hosts) {
        std::string names;
        for (const auto& n : on[h.name]) names += (names.empty() ? "" : " ") + n;
        if (names.size() > 60) names = names.substr(0, 57) + "...";
        t.add({h.name, h.address.addr_str(), std::to_string(on[h.name].size()), names});
    }
    t.print(std::cout);
    if (!cross.empty()) {
        std::cout << "\n";
        Table x({"LINK", "ENDPOINTS", "HOSTS", "VNI", "MTU"});
        for (const auto& c : cross)
            x.add({m.links[c.link].pointer, m.endpoint_name(m.links[c.link].ends[0]) + " <-> " + m.endpoint_name(m.links[c.link].ends[1]),
                   c.host[0] + " <-> " + c.host[1], std::to_string(c.vni), std::to_string(c.mtu)});
        x.print(std::cout);
    }
    return 0;
}

}  // namespace nslab::cli
