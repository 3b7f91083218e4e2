#include "lab/impair_state.hpp"

#include <nlohmann/json.hpp>

#include "impair/spec.hpp"
#include "lab/paths.hpp"
#include "sys/files.hpp"

namespace nslab::lab {

std::string impair_file(const std::string& lab) { return lab_dir(lab) + "/impair.json"; }
std::string impair_socket(const std::string& lab) { return lab_dir(lab) + "/impair.sock"; }

Impairments load_impairments(const std::string& lab) {
    Impairments im;
    if (!sys::exists(impair_file(lab))) return im;
    auto j = nlohmann::json::parse(sys::read_file(impair_file(lab)));
    for (auto& [k, v] : j.at("links").items()) {
        LinkImpairment li;
        li.path = v.value("path", "none");
        li.forwarded = v.value("forwarded", false);
        li.netem = impair::netem_from_json(v.value("netem", nlohmann::json::object()));
        li.forwarder_id = v.value("forwarder_id", std::stoul(k));
        im[std::stoul(k)] = li;
    }
    return im;
}

void save_impairments(const std::string& lab, const Impairments& im) {
    nlohmann::json links = nlohmann::json::object();
    for (const auto& [i, li] : im)
        links[std::to_string(i)] = {{"path", li.path}, {"forwarded", li.forwarded}, {"netem", impair::netem_to_json(li.netem)}, {"forwarder_id", li.forwarder_id}};
    sys::write_file_atomic(impair_file(lab), nlohmann::json{{"links", links}}.dump(1) + "\n");
}

}  // namespace nslab::lab
