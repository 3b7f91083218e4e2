#include <iostream>

#include "args.hpp"
#include "commands.hpp"
#include "help.hpp"
#include "lab/impair.hpp"
#include "impair/spec.hpp"
#include "lab/links.hpp"
#include "table.hpp"

namespace nslab::cli {

namespace {
bool is_action(const std::string& s) { return s == "up" || s == "down" || s == "show" || s == "set"; }
}  // namespace

int cmd_link(const Argv& argv) {
    // add A B / rm NODE:IFACE (a lab named "add" or "rm" is still reached by `lab link rm r1:eth1 down`).
    if (!argv.empty() && (argv[0] == "add" || argv[0] == "rm") && !(argv.size() == 3 && is_action(argv[2])))
        return cmd_link_change(argv);
    Args a = parse_args(argv, {}, {"--one-end"});
    // [LAB] NODE:IFACE ACTION [key=value...]: the action is the 2nd or 3rd word.
    std::size_t at = a.pos.size() >= 3 && is_action(a.pos[2]) ? 2 : 1;
    if (a.pos.size() <= at || !is_action(a.pos[at])) throw UsageError(usage_line("link"));
    std::string lab_name = at == 2 ? a.pos[0] : lab::resolve("");
    std::string endpoint = a.pos[at - 1], action = a.pos[at];
    std::vector<std::string> rest(a.pos.begin() + static_cast<long>(at) + 1, a.pos.end());
    if (action != "set" && !rest.empty()) throw UsageError(usage_line("link"));
    if (a.flag("--one-end") && action != "up" && action != "down") throw UsageError("--one-end goes with up or down");
    lab::Lab l = lab::Lab::attach(lab_name);
    if (action == "up" || action == "down") {
        lab::set_link_up(l, endpoint, action == "up", a.flag("--one-end") ? endpoint : std::string());
        return 0;
    }
    if (action == "set") {
        if (rest.size() == 1 && rest[0] == "none") rest.clear();
        lab::set_impairment(l, endpoint, impair::parse_netem_words(rest));
        return 0;
    }
    auto st = lab::link_state(l, endpoint);
    Table t({"ENDPOINT", "STATE", "MTU"});
    for (const auto& e : st.ends)
        t.add({e.endpoint, !e.up ? "down" : e.carrier ? "up" : "no-carrier", std::to_string(e.mtu)});
    t.print(std::cout);
    auto im = lab::impairment(l, endpoint);
    std::cout << "impairment: " << impair::format_netem(im.netem);
    if (!im.netem.empty() || im.path == "userspace") std::cout << " (each direction; " << im.path << ")";
    std::cout << "\n";
    return 0;
}

}  // namespace nslab::cli
