// Private to topology/: JSON pointers, issue collection and typed reads that report what they
// expected, so every checker states its rule once and never formats a type error by hand.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "topology/model.hpp"

namespace nslab::topo::detail {

// Ordered, so nodes, sysctls, env and files keep the order the user wrote them in.
using ojson = nlohmann::ordered_json;

// RFC 6901 pointers: `~` becomes `~0` and `/` becomes `~1` inside a token.
std::string child(std::string_view pointer, std::string_view key);
std::string child(std::string_view pointer, std::size_t index);

std::string quote(std::string_view s);  // "\"s\""

// Every problem found so far. The same (pointer, message) is kept once: a bad `defaults` key
// is seen again by every node that takes it.
class Issues {
public:
    void add(std::string pointer, std::string message);
    bool empty() const { return list_.empty(); }
    std::size_t size() const { return list_.size(); }
    const std::vector<Issue>& list() const { return list_; }
    std::vector<Issue> take() { return std::move(list_); }

private:
    std::vector<Issue> list_;
    std::set<std::pair<std::string, std::string>> seen_;
};

const char* type_name(const ojson& v);  // "a string", "an object", ...
// A value as a message shows it: `"10 ms"`, `-1`, or its type for objects and lists.
std::string shown(const ojson& v);

enum class Want { String, Object, Array, Bool };
// True when `v` has the wanted type; otherwise records "expected a string, got a number".
bool expect(const ojson& v, Want want, const std::string& pointer, Issues& issues);

std::optional<std::string> get_string(const ojson& v, const std::string& pointer, Issues& issues);
std::optional<bool> get_bool(const ojson& v, const std::string& pointer, Issues& issues);
// An integer in [lo, hi]; floats such as 1.0 are refused like any other non-integer.
std::optional<std::int64_t> get_int(const ojson& v, const std::string& pointer, Issues& issues,
                                    std::int64_t lo, std::int64_t hi);
// A list of strings; each bad element is reported at its own pointer and skipped.
std::vector<std::string> get_strings(const ojson& v, const std::string& pointer, Issues& issues);

// Each element of the list `v`, read by `one(element, pointer, issues)`, which records what is
// wrong with a bad one and returns nullopt for it.
template <class F>
auto read_list(const ojson& v, const std::string& pointer, Issues& issues, F one) {
    std::vector<typename std::invoke_result_t<F, const ojson&, const std::string&, Issues&>::value_type> out;
    if (!expect(v, Want::Array, pointer, issues)) return out;
    for (std::size_t i = 0; i < v.size(); ++i)
        if (auto x = one(v[i], child(pointer, i), issues)) out.push_back(std::move(*x));
    return out;
}

// Reports each key of `object` that is not in `known`, suggesting the closest known one.
void check_keys(const ojson& object, const std::string& pointer, std::span<const std::string_view> known,
                Issues& issues);
// The message for one unknown key; shared by the places that merge objects before checking.
std::string unknown_key(std::string_view key, std::span<const std::string_view> known);

}  // namespace nslab::topo::detail
