#include "lab/error_report.hpp"

#include "netlink/netlink.hpp"
#include "topology/model.hpp"
#include "util/error.hpp"

namespace nslab::lab {

namespace {
void put(nlohmann::json& j, const Cause& c) {
    j["node"] = c.node;
    j["pointer"] = c.pointer;
    j["step"] = c.step;
    j["netlink"] = c.netlink;
}

Cause cause_of(const nlohmann::json& j) {
    return {j.value("node", ""), j.value("pointer", ""), j.value("step", ""), j.value("netlink", false)};
}
}  // namespace

nlohmann::json error_report(const std::exception& e) {
    nlohmann::json j = {{"ok", false}, {"error", e.what()}, {"kind", "error"}};
    if (auto* t = dynamic_cast<const topo::TopologyError*>(&e)) {
        j["kind"] = "topology";
        j["source"] = t->source();
        j["issues"] = nlohmann::json::array();
        for (const auto& i : t->issues()) j["issues"].push_back({{"pointer", i.pointer}, {"message", i.message}});
        return j;
    }
    if (auto* x = dynamic_cast<const Error*>(&e)) put(j, x->cause());
    auto* s = dynamic_cast<const SystemError*>(&e);
    if (!s) return j;
    j["errno"] = s->err();
    j["op"] = s->op();
    j["ext_ack"] = s->detail();
    if (auto* n = dynamic_cast<const NodeError*>(&e)) {
        j["kind"] = "node";
        put(j, n->cause());
    } else {
        j["kind"] = dynamic_cast<const nl::NetlinkError*>(&e) ? "netlink" : "system";
    }
    return j;
}

void throw_reported(const nlohmann::json& j) {
    const std::string kind = j.value("kind", "error"), text = j.value("error", "lab up failed");
    const int err = j.value("errno", 0);
    const std::string op = j.value("op", ""), ext_ack = j.value("ext_ack", "");
    if (kind == "topology") {
        std::vector<topo::Issue> issues;
        for (const auto& i : j.value("issues", nlohmann::json::array()))
            issues.push_back({i.value("pointer", ""), i.value("message", "")});
        throw topo::TopologyError(j.value("source", "<topology>"), std::move(issues));
    }
    if (kind == "node") throw NodeError(cause_of(j), op, err, ext_ack, text);
    if (kind == "netlink") throw nl::NetlinkError(op, err, ext_ack, text);
    if (kind == "system") throw SystemError(op, err, ext_ack);
    throw Error(text, cause_of(j));
}

}  // namespace nslab::lab
