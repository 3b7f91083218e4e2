// A keeper's failure as the JSON line it reports to the client, and back: the client throws
// the same type with the same text and every field (errno, the kernel's words, node, JSON
// pointer, step), as if the keeper's exception had crossed the process boundary itself.
#pragma once

#include <nlohmann/json.hpp>

#include <exception>

namespace nslab::lab {

// {"ok": false, "error": what(), "kind": "node"|"netlink"|"system"|"error", ...}
nlohmann::json error_report(const std::exception& e);
// Throws the exception error_report() described (Error when the kind is unknown).
[[noreturn]] void throw_reported(const nlohmann::json& report);

}  // namespace nslab::lab
