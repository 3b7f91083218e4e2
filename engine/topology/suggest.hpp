// Private to topology/: "did you mean" for misspelt keys, node names, interfaces and values.
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace nslab::topo::detail {

// Optimal-string-alignment distance, case-insensitive: a swapped pair of letters costs one edit,
// since "endpionts" is a typo of "endpoints", not a different word.
std::size_t edit_distance(std::string_view a, std::string_view b);

// The one candidate close enough to be a typo of `word`, if exactly one is closest.
std::optional<std::string_view> closest(std::string_view word, std::span<const std::string_view> known);

// `; did you mean "links"?` when one candidate is close, else `; known keys: a, b, c` (or
// `; there are no <plural>`), to be appended to a message.
std::string did_you_mean(std::string_view word, std::span<const std::string_view> known, std::string_view plural);

}  // namespace nslab::topo::detail
