#include "topology/detail/names.hpp"

#include <algorithm>
#include <cctype>

#include "topology/detail/json_util.hpp"
#include "topology/model.hpp"

namespace nslab::topo {

namespace detail {

namespace {

bool lower_alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

// `[first][a-z0-9-]*`, the shape shared by lab and node names: no `.`, so "<lab>.<node>"
// names a node uniquely, and nothing a shell or a path would treat specially.
bool dashed_name(std::string_view s, bool first_may_be_digit, std::size_t max) {
    if (s.empty() || s.size() > max) return false;
    if (!(first_may_be_digit ? lower_alnum(s[0]) : (s[0] >= 'a' && s[0] <= 'z'))) return false;
    return std::all_of(s.begin(), s.end(), [](char c) { return lower_alnum(c) || c == '-'; });
}

}  // namespace

std::optional<std::string> lab_name_problem(std::string_view name) {
    if (dashed_name(name, true, kMaxLabName)) return std::nullopt;
    return "invalid lab name " + quote(name) +
           ": use lowercase letters, digits and \"-\", starting with a letter or digit, at most " +
           std::to_string(kMaxLabName) + " characters";
}

std::optional<std::string> node_name_problem(std::string_view name) {
    if (dashed_name(name, false, kMaxNodeName)) return std::nullopt;
    return "invalid node name " + quote(name) +
           ": use lowercase letters, digits and \"-\", starting with a letter, at most " +
           std::to_string(kMaxNodeName) + " characters";
}

// The kernel's dev_valid_name(), plus the names it would refuse later: "lo" exists in every
// namespace, and "all"/"default" collide with /proc/sys/net/*/conf/{all,default}.
std::optional<std::string> ifname_problem(std::string_view name) {
    std::string q = quote(name);
    if (name.empty()) return std::string("an interface name cannot be empty");
    if (name.size() > kMaxIfname)
        return "interface name " + q + " is " + std::to_string(name.size()) + " characters; the kernel allows at most " +
               std::to_string(kMaxIfname);
    if (name == "lo") return std::string("\"lo\" is the loopback interface every node already has; put its addresses under \"loopback\"");
    if (name == "." || name == ".." || name == "all" || name == "default")
        return "interface name " + q + " is reserved by the kernel";
    for (char c : name)
        if (c == '/' || c == ':' || std::isspace(static_cast<unsigned char>(c)) || c == '\0')
            return "interface name " + q + " cannot contain \"/\", \":\" or whitespace";
    // The kernel reads "%d" in a new link's name as "the first free number", so "eth%d" would
    // not be the name asked for; control characters would reach terminals through lab status.
    for (char c : name)
        if (c == '%' || static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
            return "interface name " + q + " cannot contain \"%\" or control characters";
    return std::nullopt;
}

std::optional<std::string> hostname_problem(std::string_view name) {
    auto good = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.'; };
    if (!name.empty() && name.size() <= kMaxHostname && name[0] != '-' && name[0] != '.' &&
        std::all_of(name.begin(), name.end(), good))
        return std::nullopt;
    return "invalid hostname " + quote(name) + ": use letters, digits, \"-\" and \".\", at most " +
           std::to_string(kMaxHostname) + " characters";
}

}  // namespace detail

bool valid_lab_name(std::string_view s) { return !detail::lab_name_problem(s); }
bool valid_node_name(std::string_view s) { return !detail::node_name_problem(s); }
bool valid_ifname(std::string_view s) { return !detail::ifname_problem(s); }

}  // namespace nslab::topo
