// A link's netem values (TOPOLOGY.md "Links"), in the units the planner hands to the kernel.
#include "topology/detail/build.hpp"
#include "topology/detail/values.hpp"

namespace nslab::topo::detail {

namespace {

constexpr std::string_view kNetemKeys[] = {"delay", "jitter", "loss", "duplicate", "corrupt", "reorder", "rate", "limit"};

std::optional<std::uint32_t> read_duration(const ojson& v, const std::string& pointer, Issues& issues) {
    std::optional<std::uint64_t> us;
    if (v.is_string()) us = parse_duration_us(v.get<std::string>());
    if (!us) {
        issues.add(pointer, "expected a duration such as \"10ms\", \"1.5s\" or \"200us\", got " + shown(v));
        return std::nullopt;
    }
    if (*us > UINT32_MAX) {
        issues.add(pointer, shown(v) + " is too long: netem takes at most " + std::to_string(UINT32_MAX / 1000000) + "s");
        return std::nullopt;
    }
    return static_cast<std::uint32_t>(*us);
}

std::optional<double> read_percent(const ojson& v, const std::string& pointer, Issues& issues) {
    std::optional<double> percent;
    if (v.is_string())
        percent = parse_percent(v.get<std::string>());
    else if (v.is_number())
        percent = v.get<double>();
    if (!percent) {
        issues.add(pointer, "expected a percentage such as \"1%\", \"0.5%\" or 1, got " + shown(v));
        return std::nullopt;
    }
    if (!(*percent >= 0 && *percent <= 100)) {
        issues.add(pointer, shown(v) + " is not between 0 and 100%");
        return std::nullopt;
    }
    return percent;
}

std::optional<std::uint64_t> read_rate(const ojson& v, const std::string& pointer, Issues& issues) {
    std::optional<std::uint64_t> bps;
    if (v.is_string())
        bps = parse_rate_bps(v.get<std::string>());
    else if (v.is_number_unsigned())
        bps = v.get<std::uint64_t>();
    if (!bps || *bps == 0) {
        issues.add(pointer, "expected a positive rate such as \"100mbit\", \"1gbit\" or \"512kbit\", got " + shown(v));
        return std::nullopt;
    }
    return bps;
}

}  // namespace

Netem read_netem(const ojson& v, const std::string& pointer, Issues& issues) {
    Netem n;
    if (!expect(v, Want::Object, pointer, issues)) return n;
    check_keys(v, pointer, kNetemKeys, issues);
    auto at = [&](const char* key) { return child(pointer, key); };
    if (v.contains("delay")) n.delay_us = read_duration(v["delay"], at("delay"), issues);
    if (v.contains("jitter")) n.jitter_us = read_duration(v["jitter"], at("jitter"), issues);
    if (v.contains("loss")) n.loss = read_percent(v["loss"], at("loss"), issues);
    if (v.contains("duplicate")) n.duplicate = read_percent(v["duplicate"], at("duplicate"), issues);
    if (v.contains("corrupt")) n.corrupt = read_percent(v["corrupt"], at("corrupt"), issues);
    if (v.contains("reorder")) n.reorder = read_percent(v["reorder"], at("reorder"), issues);
    if (v.contains("rate")) n.rate_bps = read_rate(v["rate"], at("rate"), issues);
    if (v.contains("limit"))
        if (auto limit = get_int(v["limit"], at("limit"), issues, 1, UINT32_MAX)) n.limit = static_cast<std::uint32_t>(*limit);
    // netem varies the delay by the jitter, and reorders by letting some packets skip the
    // delay: without a delay both mean nothing, and tc refuses reorder outright.
    bool no_delay = !v.contains("delay");
    if (no_delay && v.contains("jitter")) issues.add(at("jitter"), "jitter needs a \"delay\" to vary");
    if (no_delay && v.contains("reorder")) issues.add(at("reorder"), "reorder needs a \"delay\" (reordered packets are the ones sent without it)");
    return n;
}

namespace {
// A bare number stays a string for the duration/percent/rate readers (which accept "1" as tc
// does), but `limit` is an integer in the topology format.
ojson value_of(const std::string& key, const std::string& text) {
    if (key == "limit" && !text.empty() && text.find_first_not_of("0123456789") == std::string::npos && text.size() < 12)
        return std::stoull(text);
    return text;
}
}  // namespace

}  // namespace nslab::topo::detail

namespace nslab::topo {

Netem parse_netem(const std::vector<std::pair<std::string, std::string>>& pairs) {
    detail::ojson obj = detail::ojson::object();
    for (const auto& [k, v] : pairs) obj[k] = detail::value_of(k, v);
    detail::Issues issues;
    Netem n = detail::read_netem(obj, "", issues);
    if (!issues.empty()) throw TopologyError("set", issues.take());
    return n;
}

}  // namespace nslab::topo
