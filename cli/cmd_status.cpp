#include <algorithm>
#include <cstdio>
#include <ctime>
#include <iostream>

#include "args.hpp"
#include "commands.hpp"
#include "help.hpp"
#include "json_out.hpp"
#include "impair/spec.hpp"
#include "lab/daemons.hpp"
#include "lab/impair.hpp"
#include "lab/fleet.hpp"
#include "lab/lab.hpp"
#include "lab/summary.hpp"
#include "print.hpp"
#include "probe/inspect.hpp"
#include "table.hpp"
#include "view/describe.hpp"
#include "view/probe_text.hpp"

namespace nslab::cli {

namespace {

std::string age(double created) {
    long s = static_cast<long>(std::time(nullptr) - created);
    if (s < 120) return std::to_string(s) + "s";
    if (s < 7200) return std::to_string(s / 60) + "m";
    return std::to_string(s / 3600) + "h";
}

void print_labs(const std::vector<lab::LabSummary>& labs) {
    Table t({"LAB", "NODES", "STATUS", "KEEPER", "AGE", "SOURCE"});
    for (const auto& [name, st, alive] : labs) {
        if (!st) {
            t.add({name, "", "incomplete", "", "", ""});
            continue;
        }
        t.add({name, std::to_string(st->nodes.size()), alive ? st->status : "dead (lab clean)",
               std::to_string(st->keeper.pid), age(st->created), st->source});
    }
    t.print(std::cout);
}

// A lab over several machines: what each machine says of its part, then the whole lab.
nlohmann::ordered_json fleet_json(const lab::Lab& l) {
    nlohmann::ordered_json j = view::describe(l);
    j["hosts"] = nlohmann::ordered_json::object();
    for (const auto& [host, text] : lab::fleet_status(l.model(), l.name())) {
        auto part = nlohmann::ordered_json::parse(text, nullptr, false);
        j["hosts"][host] = part.is_discarded() ? nlohmann::ordered_json{{"error", text}} : part;
    }
    return j;
}

nlohmann::ordered_json describe_any(const lab::Lab& l) { return l.state().fleet ? fleet_json(l) : view::describe(l); }

int print_fleet_status(const lab::Lab& l) {
    const auto& st = l.state();
    const auto& pl = *l.model().placement;
    std::cout << "lab " << l.name() << ": " << (lab::keeper_alive(st) ? st.status : "keeper gone (run lab clean)") << " over "
              << pl.hosts.size() << " machines, " << l.model().nodes.size() << " nodes, keeper " << st.keeper.pid
              << ", built in " << format_ms(st.up_ms) << (st.source.empty() ? "" : ", from " + st.source) << "\n";
    Table t({"HOST", "ADDRESS", "NODES", "STATUS"});
    int failed = 0;
    for (const auto& [host, text] : lab::fleet_status(l.model(), l.name())) {
        auto part = nlohmann::json::parse(text, nullptr, false);
        const bool ok = part.is_object() && !part.contains("error");
        std::size_t nodes = ok && part.contains("nodes") ? part["nodes"].size() : 0;
        std::string status = ok ? part.value("status", std::string("?")) : "unreachable: " + (part.is_object() ? part.value("error", text) : text);
        while (!status.empty() && status.back() == '\n') status.pop_back();
        failed += !ok;
        t.add({host, pl.find(host)->address.addr_str(), std::to_string(nodes), status});
    }
    t.print(std::cout);
    std::cout << "\n";
    print_model(std::cout, l.model());
    return failed ? kFail : 0;
}

}  // namespace

int cmd_status(const Argv& argv) {
    Args a = parse_args(argv, {}, {"--routes", "--json"});
    if (a.pos.size() > 1) throw UsageError(usage_line("status"));
    auto labs = lab::list();
    if (a.flag("--json")) {
        if (a.pos.empty() && labs.size() != 1) print_json(view::describe_labs());
        else print_json(describe_any(lab::Lab::attach(lab::resolve(a.pos.empty() ? "" : a.pos[0]))));
        return 0;
    }
    if (a.pos.empty() && labs.size() != 1) {
        if (labs.empty()) {
            std::cout << "no labs\n";
            return 0;
        }
        print_labs(lab::summaries());
        return 0;
    }
    lab::Lab l = lab::Lab::attach(lab::resolve(a.pos.empty() ? "" : a.pos[0]));
    if (l.state().fleet) return print_fleet_status(l);
    const auto& st = l.state();
    bool alive = lab::keeper_alive(st);
    std::cout << "lab " << l.name() << ": " << (alive ? st.status : "keeper gone (run lab clean)") << ", "
              << st.nodes.size() << " nodes, keeper " << st.keeper.pid << ", built in " << format_ms(st.up_ms)
              << (st.source.empty() ? "" : ", from " + st.source) << "\n";
    std::vector<probe::NodeLive> nodes = probe::inspect_lab(l, a.flag("--routes"));
    print_live(std::cout, nodes, &l.model());
    // Where each node's cgroup limits are enforced (v2, or v1 where v2 lacks the controller).
    for (const auto& n : st.nodes) {
        if (n.cgroup.empty()) continue;
        const auto& lim = l.node(n.name).limits;
        std::string what;
        auto add = [&](const std::string& s) { what += (what.empty() ? "" : ", ") + s; };
        if (lim.memory) {
            std::uint64_t m = *lim.memory;
            add("memory " + (m % (1 << 20) == 0 ? std::to_string(m >> 20) + "M" : std::to_string(m)));
        }
        if (lim.pids) add("pids " + std::to_string(*lim.pids));
        if (lim.cpus) {
            char buf[32];
            std::snprintf(buf, sizeof buf, "%g", *lim.cpus);
            add(std::string("cpus ") + buf);
        }
        std::cout << "node " << n.name << ": cgroup " << n.cgroup << " (" << (what.empty() ? "no limits" : what) << ")\n";
    }
    // The routing daemons of each node's frr and bird keys, and which of them run.
    for (const auto& n : l.model().nodes) {
        auto wanted = lab::node_daemons(n);
        if (wanted.empty()) continue;
        std::string running, stopped;
        try {
            sys::Fd init = l.init_pidfd(n.name);
            auto found = lab::find_daemons(n, init.get());
            for (const auto& d : wanted) {
                bool up = std::any_of(found.procs.begin(), found.procs.end(), [&](const auto& p) { return p.name == d; });
                (up ? running : stopped) += " " + d;
            }
        } catch (const std::exception&) {
            for (const auto& d : wanted) stopped += " " + d;
        }
        std::cout << "node " << n.name << ": daemons" << (running.empty() ? "" : running + " running")
                  << (running.empty() || stopped.empty() ? "" : ";") << (stopped.empty() ? "" : stopped + " not running")
                  << "\n";
    }
    // Link impairments in force and their path (kernel netem/tbf or the userspace forwarder).
    auto impairments = lab::impairments(l);
    for (std::size_t i = 0; i < impairments.size(); ++i) {
        const auto& li = impairments[i];
        const auto& ends = l.model().links[i].ends;
        if (!li.netem.empty() || li.path == "userspace")
            std::cout << "link " << l.model().endpoint_name(ends[0]) << " <-> " << l.model().endpoint_name(ends[1])
                      << ": " << impair::format_netem(li.netem) << " (" << li.path << ")\n";
    }
    if (a.flag("--routes")) {
        for (const auto& n : nodes) {
            if (n.routes.empty()) continue;
            std::cout << "\n" << n.name << " routes:\n";
            for (const auto& r : n.routes) std::cout << "  " << view::route_text(r) << "\n";
        }
    }
    return 0;
}

}  // namespace nslab::cli
