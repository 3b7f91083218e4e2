// `lab`: the command-line face of the engine. Errors are caught here and printed for humans.
#include <cstring>
#include <iostream>
#include <map>

#include "args.hpp"
#include "commands.hpp"
#include "topology/model.hpp"
#include "util/error.hpp"

namespace {

const char* kUsageText = R"(usage: lab COMMAND [ARGS]

Build networks of Linux namespaces from a JSON topology, drive them, take them down.

commands:
  up FILE [--name NAME] [--exec-timeout S] [--quiet]
                          build the lab; prints its nodes, interfaces and addresses
  status [LAB]            list labs, or one lab's nodes, PIDs, interfaces and addresses
  exec [LAB] NODE -- CMD  run CMD inside NODE; stdio passes through, exit code is CMD's
  shell [LAB] NODE        interactive shell inside NODE
  ping [LAB] SRC DST [-4|-6] [--timeout S]
                          ping node or address DST from SRC (raw ICMP, no forked ping)
  pingall [LAB] [-4|-6] [--timeout S]
                          ping matrix between all non-switch nodes; exit 0 iff all reachable
  link [LAB] NODE:IFACE up|down|show
                          change or show a link (both ends), named by either endpoint
  down [LAB] [--all]      take the lab down; returns when everything is gone
  validate FILE...        check topologies; every error with its JSON pointer (exit 2)
  clean                   remove what crashed or killed runs left behind

LAB may be omitted when exactly one lab is running.
Exit codes: 0 ok, 1 failure, 2 bad usage or invalid topology.
)";

}  // namespace

int main(int argc, char** argv) {
    using namespace nslab;
    std::vector<std::string> args(argv + 1, argv + argc);
    if (args.empty() || args[0] == "-h" || args[0] == "--help" || args[0] == "help") {
        std::cout << kUsageText;
        return args.empty() ? cli::kUsage : 0;
    }
    static const std::map<std::string, int (*)(const cli::Argv&)> commands = {
        {"up", cli::cmd_up},         {"down", cli::cmd_down},         {"status", cli::cmd_status},
        {"exec", cli::cmd_exec},     {"shell", cli::cmd_shell},       {"validate", cli::cmd_validate},
        {"ping", cli::cmd_ping},     {"pingall", cli::cmd_pingall},
        {"clean", cli::cmd_clean},   {"link", cli::cmd_link},
    };
    auto it = commands.find(args[0]);
    if (it == commands.end()) {
        std::cerr << "lab: unknown command \"" << args[0] << "\"\n" << kUsageText;
        return cli::kUsage;
    }
    try {
        return it->second(cli::Argv(args.begin() + 1, args.end()));
    } catch (const cli::UsageError& e) {
        std::cerr << "lab " << args[0] << ": " << e.what() << "\n(see lab --help)\n";
        return cli::kUsage;
    } catch (const topo::TopologyError& e) {
        std::cerr << e.what();
        if (*e.what() && e.what()[std::strlen(e.what()) - 1] != '\n') std::cerr << "\n";
        return cli::kUsage;
    } catch (const std::exception& e) {
        std::cerr << "lab " << args[0] << ": " << e.what() << "\n";
        return cli::kFail;
    }
}
