#include "probe/inspect.hpp"

#include "lab/node_netns.hpp"

#include <map>

#include "util/error.hpp"

namespace nslab::probe {

NodeLive inspect_node(const lab::Lab& lab, const std::string& name, bool with_routes) {
    NodeLive live;
    const auto& nd = lab.node(name);
    live.name = name;
    live.kind = nd.kind;
    for (const auto& n : lab.state().nodes)
        if (n.name == name) live.pid = n.init.pid;
    sys::Fd pidfd;
    try {
        pidfd = lab.init_pidfd(name);
    } catch (const Error&) {
        return live;
    }
    live.running = true;
    nl::Socket sock = lab::node_socket(lab, name);
    auto links = sock.dump_links();
    std::map<int, std::size_t> by_index;
    for (const auto& l : links) {
        InterfaceLive i;
        i.name = l.name;
        i.kind = l.kind;
        i.up = l.up();
        i.carrier = l.carrier();
        i.mtu = l.mtu;
        if (l.mac) i.mac = net::mac_str(*l.mac);
        by_index[l.ifindex] = live.interfaces.size();
        live.interfaces.push_back(std::move(i));
    }
    for (std::size_t k = 0; k < links.size(); ++k)
        if (links[k].master && by_index.count(links[k].master))
            live.interfaces[k].master = live.interfaces[by_index[links[k].master]].name;
    for (const auto& a : sock.dump_addrs())
        if (by_index.count(a.ifindex)) live.interfaces[by_index[a.ifindex]].addrs.push_back(a.prefix);
    if (with_routes) {
        live.routes = sock.dump_routes(net::Family::V4);
        auto v6 = sock.dump_routes(net::Family::V6);
        live.routes.insert(live.routes.end(), v6.begin(), v6.end());
    }
    return live;
}

std::vector<NodeLive> inspect_lab(const lab::Lab& lab, bool with_routes) {
    std::vector<NodeLive> out;
    out.reserve(lab.model().nodes.size());
    for (const auto& n : lab.model().nodes) out.push_back(inspect_node(lab, n.name, with_routes));
    return out;
}

}  // namespace nslab::probe
