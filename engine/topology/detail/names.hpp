// Private to topology/: why a name is refused, in words; the public valid_*() in model.hpp are
// these with the words dropped.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace nslab::topo::detail {

constexpr std::size_t kMaxLabName = 32;
constexpr std::size_t kMaxNodeName = 15;
constexpr std::size_t kMaxIfname = 15;    // IFNAMSIZ - 1
constexpr std::size_t kMaxHostname = 64;  // HOST_NAME_MAX

// Each returns nullopt for a good name, else a complete message naming it.
std::optional<std::string> lab_name_problem(std::string_view name);
std::optional<std::string> node_name_problem(std::string_view name);
std::optional<std::string> ifname_problem(std::string_view name);
std::optional<std::string> hostname_problem(std::string_view name);

}  // namespace nslab::topo::detail
