// `lab`: the command-line face of the engine. Errors are caught here and printed for humans.
#include <cstring>
#include <iostream>
#include <map>

#include "args.hpp"
#include "commands.hpp"
#include "help.hpp"
#include "json_out.hpp"
#include "topology/model.hpp"
#include "util/error.hpp"

int main(int argc, char** argv) {
    using namespace nslab;
    std::vector<std::string> args(argv + 1, argv + argc);
    if (args.empty() || args[0] == "-h" || args[0] == "--help" || args[0] == "help") {
        std::cout << cli::main_help();
        return args.empty() ? cli::kUsage : 0;
    }
    if (args[0] == "--man") {  // hidden: the build writes lab.1 from it (cli/CMakeLists.txt)
        std::cout << cli::man_page();
        return 0;
    }
    static const std::map<std::string, int (*)(const cli::Argv&)> commands = {
        {"up", cli::cmd_up},         {"down", cli::cmd_down},         {"status", cli::cmd_status},
        {"exec", cli::cmd_exec},     {"plan", cli::cmd_plan},     {"shell", cli::cmd_shell},       {"validate", cli::cmd_validate},
        {"ping", cli::cmd_ping},     {"pingall", cli::cmd_pingall},
        {"clean", cli::cmd_clean},   {"link", cli::cmd_link},
        {"gen", cli::cmd_gen},
        {"graph", cli::cmd_graph},
        {"capture", cli::cmd_capture},
        {"node", cli::cmd_node},     {"apply", cli::cmd_apply},
    };
    auto it = commands.find(args[0]);
    if (it == commands.end()) {
        std::string msg = "unknown command \"" + args[0] + "\"";
        if (cli::json_requested(args)) cli::print_error_json(cli::UsageError(msg), "usage");
        else std::cerr << "lab: " << msg << "\n" << cli::main_help();
        return cli::kUsage;
    }
    // `lab CMD --help` (only right after CMD, so `lab exec r1 -- cmd --help` still runs cmd).
    if (args.size() > 1 && (args[1] == "--help" || args[1] == "-h")) {
        const cli::CommandHelp* h = cli::find_help(args[0]);
        std::cout << (h ? cli::command_help(*h) : cli::main_help());
        return 0;
    }
    // Errors as JSON too, same exit codes; but `node add` and `link add` take --json SPEC.
    const bool spec = args[0] == "node" || (args[0] == "link" && args.size() > 1 && args[1] == "add");
    const bool json = !spec && cli::json_requested(args);
    try {
        return it->second(cli::Argv(args.begin() + 1, args.end()));
    } catch (const cli::UsageError& e) {
        if (json) cli::print_error_json(e, "usage");
        else std::cerr << "lab " << args[0] << ": " << e.what() << "\n(see lab " << args[0] << " --help)\n";
        return cli::kUsage;
    } catch (const topo::TopologyError& e) {
        if (json) cli::print_error_json(e);
        else {
            std::cerr << e.what();
            if (*e.what() && e.what()[std::strlen(e.what()) - 1] != '\n') std::cerr << "\n";
        }
        return cli::kUsage;
    } catch (const std::exception& e) {
        if (json) cli::print_error_json(e);
        else std::cerr << "lab " << args[0] << ": " << e.what() << "\n";
        return cli::kFail;
    }
}
