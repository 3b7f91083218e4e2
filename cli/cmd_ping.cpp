#include <cmath>
#include <iostream>

#include "args.hpp"
#include "commands.hpp"
#include "help.hpp"
#include "lab/lab.hpp"
#include "probe/ping.hpp"
#include "util/error.hpp"
#include "view/probe_text.hpp"

namespace nslab::cli {

namespace {

std::optional<net::Family> family_flag(const Args& a) {
    if (a.flag("-4") && a.flag("-6")) throw UsageError("-4 and -6 exclude each other");
    if (a.flag("-4")) return net::Family::V4;
    if (a.flag("-6")) return net::Family::V6;
    return std::nullopt;
}

probe::PingOptions options(const Args& a) {
    probe::PingOptions o;
    std::string t = a.opt("--timeout");
    if (t.empty()) return o;
    double s = 0;
    std::size_t used = 0;
    try {
        s = std::stod(t, &used);
    } catch (const std::exception&) {
        used = 0;
    }
    if (used != t.size() || !std::isfinite(s) || s <= 0 || s > 3600)
        throw UsageError("--timeout takes seconds, e.g. 0.5 or 2 (got \"" + t + "\")");
    o.timeout = std::chrono::milliseconds(static_cast<long>(std::ceil(s * 1000)));
    return o;
}

}  // namespace

int cmd_ping(const Argv& argv) {
    Args a = parse_args(argv, {"--timeout"}, {"-4", "-6"});
    std::string lab_name;
    if (a.pos.size() == 3) lab_name = a.pos[0];
    else if (a.pos.size() != 2) throw UsageError(usage_line("ping"));
    auto family = family_flag(a);
    auto opts = options(a);
    lab::Lab l = lab::Lab::attach(lab::resolve(lab_name));
    auto t = probe::ping_target(l, a.pos[a.pos.size() - 2], a.pos.back(), family);
    if (family && t.addr.family != *family) throw UsageError(a.pos.back() + " is not of the family asked for");
    probe::PingReport r = probe::ping_report(l, {t}, opts);
    std::cout << view::ping_line(r.outcomes.at(0)) << "\n" << std::flush;
    // A full neighbour table fails pairs the lab itself would connect: say so, or the user
    // hunts for a wiring fault that is not there.
    std::cerr << view::neighbour_note(r);
    return r.all_ok() ? 0 : kFail;
}

int cmd_pingall(const Argv& argv) {
    Args a = parse_args(argv, {"--timeout"}, {"-4", "-6"});
    if (a.pos.size() > 1) throw UsageError(usage_line("pingall"));
    auto family = family_flag(a);
    auto opts = options(a);
    lab::Lab l = lab::Lab::attach(lab::resolve(a.pos.empty() ? "" : a.pos[0]));
    probe::PingReport r = probe::ping_all(l, family, opts);
    std::cout << view::ping_matrix(r.outcomes) << std::flush;
    std::cerr << view::neighbour_note(r);
    return r.all_ok() ? 0 : kFail;
}

}  // namespace nslab::cli
