// Live changes: lab node add|rm, lab link add|rm (from cmd_link), lab apply. Each is one
// request to the lab's keeper; the difference it applied is printed one line each.
#include <iostream>

#include "args.hpp"
#include "commands.hpp"
#include "help.hpp"
#include "json_out.hpp"
#include "lab/lab.hpp"
#include "sys/files.hpp"

namespace nslab::cli {

namespace {

int print_change(const std::string& lab, const lab::ChangeResult& r, bool json) {
    if (json) {
        print_json({{"lab", lab}, {"changes", r.lines}, {"applied", r.applied}, {"ms", r.ms}});
        return 0;
    }
    for (const auto& l : r.lines) std::cout << l << "\n";
    char ms[32];
    std::snprintf(ms, sizeof ms, "%.1f", r.ms);
    const std::string n = std::to_string(r.lines.size()) + (r.lines.size() == 1 ? " change" : " changes");
    if (r.lines.empty()) std::cout << "lab " << lab << ": no changes\n";
    else if (!r.applied) std::cout << "lab " << lab << ": " << n << " (dry run: nothing applied)\n";
    else std::cout << "lab " << lab << ": " << n << " applied in " << ms << " ms\n";
    return 0;
}

// [LAB] WORDS...: LAB may be left out when exactly one lab runs.
std::string lab_of(const std::vector<std::string>& pos, std::size_t words) {
    return pos.size() > words ? pos[0] : lab::resolve("");
}

}  // namespace

int cmd_node(const Argv& argv) {
    Args a = parse_args(argv, {"--json"}, {});
    if (a.pos.empty() || (a.pos[0] != "add" && a.pos[0] != "rm")) throw UsageError(usage_line("node"));
    const bool add = a.pos[0] == "add";
    std::vector<std::string> pos(a.pos.begin() + 1, a.pos.end());
    if (pos.empty() || pos.size() > 2) throw UsageError(usage_line("node"));
    if (!add && a.opts.count("--json")) throw UsageError("--json SPEC goes with node add");
    const std::string lab_name = lab_of(pos, 1), name = pos.back();
    lab::Lab l = lab::Lab::attach(lab_name);
    return print_change(lab_name, add ? l.add_node(name, a.opt("--json")) : l.remove_node(name), false);
}

int cmd_link_change(const Argv& argv) {
    Args a = parse_args(argv, {"--json"}, {});
    const bool add = a.pos[0] == "add";
    std::vector<std::string> pos(a.pos.begin() + 1, a.pos.end());
    const std::size_t words = add ? 2 : 1;
    if (pos.size() < words || pos.size() > words + 1) throw UsageError(usage_line("link"));
    if (!add && a.opts.count("--json")) throw UsageError("--json SPEC goes with link add");
    const std::string lab_name = lab_of(pos, words);
    lab::Lab l = lab::Lab::attach(lab_name);
    const std::size_t at = pos.size() - words;
    return print_change(lab_name, add ? l.add_link(pos[at], pos[at + 1], a.opt("--json")) : l.remove_link(pos[at]), false);
}

int cmd_apply(const Argv& argv) {
    Args a = parse_args(argv, {}, {"--dry-run", "--json"});
    if (a.pos.empty() || a.pos.size() > 2) throw UsageError(usage_line("apply"));
    const std::string lab_name = lab_of(a.pos, 1), file = a.pos.back();
    lab::Lab l = lab::Lab::attach(lab_name);
    return print_change(lab_name, l.apply(sys::read_file(file), file, a.flag("--dry-run")), a.flag("--json"));
}

}  // namespace nslab::cli
