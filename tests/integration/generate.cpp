#include "generate.hpp"

#include <nlohmann/json.hpp>

namespace nslab::test {

std::string routed_line(const std::string& name, int n) {
    using nlohmann::ordered_json;
    ordered_json nodes = ordered_json::object(), links = ordered_json::array();
    auto sub = [](int i, int host) { return "10.1." + std::to_string(i) + "." + std::to_string(host); };
    for (int i = 1; i <= n; ++i) {
        ordered_json routes = ordered_json::array();
        if (i < n) routes.push_back({{"to", "10.1.0.0/16"}, {"via", sub(i, 2)}});
        if (i > 2) routes.push_back({{"to", "10.1.1.0/30"}, {"via", sub(i - 1, 1)}});
        nodes["r" + std::to_string(i)] = {{"routes", routes}};
        if (i < n)
            links.push_back({{"endpoints", {"r" + std::to_string(i) + ":eth2", "r" + std::to_string(i + 1) + ":eth1"}},
                             {"ipv4", {sub(i, 1) + "/30", sub(i, 2) + "/30"}}});
    }
    ordered_json topo = {{"name", name},
                         {"defaults", {{"kind", "router"}, {"sysctls", {{"net.ipv4.ip_default_ttl", "255"}}}}},
                         {"nodes", nodes},
                         {"links", links}};
    return topo.dump(1);
}

}  // namespace nslab::test
