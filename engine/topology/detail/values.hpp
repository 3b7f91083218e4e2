// Private to topology/: the unit-bearing strings of TOPOLOGY.md. Each returns nullopt for text
// it does not understand; the caller knows which key it was and words the message.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace nslab::topo::detail {

// "10ms", "1.5s", "200us" (also tc's "sec", "msec", "usec" spellings) → microseconds, rounded.
std::optional<std::uint64_t> parse_duration_us(std::string_view text);

// "1%", "0.5%", or a bare "1" as tc reads it → percent. The range is the caller's business.
std::optional<double> parse_percent(std::string_view text);

// tc's rate units, case-insensitive: "bit", "kbit", "mbit", "gbit", "tbit" (powers of 1000),
// "kibit".."tibit" (powers of 1024), and tc's byte rates "bps", "kbps", "mbps", "gbps", "tbps",
// "kibps".."tibps" (eight bits a byte). A bare number is bits per second, as in tc.
std::optional<std::uint64_t> parse_rate_bps(std::string_view text);

// "128M", "1G", "512k", "64Mi", "1GiB", "4096" → bytes; K/M/G/T (any case, optional "i",
// optional "B") are powers of 1024, as memory sizes are everywhere else in Linux.
std::optional<std::uint64_t> parse_size_bytes(std::string_view text);

}  // namespace nslab::topo::detail
