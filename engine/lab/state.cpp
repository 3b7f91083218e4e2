#include "lab/state.hpp"

#include <nlohmann/json.hpp>

#include "lab/paths.hpp"
#include "sys/files.hpp"
#include "topology/model.hpp"

namespace nslab::lab {

using nlohmann::json;

namespace {
json ident(const sys::ProcIdentity& id) { return {{"pid", id.pid}, {"starttime", id.starttime}}; }
sys::ProcIdentity ident(const json& j) {
    return {j.value("pid", 0), j.value("starttime", std::uint64_t{0})};
}
}  // namespace

void save(const State& s) {
    json nodes = json::array();
    for (const auto& n : s.nodes) nodes.push_back({{"name", n.name}, {"init", ident(n.init)}, {"cgroup", n.cgroup}});
    json j = {{"lab", s.lab},         {"status", s.status},   {"boot_id", s.boot_id},
              {"keeper", ident(s.keeper)}, {"ephemeral", s.ephemeral}, {"userns", s.userns}, {"source", s.source}, {"partition", s.partition}, {"fleet", s.fleet},
              {"workdir", s.workdir}, {"created", s.created}, {"up_ms", s.up_ms},
              {"nodes", nodes}, {"cgroups", s.cgroups}};
    sys::write_file_atomic(state_file(s.lab), j.dump(1) + "\n", 0600);
}

std::optional<State> load(const std::string& lab) {
    if (!topo::valid_lab_name(lab)) return std::nullopt;
    const std::string file = state_file(lab);  // throws for a run dir or lab entry not to be trusted
    std::string text;
    try {
        text = sys::read_file(file);
    } catch (const std::exception&) {
        return std::nullopt;
    }
    json j = json::parse(text, nullptr, false);
    if (j.is_discarded() || !j.is_object()) return std::nullopt;
    State s;
    s.lab = j.value("lab", lab);
    s.status = j.value("status", "");
    s.boot_id = j.value("boot_id", "");
    s.keeper = ident(j.value("keeper", json::object()));
    s.ephemeral = j.value("ephemeral", false);
    s.userns = j.value("userns", false);
    s.source = j.value("source", "");
    s.partition = j.value("partition", "");
    s.fleet = j.value("fleet", false);
    s.workdir = j.value("workdir", "/");
    s.created = j.value("created", 0.0);
    s.up_ms = j.value("up_ms", 0.0);
    for (const auto& n : j.value("nodes", json::array()))
        s.nodes.push_back({n.value("name", ""), ident(n.value("init", json::object())), n.value("cgroup", "")});
    for (const auto& d : j.value("cgroups", json::array()))
        if (d.is_string()) s.cgroups.push_back(d.get<std::string>());
    return s;
}

bool keeper_alive(const State& s) {
    if (s.keeper.pid <= 0 || s.boot_id != sys::boot_id()) return false;
    auto st = sys::starttime_of(s.keeper.pid);
    return st && *st == s.keeper.starttime;
}

std::vector<std::string> list_labs() {
    std::vector<std::string> out;
    for (auto& name : sys::list_dir(checked_run_dir()))
        if (topo::valid_lab_name(name)) out.push_back(name);
    std::sort(out.begin(), out.end());
    return out;
}

}  // namespace nslab::lab
