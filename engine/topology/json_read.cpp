// JSON text to document, built from the parser's SAX events rather than by nlohmann's own
// DOM builder: that one finds each key of an ordered_json object by walking the object, which
// made reading a 100,000-node `nodes` quadratic (68 s). Each open object keeps a hash index of
// its keys instead, which also catches duplicates: nlohmann keeps the last of two equal keys
// without a word, and two nodes called "r1" would silently become one.
#include <algorithm>
#include <map>
#include <unordered_map>

#include "topology/detail/build.hpp"

namespace nslab::topo::detail {

namespace {

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

// The SAX handler nlohmann's parser calls (the json_sax interface).
class Reader {
public:
    bool null() { return put(ojson(nullptr)); }
    bool boolean(bool v) { return put(ojson(v)); }
    bool number_integer(ojson::number_integer_t v) { return put(ojson(v)); }
    bool number_unsigned(ojson::number_unsigned_t v) { return put(ojson(v)); }
    bool number_float(ojson::number_float_t v, const ojson::string_t&) { return put(ojson(v)); }
    bool string(ojson::string_t& v) { return put(ojson(std::move(v))); }
    bool binary(ojson::binary_t& v) { return put(ojson(std::move(v))); }  // never from JSON text
    bool start_object(std::size_t) { return open(ojson::object()); }
    bool start_array(std::size_t) { return open(ojson::array()); }
    bool end_object() { return close(); }
    bool end_array() { return close(); }

    bool key(ojson::string_t& k) {
        Frame& f = frames_.back();
        auto& object = f.value->get_ref<ojson::object_t&>();
        std::optional<std::size_t> seen = f.find(object, k);
        f.current = seen.value_or(object.size());
        if (!seen) {
            object.emplace_back(std::move(k), nullptr);  // the vector's own: no search
            slot_ = &object.back().second;
            return true;
        }
        // As nlohmann does: the later value replaces the earlier one, in the earlier one's place.
        slot_ = &(object.begin() + static_cast<std::ptrdiff_t>(*seen))->second;
        std::string where = pointer_of(k);
        // Duplicates found inside the replaced value name a place the document no longer has
        // (found by the fuzzer).
        dups_.erase(dups_.lower_bound(where + "/"), dups_.lower_bound(where + "0"));  // '0' follows '/'
        dups_.try_emplace(where, met_++, "duplicate key " + quote(k) + " (only one would count)");
        return true;
    }

    bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception& e) {
        if (const auto* syntax = dynamic_cast<const nlohmann::detail::parse_error*>(&e)) {
            syntax_byte_ = syntax->byte;
            failure_ = parser_words(syntax->what());
        } else {
            // Not a syntax error but a value the parser cannot hold (a number out of range): found
            // by the fuzzer, it used to escape as a crash.
            std::string what = e.what();
            auto bracket = what.find("] ");
            if (bracket != std::string::npos) what = what.substr(bracket + 2);
            if (what.size() > 120) what = what.substr(0, 117) + "...";
            failure_ = what;
        }
        failed_ = true;
        return false;
    }

    // The duplicates, in the order they were met.
    void report_duplicates(Issues& issues) const {
        std::vector<std::pair<std::size_t, const Dups::value_type*>> order;
        for (const auto& d : dups_) order.emplace_back(d.second.first, &d);
        std::sort(order.begin(), order.end());
        for (const auto& [met, d] : order) issues.add(d->first, d->second.second);
    }

    ojson& document() { return root_; }
    bool failed() const { return failed_; }
    const std::string& failure() const { return failure_; }
    std::optional<std::size_t> syntax_byte() const { return syntax_byte_; }

private:
    // One per open object or list.
    struct Frame {
        ojson* value;                                        // the object or list being filled
        std::size_t current = 0;                             // object: position of the key being read
        std::unordered_map<std::string, std::size_t> keys;   // object: each key's position, once it is large

        // Where `k` already is in `object`; records it as coming next when it is new. Most
        // objects hold a handful of keys, which a glance over them finds sooner than a hash.
        std::optional<std::size_t> find(const ojson::object_t& object, const std::string& k) {
            constexpr std::size_t kSmall = 8;
            if (object.size() < kSmall) {
                auto it = std::find_if(object.begin(), object.end(), [&](const auto& e) { return e.first == k; });
                if (it == object.end()) return std::nullopt;
                return static_cast<std::size_t>(it - object.begin());
            }
            if (keys.empty())
                for (auto it = object.begin(); it != object.end(); ++it)
                    keys.emplace(it->first, static_cast<std::size_t>(it - object.begin()));
            auto [at, fresh] = keys.try_emplace(k, object.size());
            if (fresh) return std::nullopt;
            return at->second;
        }
    };

    ojson root_;
    std::vector<Frame> frames_;
    ojson* slot_ = nullptr;  // in an object: where the value of the last key goes
    // pointer -> (order met, message); ordered by pointer, so the duplicates inside a value are a range
    using Dups = std::map<std::string, std::pair<std::size_t, std::string>>;
    Dups dups_;
    std::size_t met_ = 0;
    bool failed_ = false;
    std::string failure_;
    std::optional<std::size_t> syntax_byte_;

    // A value's place: the document, the end of the open list, or the slot of the last key.
    // Pointers stay valid while a value is open: nothing is added to its parent until it ends.
    ojson* place(ojson&& v) {
        if (frames_.empty()) {
            root_ = std::move(v);
            return &root_;
        }
        ojson& parent = *frames_.back().value;
        if (parent.is_array()) {
            auto& list = parent.get_ref<ojson::array_t&>();
            list.push_back(std::move(v));
            return &list.back();
        }
        *slot_ = std::move(v);
        return slot_;
    }
    bool put(ojson&& v) {
        place(std::move(v));
        return true;
    }
    bool open(ojson&& v) {
        ojson* p = place(std::move(v));
        frames_.push_back(Frame{p, 0, {}});
        return true;
    }
    bool close() {
        frames_.pop_back();
        return true;
    }

    // The pointer of key `k` of the innermost open object.
    std::string pointer_of(const std::string& k) const {
        std::string p;
        for (std::size_t i = 0; i + 1 < frames_.size(); ++i) {
            const ojson& v = *frames_[i].value;
            if (v.is_array())
                p = child(p, v.size() - 1);
            else
                p = child(p, (v.get_ref<const ojson::object_t&>().begin() +
                              static_cast<std::ptrdiff_t>(frames_[i].current))->first);
        }
        return child(p, k);
    }
};

}  // namespace

std::optional<ojson> read_json(std::string_view text, Issues& issues) {
    Reader r;
    ojson::sax_parse(text.begin(), text.end(), &r, ojson::input_format_t::json, /*strict=*/true,
                     /*ignore_comments=*/true);
    r.report_duplicates(issues);
    if (!r.failed()) return std::move(r.document());
    if (auto byte = r.syntax_byte())
        issues.add("", "invalid JSON at " + position(text, *byte) + ": " + r.failure());
    else
        issues.add("", "invalid JSON: " + r.failure());
    return std::nullopt;
}

}  // namespace nslab::topo::detail
