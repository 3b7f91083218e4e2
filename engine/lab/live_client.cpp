// The client's side of live changes: each is one request to the lab's keeper (lab/control),
// which edits, checks and applies it (lab/live.cpp); the handle then re-reads the lab.
#include <filesystem>

#include "lab/control.hpp"
#include "lab/error_report.hpp"
#include "lab/lab.hpp"
#include "lab/paths.hpp"
#include "sys/files.hpp"
#include "util/error.hpp"

namespace nslab::lab {

ChangeResult Lab::change(const nlohmann::json& request) {
    if (!keeper_alive(state_)) throw Error("lab " + state_.lab + ": its keeper is gone; a live change needs a running lab");
    if (state_.fleet || !state_.partition.empty())
        throw Error("lab " + state_.lab + " runs over several machines: live changes are not supported there yet; take it down and up again");
    nlohmann::json reply = call_keeper(state_.lab, request);
    if (!reply.value("ok", false)) throw_reported(reply);
    refresh();
    ChangeResult r;
    r.lines = reply.value("lines", std::vector<std::string>{});
    r.applied = reply.value("applied", false);
    r.ms = reply.value("ms", 0.0);
    return r;
}

ChangeResult Lab::apply(const std::string& topology_text, const std::string& source, bool dry_run) {
    // A relative `frr`/`bird` config path is the file's neighbour, as at `lab up`.
    std::error_code ec;
    auto dir = std::filesystem::absolute(source, ec).parent_path();
    if (source.empty() || ec || !std::filesystem::is_regular_file(source, ec)) dir = std::filesystem::current_path(ec);
    return change({{"op", "apply"},
                   {"text", topology_text},
                   {"source", source.empty() ? "<topology>" : source},
                   {"workdir", dir.string()},
                   {"dry_run", dry_run}});
}

ChangeResult Lab::add_node(const std::string& name, const std::string& spec_json) {
    return change({{"op", "add_node"}, {"name", name}, {"spec", spec_json}});
}

ChangeResult Lab::remove_node(const std::string& name) { return change({{"op", "remove_node"}, {"name", name}}); }

ChangeResult Lab::add_link(const std::string& a, const std::string& b, const std::string& spec_json) {
    return change({{"op", "add_link"}, {"a", a}, {"b", b}, {"spec", spec_json}});
}

ChangeResult Lab::remove_link(const std::string& endpoint) { return change({{"op", "remove_link"}, {"endpoint", endpoint}}); }

void Lab::refresh() {
    Lab fresh = attach(state_.lab);
    state_ = std::move(fresh.state_);
    model_ = std::move(fresh.model_);
}

}  // namespace nslab::lab
