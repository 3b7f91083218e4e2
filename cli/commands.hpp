// One function per `lab` subcommand; each returns the process exit code.
#pragma once

#include <string>
#include <vector>

namespace nslab::cli {

using Argv = std::vector<std::string>;

int cmd_up(const Argv& args);
int cmd_down(const Argv& args);
int cmd_status(const Argv& args);
int cmd_exec(const Argv& args);
int cmd_shell(const Argv& args);
int cmd_ping(const Argv& args);
int cmd_pingall(const Argv& args);
int cmd_validate(const Argv& args);
int cmd_plan(const Argv& args);   // cmd_plan.cpp: a lab over several machines, placed
int cmd_clean(const Argv& args);
int cmd_link(const Argv& args);
int cmd_gen(const Argv& args);    // cmd_gen.cpp: print a generated topology
int cmd_graph(const Argv& args);  // cmd_graph.cpp: dot/mermaid/svg/html picture of a lab
int cmd_capture(const Argv& args);
// cmd_change.cpp: live changes to a running lab
int cmd_node(const Argv& args);
int cmd_link_change(const Argv& args);  // lab link add|rm
int cmd_apply(const Argv& args);  // cmd_capture.cpp: pcap or one line per frame of an interface

// Exit codes: 0 success, 1 a runtime failure, 2 bad usage or an invalid topology.
constexpr int kFail = 1;
constexpr int kUsage = 2;

}  // namespace nslab::cli
