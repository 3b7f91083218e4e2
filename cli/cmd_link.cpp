#include <iostream>

#include "args.hpp"
#include "commands.hpp"
#include "lab/links.hpp"
#include "table.hpp"

namespace nslab::cli {

int cmd_link(const Argv& argv) {
    const char* usage = "usage: lab link [LAB] NODE:IFACE up|down|show";
    Args a = parse_args(argv, {}, {});
    std::string lab_name, endpoint, action;
    if (a.pos.size() == 3) {
        lab_name = a.pos[0];
        endpoint = a.pos[1];
        action = a.pos[2];
    } else if (a.pos.size() == 2) {
        lab_name = lab::resolve("");
        endpoint = a.pos[0];
        action = a.pos[1];
    } else {
        throw UsageError(usage);
    }
    lab::Lab l = lab::Lab::attach(lab_name);
    if (action == "up" || action == "down") {
        lab::set_link_up(l, endpoint, action == "up");
        return 0;
    }
    if (action != "show") throw UsageError(usage);
    auto st = lab::link_state(l, endpoint);
    const auto& link = lab::find_link(l.model(), endpoint);
    Table t({"ENDPOINT", "STATE", "MTU"});
    for (const auto& e : st.ends)
        t.add({e.endpoint, !e.up ? "down" : e.carrier ? "up" : "no-carrier", std::to_string(e.mtu)});
    t.print(std::cout);
    std::cout << "impairment: " << (link.netem.empty() ? "none" : "configured, not applied yet") << "\n";
    return 0;
}

}  // namespace nslab::cli
