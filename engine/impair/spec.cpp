#include "impair/spec.hpp"

#include <cmath>
#include <cstdio>


namespace nslab::impair {

namespace {

std::string duration(std::uint32_t us) {
    char buf[32];
    if (us % 1000000 == 0 && us) std::snprintf(buf, sizeof buf, "%us", us / 1000000);
    else if (us % 1000 == 0) std::snprintf(buf, sizeof buf, "%ums", us / 1000);
    else std::snprintf(buf, sizeof buf, "%uus", us);
    return buf;
}

std::string percent(double p) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%g%%", p);
    return buf;
}

std::string rate(std::uint64_t bps) {
    const char* units[] = {"bit", "kbit", "mbit", "gbit", "tbit"};
    int u = 0;
    while (u < 4 && bps % 1000 == 0 && bps >= 1000) {
        bps /= 1000;
        ++u;
    }
    return std::to_string(bps) + units[u];
}

}  // namespace

topo::Netem parse_netem_words(const std::vector<std::string>& words) {
    std::vector<std::pair<std::string, std::string>> pairs;
    for (const auto& w : words) {
        auto eq = w.find('=');
        if (eq == std::string::npos || eq == 0)
            throw topo::TopologyError("set", {{"", "expected key=value (delay=20ms, loss=1%, rate=10mbit, ...), got \"" + w + "\""}});
        pairs.emplace_back(w.substr(0, eq), w.substr(eq + 1));
    }
    return topo::parse_netem(pairs);
}

std::string format_netem(const topo::Netem& n) {
    std::string s;
    auto add = [&](const char* k, const std::string& v) { s += (s.empty() ? "" : " ") + std::string(k) + "=" + v; };
    if (n.delay_us) add("delay", duration(*n.delay_us));
    if (n.jitter_us) add("jitter", duration(*n.jitter_us));
    if (n.loss) add("loss", percent(*n.loss));
    if (n.duplicate) add("duplicate", percent(*n.duplicate));
    if (n.corrupt) add("corrupt", percent(*n.corrupt));
    if (n.reorder) add("reorder", percent(*n.reorder));
    if (n.rate_bps) add("rate", rate(*n.rate_bps));
    if (n.limit) add("limit", std::to_string(*n.limit));
    return s.empty() ? "none" : s;
}

nlohmann::json netem_to_json(const topo::Netem& n) {
    nlohmann::json j = nlohmann::json::object();
    if (n.delay_us) j["delay_us"] = *n.delay_us;
    if (n.jitter_us) j["jitter_us"] = *n.jitter_us;
    if (n.loss) j["loss"] = *n.loss;
    if (n.duplicate) j["duplicate"] = *n.duplicate;
    if (n.corrupt) j["corrupt"] = *n.corrupt;
    if (n.reorder) j["reorder"] = *n.reorder;
    if (n.rate_bps) j["rate_bps"] = *n.rate_bps;
    if (n.limit) j["limit"] = *n.limit;
    return j;
}

topo::Netem netem_from_json(const nlohmann::json& j) {
    topo::Netem n;
    if (j.contains("delay_us")) n.delay_us = j["delay_us"].get<std::uint32_t>();
    if (j.contains("jitter_us")) n.jitter_us = j["jitter_us"].get<std::uint32_t>();
    if (j.contains("loss")) n.loss = j["loss"].get<double>();
    if (j.contains("duplicate")) n.duplicate = j["duplicate"].get<double>();
    if (j.contains("corrupt")) n.corrupt = j["corrupt"].get<double>();
    if (j.contains("reorder")) n.reorder = j["reorder"].get<double>();
    if (j.contains("rate_bps")) n.rate_bps = j["rate_bps"].get<std::uint64_t>();
    if (j.contains("limit")) n.limit = j["limit"].get<std::uint32_t>();
    return n;
}

}  // namespace nslab::impair
