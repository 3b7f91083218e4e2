#include "lab/links.hpp"

#include <cerrno>
#include <map>

#include "lab/node_netns.hpp"
#include "plan/messages.hpp"
#include "util/error.hpp"

namespace nslab::lab {

const topo::Link& find_link(const topo::Model& m, const std::string& endpoint) {
    auto colon = endpoint.find(':');
    std::string node = endpoint.substr(0, colon);
    std::string iface = colon == std::string::npos ? "" : endpoint.substr(colon + 1);
    const topo::Node* n = m.find(node);
    if (!n) throw Error("no node \"" + node + "\" in lab " + m.name);
    std::string known;
    for (const auto& i : n->interfaces) {
        if (i.name == iface) return m.links[i.link];
        known += (known.empty() ? "" : ", ") + node + ":" + i.name;
    }
    throw Error("no link at \"" + endpoint + "\" in lab " + m.name + " (" + node + " has " +
                (known.empty() ? std::string("no links") : known) + ")");
}

namespace {
// The kernel deleted the node's IPv4 routes through the interface when it went down; put the
// topology's back. Those still there answer EEXIST, those through another link that is down
// ENETUNREACH: both are as they should be.
void restore_routes(nl::Socket& s, const topo::Node& node) {
    if (node.routes.empty()) return;
    std::map<std::string, int> index;
    for (const auto& l : s.dump_links()) index[l.name] = l.ifindex;
    const auto steps = plan::route_steps(node, index);
    std::vector<nl::Message> msgs;
    for (const auto& step : steps) msgs.push_back(*plan::message_for(step, {}));
    for (const auto& f : s.execute(msgs))
        if (f.err != EEXIST && f.err != ENETUNREACH && f.err != ENETDOWN) {
            const std::string text = nl::NetlinkError("node " + node.name + ": " + f.what, f.err, f.ext_ack).what();
            throw NodeError({node.name, steps[f.index].pointer, steps[f.index].id, true}, f.what, f.err, f.ext_ack, text);
        }
}
}  // namespace

void set_link_up(const Lab& lab, const std::string& endpoint, bool up, const std::string& only_end) {
    const auto& link = find_link(lab.model(), endpoint);
    const std::string ends[2] = {lab.model().endpoint_name(link.ends[0]), lab.model().endpoint_name(link.ends[1])};
    if (!only_end.empty() && only_end != ends[0] && only_end != ends[1])
        throw Error("\"" + only_end + "\" is not an end of the link " + ends[0] + " <-> " + ends[1]);
    for (const auto& e : link.ends) {
        const std::string& node = lab.model().nodes[e.node].name;
        if (!only_end.empty() && lab.model().endpoint_name(e) != only_end) continue;
        nl::LinkChange c;
        c.name = e.iface;
        c.up = up;
        nl::Socket s = node_socket(lab, node);
        s.execute_or_throw({nl::set_link(c, std::string(up ? "set " : "unset ") + e.iface + " up")}, "node " + node);
        if (up) restore_routes(s, lab.model().nodes[e.node]);
    }
}

LinkState link_state(const Lab& lab, const std::string& endpoint) {
    const auto& link = find_link(lab.model(), endpoint);
    LinkState st;
    for (int k = 0; k < 2; ++k) {
        const auto& e = link.ends[k];
        const std::string& node = lab.model().nodes[e.node].name;
        st.ends[k].endpoint = node + ":" + e.iface;
        for (const auto& l : node_socket(lab, node).dump_links())
            if (l.name == e.iface) {
                st.ends[k].up = l.up();
                st.ends[k].carrier = l.carrier();
                st.ends[k].mtu = l.mtu;
            }
    }
    return st;
}

}  // namespace nslab::lab
