#include "topology/detail/values.hpp"

#include <cctype>
#include <charconv>
#include <cmath>
#include <string>

namespace nslab::topo::detail {

namespace {

struct Quantity {
    double number;
    std::string unit;  // lower case
};

// A plain decimal ("1", "1.5", ".5") followed by a unit. Signs, exponents, "inf" and "nan"
// are refused before from_chars could accept them.
std::optional<Quantity> split(std::string_view text) {
    std::size_t end = 0, digits = 0, dots = 0;
    for (; end < text.size(); ++end) {
        char c = text[end];
        if (std::isdigit(static_cast<unsigned char>(c)))
            ++digits;
        else if (c == '.')
            ++dots;
        else
            break;
    }
    if (digits == 0 || dots > 1) return std::nullopt;
    double number = 0;
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + end, number, std::chars_format::fixed);
    if (ec != std::errc() || ptr != text.data() + end || !std::isfinite(number)) return std::nullopt;
    Quantity q{number, {}};
    for (char c : text.substr(end)) q.unit += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return q;
}

struct Unit {
    std::string_view name;
    double scale;
};

std::optional<double> scale_of(std::string_view unit, std::initializer_list<Unit> table) {
    for (const Unit& u : table)
        if (u.name == unit) return u.scale;
    return std::nullopt;
}

// Rounds and checks that the result fits; doubles hold integers exactly up to 2^53, far past
// any delay, rate or memory size a lab uses.
std::optional<std::uint64_t> to_integer(double value) {
    double r = std::round(value);
    if (!(r >= 0) || r >= 18446744073709551616.0) return std::nullopt;
    return static_cast<std::uint64_t>(r);
}

}  // namespace

std::optional<std::uint64_t> parse_duration_us(std::string_view text) {
    auto q = split(text);
    if (!q) return std::nullopt;
    auto scale = scale_of(q->unit, {{"s", 1e6}, {"sec", 1e6}, {"secs", 1e6},
                                    {"ms", 1e3}, {"msec", 1e3}, {"msecs", 1e3},
                                    {"us", 1}, {"usec", 1}, {"usecs", 1}});
    if (!scale) return std::nullopt;
    return to_integer(q->number * *scale);
}

std::optional<double> parse_percent(std::string_view text) {
    auto q = split(text);
    if (!q || !(q->unit.empty() || q->unit == "%")) return std::nullopt;
    return q->number;
}

std::optional<std::uint64_t> parse_rate_bps(std::string_view text) {
    auto q = split(text);
    if (!q) return std::nullopt;
    constexpr double k = 1e3, ki = 1024;
    auto scale = scale_of(q->unit, {{"", 1}, {"bit", 1},
                                    {"kbit", k}, {"mbit", k * k}, {"gbit", k * k * k}, {"tbit", k * k * k * k},
                                    {"kibit", ki}, {"mibit", ki * ki}, {"gibit", ki * ki * ki},
                                    {"tibit", ki * ki * ki * ki},
                                    {"bps", 8}, {"kbps", 8 * k}, {"mbps", 8 * k * k}, {"gbps", 8 * k * k * k},
                                    {"tbps", 8 * k * k * k * k},
                                    {"kibps", 8 * ki}, {"mibps", 8 * ki * ki}, {"gibps", 8 * ki * ki * ki},
                                    {"tibps", 8 * ki * ki * ki * ki}});
    if (!scale) return std::nullopt;
    return to_integer(q->number * *scale);
}

std::optional<std::uint64_t> parse_size_bytes(std::string_view text) {
    auto q = split(text);
    if (!q) return std::nullopt;
    std::string_view unit = q->unit;
    double scale = 1;
    if (!unit.empty() && unit != "b") {
        auto power = std::string_view("kmgt").find(unit[0]);
        std::string_view rest = unit.substr(1);
        if (power == std::string_view::npos || !(rest.empty() || rest == "i" || rest == "b" || rest == "ib"))
            return std::nullopt;
        scale = std::pow(1024.0, static_cast<double>(power + 1));
    }
    return to_integer(std::floor(q->number * scale));
}

}  // namespace nslab::topo::detail
