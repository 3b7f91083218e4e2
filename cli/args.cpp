#include "args.hpp"

namespace nslab::cli {

Args parse_args(const std::vector<std::string>& argv, const std::set<std::string>& with_value,
                const std::set<std::string>& known_flags, std::size_t stop_after) {
    Args a;
    for (std::size_t i = 0; i < argv.size(); ++i) {
        const std::string& s = argv[i];
        if (a.has_dashdash || (stop_after && a.pos.size() >= stop_after)) {
            a.rest.push_back(s);
            continue;
        }
        if (s == "--") {
            a.has_dashdash = true;
            continue;
        }
        if (s.size() > 1 && s[0] == '-' && s != "-") {
            std::string key = s, value;
            bool inline_value = false;
            if (auto eq = s.find('='); eq != std::string::npos) {
                key = s.substr(0, eq);
                value = s.substr(eq + 1);
                inline_value = true;
            }
            if (with_value.count(key)) {
                if (!inline_value) {
                    if (i + 1 >= argv.size()) throw UsageError(key + " needs a value");
                    value = argv[++i];
                }
                a.opts[key] = value;
            } else if (known_flags.count(key) && !inline_value) {
                a.flags.insert(key);
            } else {
                throw UsageError("unknown option " + key);
            }
            continue;
        }
        a.pos.push_back(s);
    }
    return a;
}

}  // namespace nslab::cli
