#include "print.hpp"

#include <cstdio>

#include "table.hpp"

namespace nslab::cli {

std::string printable(const std::string& s) {
    std::string out;
    for (unsigned char c : s) {
        if (c < 0x20 || c == 0x7f || c == '\\') {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\x%02x", c);
            out += buf;
        } else {
            out += static_cast<char>(c);
        }
    }
    return out;
}

std::string format_ms(double ms) {
    char buf[32];
    if (ms < 1000) std::snprintf(buf, sizeof buf, "%.1f ms", ms);
    else std::snprintf(buf, sizeof buf, "%.2f s", ms / 1000);
    return buf;
}

namespace {
std::string join(const std::vector<net::Prefix>& addrs) {
    std::string s;
    for (const auto& a : addrs) s += (s.empty() ? "" : " ") + a.str();
    return s;
}
}  // namespace

void print_model(std::ostream& os, const topo::Model& m) {
    Table t({"NODE", "KIND", "INTERFACE", "PEER", "ADDRESSES"});
    for (const auto& n : m.nodes) {
        bool first = true;
        auto row = [&](const std::string& itf, const std::string& peer, const std::string& addrs) {
            t.add({first ? n.name : "", first ? topo::to_string(n.kind) : "", itf, peer, addrs});
            first = false;
        };
        if (!n.loopback.empty()) row("lo", "", join(n.loopback));
        for (const auto& i : n.interfaces) {
            const auto& link = m.links[i.link];
            row(i.name, m.endpoint_name(link.ends[1 - i.end]), join(i.addrs));
        }
        // A node's own interfaces have no peer: the column says what they are instead.
        for (const auto& d : n.devices) row(d.name, std::string("(") + topo::to_string(d.kind) + ")", join(d.addrs));
        if (first) row("", "", "");
    }
    t.print(os);
}

namespace {
// "vlan 10; tagged 20,30" for a port of a VLAN-aware switch, as the topology set it.
std::string port_vlans(const topo::Model* m, const std::string& node, const std::string& port) {
    const topo::Node* n = m ? m->find(node) : nullptr;
    const topo::Interface* i = n && n->vlan_filtering ? n->find_interface(port) : nullptr;
    if (!i) return "";
    std::string s = i->pvid ? "vlan " + std::to_string(*i->pvid) : i->vlans.empty() ? "vlan 1" : "";
    std::string tagged;
    for (auto v : i->vlans) tagged += (tagged.empty() ? "" : ",") + std::to_string(v);
    if (!tagged.empty()) s += (s.empty() ? "" : "; ") + std::string("tagged ") + tagged;
    return " [" + s + "]";
}
}  // namespace

void print_live(std::ostream& os, const std::vector<probe::NodeLive>& nodes, const topo::Model* model) {
    Table t({"NODE", "KIND", "PID", "INTERFACE", "STATE", "MTU", "ADDRESSES"});
    for (const auto& n : nodes) {
        bool first = true;
        auto head = [&](std::vector<std::string> rest) {
            std::vector<std::string> row = {first ? n.name : "", first ? topo::to_string(n.kind) : "",
                                            first ? std::to_string(n.pid) : ""};
            row.insert(row.end(), rest.begin(), rest.end());
            t.add(row);
            first = false;
        };
        if (!n.running) {
            head({"", "gone", "", ""});
            continue;
        }
        for (const auto& i : n.interfaces) {
            std::vector<net::Prefix> shown;
            for (const auto& a : i.addrs) {
                // fe80::/10 is on every IPv6 interface; listing it adds noise, not information.
                if (a.family == net::Family::V6 && a.bytes[0] == 0xfe && (a.bytes[1] & 0xc0) == 0x80) continue;
                shown.push_back(a);
            }
            std::string state = !i.up ? "down" : i.carrier || i.name == "lo" ? "up" : "no-carrier";
            // Names come from the kernel: a program in the node may have made one with escape
            // sequences that would rewrite the terminal.
            std::string name = printable(i.name) + (i.master.empty() ? "" : " (" + printable(i.master) + ")") +
                               port_vlans(model, n.name, i.name);
            head({name, state, std::to_string(i.mtu), join(shown)});
        }
    }
    t.print(os);
}

}  // namespace nslab::cli
