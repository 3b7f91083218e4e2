#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <iostream>

#include "args.hpp"
#include "commands.hpp"
#include "help.hpp"
#include "json_out.hpp"
#include "view/describe.hpp"
#include "lab/lab.hpp"
#include "util/error.hpp"

namespace nslab::cli {

namespace {

// Runs in the foreground with the terminal: the CLI steps aside for SIGINT/SIGQUIT (they reach
// the command through the terminal) and returns the command's exit code.
int run_attached(const lab::Lab& l, const std::string& node, std::vector<std::string> cmd) {
    // A node on another machine: ssh passes stdio (and a terminal) through.
    if (l.state().fleet) return l.run_on_terminal(node, cmd);
    exec::SpawnSpec spec;
    spec.argv = std::move(cmd);
    spec.new_session = false;
    struct sigaction ign{}, old_int{}, old_quit{};
    ign.sa_handler = SIG_IGN;
    sigaction(SIGINT, &ign, &old_int);
    sigaction(SIGQUIT, &ign, &old_quit);
    exec::Child c = l.spawn(node, spec);
    int code = exec::wait(c);
    sigaction(SIGINT, &old_int, nullptr);
    sigaction(SIGQUIT, &old_quit, nullptr);
    return code;
}

// [LAB] NODE: one positional names a node of the only lab; two name the lab and the node.
std::pair<std::string, std::string> lab_and_node(const std::vector<std::string>& pos, const char* command) {
    if (pos.size() == 2) return {pos[0], pos[1]};
    if (pos.size() == 1) return {lab::resolve(""), pos[0]};
    throw UsageError(usage_line(command));
}

}  // namespace

int cmd_exec(const Argv& argv) {
    Args a = parse_args(argv, {}, {"--json"});
    std::vector<std::string> pos = a.pos, cmd = a.rest;
    if (!a.has_dashdash) {
        // `lab exec LAB NODE CMD...` without `--`: the first two words are the lab and the node.
        a = parse_args(argv, {}, {"--json"}, 2);
        pos = a.pos;
        cmd = a.rest;
    }
    if (cmd.empty()) throw UsageError(usage_line("exec"));
    auto [lab_name, node] = lab_and_node(pos, "exec");
    error_context()["lab"] = lab_name;
    error_context()["node"] = node;
    lab::Lab l = lab::Lab::attach(lab_name);
    if (!a.flag("--json")) return run_attached(l, node, cmd);
    // Captured rather than passed through, and reported as one JSON object; the exit code is
    // still the command's.
    auto t0 = std::chrono::steady_clock::now();
    exec::RunResult r = l.run(node, cmd);
    double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    print_json(view::describe_run(l.name(), node, cmd, r, ms));
    return r.exit_code;
}

int cmd_shell(const Argv& argv) {
    Args a = parse_args(argv, {}, {});
    auto [lab_name, node] = lab_and_node(a.pos, "shell");
    lab::Lab l = lab::Lab::attach(lab_name);
    const char* sh = std::getenv("SHELL");
    std::string shell = sh && *sh ? sh : (::access("/bin/bash", X_OK) == 0 ? "/bin/bash" : "/bin/sh");
    std::cerr << "shell in " << l.name() << "." << node << "; exit to leave\n";
    // On a terminal the shell gets a pty of its own inside the node (job control works);
    // otherwise it simply reads our stdin.
    if (::isatty(0)) return l.run_on_terminal(node, {shell, "-i"});
    return run_attached(l, node, {shell});
}

}  // namespace nslab::cli
