// A small argument reader: positionals, `--flag`, `--opt value` / `--opt=value`, and `--`.
#pragma once

#include <map>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

namespace nslab::cli {

struct Args {
    std::vector<std::string> pos;            // positionals before `--`
    std::vector<std::string> rest;           // everything after `--`
    bool has_dashdash = false;
    std::map<std::string, std::string> opts; // "--name" -> "x"
    std::set<std::string> flags;             // "--quiet"

    bool flag(const std::string& f) const { return flags.count(f) > 0; }
    std::string opt(const std::string& o, const std::string& def = {}) const {
        auto it = opts.find(o);
        return it == opts.end() ? def : it->second;
    }
};

// `with_value` lists the options that take a value; any other `--x` is a flag; an option not
// in `known` is a usage error. Stops option parsing at the first positional when
// `stop_at_positional` (so `lab exec lab r1 ping -c1 x` keeps `-c1` for ping).
Args parse_args(const std::vector<std::string>& argv, const std::set<std::string>& with_value,
                const std::set<std::string>& known_flags, std::size_t stop_after_positionals = 0);

struct UsageError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

}  // namespace nslab::cli
