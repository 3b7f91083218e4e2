// Labs, command results and errors as JSON: the one place that decides what `lab up --json`,
// `lab status --json`, `lab exec --json` and errors under --json print, and what Python's
// Lab.to_dict() returns, so the CLI and the bindings cannot disagree.
#pragma once

#include <exception>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "exec/run.hpp"
#include "lab/lab.hpp"

namespace nslab::view {

// A running lab, read live: its record (status, keeper, source, build time and, for a lab made
// by this process, the time of each build stage), every node (init PID, network namespace pin,
// interfaces as the kernel has them with the addresses the topology gave each), every link
// (endpoints, impairment and path).
nlohmann::ordered_json describe(const lab::Lab& lab);
// One line per lab on this machine, as `lab status` lists them.
nlohmann::ordered_json describe_labs();
// The outcome of a command run in a node.
nlohmann::ordered_json describe_run(const std::string& lab, const std::string& node, const std::vector<std::string>& argv,
                            const exec::RunResult& r, double ms);
// {"error": {"message", "kind", ...}}: kind is "topology" (with "pointer" and every issue),
// "netlink" or "system" (with "errno", "errno_name", "op", "ext_ack"), or "error"; "node",
// "pointer" and "step" also for a failure at a known place of a lab (NodeError, or an Error
// with a cause).
nlohmann::ordered_json describe_error(const std::exception& e);

// Serialised for output: undecodable bytes (a command's binary output) become U+FFFD rather
// than an exception.
std::string json_text(const nlohmann::ordered_json& j, bool pretty = true);

}  // namespace nslab::view
