#include "topology/detail/json_util.hpp"

#include <algorithm>
#include <cstdio>

#include "topology/detail/suggest.hpp"

namespace nslab::topo::detail {

std::string child(std::string_view pointer, std::string_view key) {
    std::string s(pointer);
    s += '/';
    for (char c : key) {
        if (c == '~')
            s += "~0";
        else if (c == '/')
            s += "~1";
        else
            s += c;
    }
    return s;
}

std::string child(std::string_view pointer, std::size_t index) {
    return std::string(pointer) + "/" + std::to_string(index);
}

// Control characters are shown escaped: a name in an error must not drive the terminal.
std::string quote(std::string_view s) {
    std::string out = "\"";
    for (unsigned char c : s) {
        if (c < 0x20 || c == 0x7f) {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\x%02x", c);
            out += buf;
        } else {
            out += static_cast<char>(c);
        }
    }
    return out + "\"";
}

void Issues::add(std::string pointer, std::string message) {
    if (!seen_.emplace(pointer, message).second) return;
    list_.push_back(Issue{std::move(pointer), std::move(message)});
}

const char* type_name(const ojson& v) {
    switch (v.type()) {
        case ojson::value_t::null: return "null";
        case ojson::value_t::object: return "an object";
        case ojson::value_t::array: return "a list";
        case ojson::value_t::string: return "a string";
        case ojson::value_t::boolean: return "a boolean";
        case ojson::value_t::number_integer:
        case ojson::value_t::number_unsigned: return "an integer";
        case ojson::value_t::number_float: return "a number";
        default: return "something else";
    }
}

std::string shown(const ojson& v) {
    if (v.is_primitive() && !v.is_null()) return v.dump();
    return type_name(v);
}

namespace {
std::pair<bool, const char*> matches(const ojson& v, Want want) {
    switch (want) {
        case Want::String: return {v.is_string(), "a string"};
        case Want::Object: return {v.is_object(), "an object"};
        case Want::Array: return {v.is_array(), "a list"};
        case Want::Bool: return {v.is_boolean(), "true or false"};
    }
    return {false, "?"};
}
}  // namespace

bool expect(const ojson& v, Want want, const std::string& pointer, Issues& issues) {
    auto [ok, name] = matches(v, want);
    if (!ok) issues.add(pointer, std::string("expected ") + name + ", got " + type_name(v));
    return ok;
}

std::optional<std::string> get_string(const ojson& v, const std::string& pointer, Issues& issues) {
    if (!expect(v, Want::String, pointer, issues)) return std::nullopt;
    return v.get<std::string>();
}

std::optional<bool> get_bool(const ojson& v, const std::string& pointer, Issues& issues) {
    if (!expect(v, Want::Bool, pointer, issues)) return std::nullopt;
    return v.get<bool>();
}

namespace {
std::string integer_range(std::int64_t lo, std::int64_t hi) {
    if (hi == INT64_MAX) {
        if (lo == 0) return "a non-negative integer";
        if (lo == 1) return "a positive integer";
        return "an integer of at least " + std::to_string(lo);
    }
    return "an integer from " + std::to_string(lo) + " to " + std::to_string(hi);
}
}  // namespace

std::optional<std::int64_t> get_int(const ojson& v, const std::string& pointer, Issues& issues, std::int64_t lo,
                                    std::int64_t hi) {
    std::string want = integer_range(lo, hi);
    if (!v.is_number_integer()) {
        issues.add(pointer, "expected " + want + ", got " + (v.is_number() ? v.dump() : type_name(v)));
        return std::nullopt;
    }
    // Unsigned values beyond INT64_MAX exist in JSON; they are out of every range we accept.
    bool too_big = v.is_number_unsigned() && v.get<std::uint64_t>() > static_cast<std::uint64_t>(INT64_MAX);
    std::int64_t n = too_big ? INT64_MAX : v.get<std::int64_t>();
    if (too_big || n < lo || n > hi) {
        issues.add(pointer, "expected " + want + ", got " + v.dump());
        return std::nullopt;
    }
    return n;
}

std::vector<std::string> get_strings(const ojson& v, const std::string& pointer, Issues& issues) {
    std::vector<std::string> out;
    if (!expect(v, Want::Array, pointer, issues)) return out;
    for (std::size_t i = 0; i < v.size(); ++i)
        if (auto s = get_string(v[i], child(pointer, i), issues)) out.push_back(std::move(*s));
    return out;
}

std::string unknown_key(std::string_view key, std::span<const std::string_view> known) {
    return "unknown key " + quote(key) + did_you_mean(key, known, "keys");
}

void check_keys(const ojson& object, const std::string& pointer, std::span<const std::string_view> known,
                Issues& issues) {
    if (!object.is_object()) return;
    for (const auto& [key, value] : object.items()) {
        if (std::find(known.begin(), known.end(), key) == known.end())
            issues.add(child(pointer, key), unknown_key(key, known));
    }
}

}  // namespace nslab::topo::detail
