// `--json`: results on standard output and errors on standard error as JSON (built by the
// engine, view/describe.hpp), with the same exit codes as without it.
#pragma once

#include <exception>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace nslab::cli {

// True when `--json` comes before any `--` (after it, the words belong to a command).
bool json_requested(const std::vector<std::string>& args);
void print_json(const nlohmann::ordered_json& j);
// What a command knows that an error should carry ("lab", "node"), filled as it learns it.
nlohmann::ordered_json& error_context();
// {"error": {...}} on standard error; `kind` overrides the engine's ("usage").
void print_error_json(const std::exception& e, const char* kind = nullptr);

}  // namespace nslab::cli
