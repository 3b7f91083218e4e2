#include "view/describe.hpp"

#include <cstring>

#include "impair/spec.hpp"
#include "lab/daemons.hpp"
#include "lab/impair.hpp"
#include "lab/summary.hpp"
#include "probe/inspect.hpp"
#include "lab/paths.hpp"
#include "netlink/netlink.hpp"
#include "sys/files.hpp"
#include "topology/model.hpp"
#include "util/error.hpp"

namespace nslab::view {

using json = nlohmann::ordered_json;

namespace {

json prefixes(const std::vector<net::Prefix>& v) {
    json a = json::array();
    for (const auto& p : v) a.push_back(p.str());
    return a;
}

json node_json(const lab::Lab& lab, const topo::Node& n) {
    const auto& m = lab.model();
    probe::NodeLive live = probe::inspect_node(lab, n.name);
    std::string pin = lab::pin_path(lab.name(), n.name);
    json j = {{"name", n.name},
              {"kind", topo::to_string(n.kind)},
              {"hostname", n.hostname},
              {"pid", live.pid},
              {"running", live.running},
              {"netns", sys::exists(pin) ? json(pin) : json(nullptr)},
              {"daemons", lab::node_daemons(n)}};
    json itfs = json::array();
    for (const auto& i : live.interfaces) {
        json x = {{"name", i.name}, {"kind", i.kind}, {"up", i.up},         {"carrier", i.carrier},
                  {"mtu", i.mtu},   {"mac", i.mac},   {"master", i.master}, {"addresses", prefixes(i.addrs)},
                  {"peer", nullptr}, {"configured", json::array()}};
        if (i.name == "lo") x["configured"] = prefixes(n.loopback);
        for (const auto& c : n.interfaces)
            if (c.name == i.name) {
                x["peer"] = m.endpoint_name(m.links[c.link].ends[1 - c.end]);
                x["configured"] = prefixes(c.addrs);
                // A VLAN-aware switch's port: its untagged VLAN (the bridge's default 1 unless
                // set) and its tagged ones.
                if (n.vlan_filtering) {
                    x["pvid"] = c.pvid ? json(*c.pvid) : (c.vlans.empty() ? json(1) : json(nullptr));
                    x["vlans"] = c.vlans;
                }
            }
        if (const topo::Device* d = n.find_device(i.name)) x["configured"] = prefixes(d->addrs);
        itfs.push_back(std::move(x));
    }
    j["interfaces"] = std::move(itfs);
    return j;
}

}  // namespace

json describe(const lab::Lab& lab) {
    const auto& st = lab.state();
    const auto& m = lab.model();
    json timings = {{"build_ms", st.up_ms}};
    if (!lab.stage_ms().empty()) {
        json stages = json::object();
        for (const auto& [stage, ms] : lab.stage_ms()) stages[stage] = ms;
        timings["stages_ms"] = std::move(stages);
    }
    bool alive = lab::keeper_alive(st);
    json j = {{"name", lab.name()},
              {"status", alive ? st.status : "keeper gone"},
              {"source", st.source},
              {"ephemeral", st.ephemeral},
              {"created", st.created},
              {"keeper", {{"pid", st.keeper.pid}, {"alive", alive}}},
              {"state_dir", lab::lab_dir(lab.name())},
              {"timings", std::move(timings)}};
    json nodes = json::array();
    if (st.fleet) {
        // Its nodes run on other machines: where each is; `lab status` asks them for the rest.
        for (std::size_t i = 0; i < m.nodes.size(); ++i)
            nodes.push_back({{"name", m.nodes[i].name}, {"kind", topo::to_string(m.nodes[i].kind)}, {"host", m.placement->node_host[i]}});
        j["nodes"] = std::move(nodes);
        json links = json::array();
        for (const auto& k : m.links) links.push_back({{"endpoints", {m.endpoint_name(k.ends[0]), m.endpoint_name(k.ends[1])}}});
        j["links"] = std::move(links);
        return j;
    }
    for (const auto& n : m.nodes) nodes.push_back(node_json(lab, n));
    j["nodes"] = std::move(nodes);
    auto im = lab::impairments(lab);
    json links = json::array();
    for (std::size_t i = 0; i < m.links.size(); ++i) {
        const auto& k = m.links[i];
        const lab::LinkImpairment& li = im[i];
        links.push_back({{"endpoints", {m.endpoint_name(k.ends[0]), m.endpoint_name(k.ends[1])}},
                         {"impairment", {{"path", li.path}, {"netem", impair::format_netem(li.netem)}}}});
    }
    j["links"] = std::move(links);
    return j;
}

json describe_labs() {
    json labs = json::array();
    for (const auto& [name, st, alive] : lab::summaries()) {
        if (!st) {
            labs.push_back({{"name", name}, {"status", "incomplete"}});
            continue;
        }
        labs.push_back({{"name", name},
                        {"status", alive ? st->status : "keeper gone"},
                        {"nodes", st->nodes.size()},
                        {"keeper", {{"pid", st->keeper.pid}, {"alive", alive}}},
                        {"created", st->created},
                        {"source", st->source}});
    }
    return {{"labs", labs}};
}

json describe_run(const std::string& lab, const std::string& node, const std::vector<std::string>& argv,
                  const exec::RunResult& r, double ms) {
    return {{"lab", lab},          {"node", node},     {"argv", argv},          {"exit_code", r.exit_code},
            {"stdout", r.out},     {"stderr", r.err},  {"timed_out", r.timed_out}, {"duration_ms", ms}};
}

json describe_error(const std::exception& e) {
    json err = {{"message", e.what()}, {"kind", "error"}};
    auto with_errno = [&](int code, const std::string& op, const std::string& detail) {
        err["errno"] = code;
        if (const char* name = ::strerrorname_np(code)) err["errno_name"] = name;
        err["op"] = op;
        if (!detail.empty()) err["ext_ack"] = detail;
    };
    // A failure at a known place of a lab: where it happened travelled with it from the keeper.
    auto with_cause = [&](const Cause& c) {
        if (!c.node.empty()) err["node"] = c.node;
        if (!c.pointer.empty()) err["pointer"] = c.pointer;
        if (!c.step.empty()) err["step"] = c.step;
    };
    if (auto* t = dynamic_cast<const topo::TopologyError*>(&e)) {
        err["kind"] = "topology";
        json issues = json::array();
        for (const auto& i : t->issues()) issues.push_back({{"pointer", i.pointer}, {"message", i.message}});
        if (!t->issues().empty()) err["pointer"] = t->issues()[0].pointer;
        err["issues"] = std::move(issues);
    } else if (auto* n = dynamic_cast<const NodeError*>(&e)) {
        err["kind"] = n->netlink() ? "netlink" : "system";
        with_errno(n->err(), n->op(), n->detail());
        with_cause(n->cause());
    } else if (auto* x = dynamic_cast<const Error*>(&e)) {
        with_cause(x->cause());
    } else if (auto* l = dynamic_cast<const nl::NetlinkError*>(&e)) {
        err["kind"] = "netlink";
        with_errno(l->err(), l->op(), l->detail());
    } else if (auto* s = dynamic_cast<const SystemError*>(&e)) {
        err["kind"] = "system";
        with_errno(s->err(), s->op(), s->detail());
    }
    return {{"error", err}};
}

std::string json_text(const json& j, bool pretty) {
    return j.dump(pretty ? 2 : -1, ' ', false, json::error_handler_t::replace);
}

}  // namespace nslab::view
