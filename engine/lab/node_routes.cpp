#include "lab/node_routes.hpp"

namespace nslab::lab {

std::vector<nl::Message> route_messages(const topo::Node& node, const std::map<std::string, int>& index) {
    std::vector<nl::Message> msgs;
    for (const auto& r : node.routes) {
        nl::RouteSpec spec;
        spec.to = r.to.network();
        spec.via = r.via;
        spec.metric = r.metric;
        if (!r.dev.empty()) {
            auto it = index.find(r.dev);
            spec.oif = it == index.end() ? 0 : it->second;
        }
        spec.onlink = r.onlink;
        std::string what = "add route " + r.to.str() + (r.via ? " via " + r.via->addr_str() : "") +
                           (r.dev.empty() ? "" : " dev " + r.dev) + " (" + r.pointer + ")";
        msgs.push_back(nl::new_route(spec, what));
    }
    return msgs;
}

}  // namespace nslab::lab
