// JSON text to document. nlohmann keeps the last of two equal keys without a word; two nodes
// called "r1" would silently become one, so the parser callback watches for duplicates.
#include <algorithm>
#include <set>

#include "topology/build.hpp"

namespace nslab::topo::detail {

namespace {

// Where the parser is: one frame per open object or list.
struct Frame {
    bool is_array = false;
    std::string key;                 // object: the key being read
    std::size_t index = 0;           // list: index of the current element
    std::size_t count = 0;           // list: elements started so far
    std::set<std::string> keys;      // object: keys seen so far
};

std::string pointer_of(const std::vector<Frame>& frames) {
    std::string p;
    for (const Frame& f : frames) p = f.is_array ? child(p, f.index) : child(p, f.key);
    return p;
}

// nlohmann reports a byte offset; editors want a line and a column.
std::string position(std::string_view text, std::size_t byte) {
    std::string_view before = text.substr(0, std::min(byte > 0 ? byte - 1 : 0, text.size()));
    std::size_t line = 1 + static_cast<std::size_t>(std::count(before.begin(), before.end(), '\n'));
    std::size_t newline = before.rfind('\n');
    std::size_t column = before.size() - (newline == std::string_view::npos ? 0 : newline + 1) + 1;
    return "line " + std::to_string(line) + ", column " + std::to_string(column);
}

// "[json.exception.parse_error.101] parse error at line 1, column 2: syntax error ..." →
// "syntax error ...": the position is given our own way.
std::string parser_words(const std::string& what) {
    auto at = what.find("parse error");
    auto colon = what.find(": ", at == std::string::npos ? 0 : at);
    return colon == std::string::npos ? what : what.substr(colon + 2);
}

}  // namespace

std::optional<ojson> read_json(std::string_view text, Issues& issues) {
    std::vector<Frame> frames;
    // (pointer, message) of each duplicate key, kept back until the end: a key repeated later
    // replaces the earlier value, and duplicates found inside that value name a place the
    // document no longer has (found by the fuzzer).
    std::vector<std::pair<std::string, std::string>> dups;
    auto begin_element = [&] {
        if (!frames.empty() && frames.back().is_array) frames.back().index = frames.back().count++;
    };
    ojson::parser_callback_t watch = [&](int, nlohmann::detail::parse_event_t event, ojson& parsed) {
        using E = nlohmann::detail::parse_event_t;
        switch (event) {
            case E::object_start:
            case E::array_start:
                begin_element();
                frames.push_back(Frame{event == E::array_start});
                break;
            case E::object_end:
            case E::array_end:
                frames.pop_back();
                break;
            case E::key: {
                Frame& f = frames.back();
                f.key = parsed.get<std::string>();
                if (!f.keys.insert(f.key).second) {
                    std::string at = pointer_of(frames);
                    std::erase_if(dups, [&](const auto& d) { return d.first.rfind(at + "/", 0) == 0; });
                    dups.emplace_back(at, "duplicate key " + quote(f.key) + " (only one would count)");
                }
                break;
            }
            case E::value:
                begin_element();
                break;
        }
        return true;
    };
    try {
        auto doc = ojson::parse(text.begin(), text.end(), watch, /*allow_exceptions=*/true, /*ignore_comments=*/true);
        for (auto& [at, msg] : dups) issues.add(at, msg);
        return doc;
    } catch (const ojson::parse_error& e) {
        for (auto& [at, msg] : dups) issues.add(at, msg);
        issues.add("", "invalid JSON at " + position(text, e.byte) + ": " + parser_words(e.what()));
        return std::nullopt;
    } catch (const ojson::exception& e) {
        // Not a syntax error but a value the parser cannot hold (a number out of range): found
        // by the fuzzer, it used to escape as a crash.
        std::string what = e.what();
        auto bracket = what.find("] ");
        if (bracket != std::string::npos) what = what.substr(bracket + 2);
        if (what.size() > 120) what = what.substr(0, 117) + "...";
        for (auto& [at, msg] : dups) issues.add(at, msg);
        issues.add("", "invalid JSON: " + what);
        return std::nullopt;
    }
}

}  // namespace nslab::topo::detail
