// libFuzzer target over the topology parser and validator (topo::parse), the only code that
// reads untrusted input before anything is built. Any input must either yield a Model or a
// TopologyError whose every issue carries a well-formed JSON pointer that names a place in the
// document (or its parent, for a missing key) and a message. Anything else aborts, and so
// does any other exception, crash, hang or sanitizer report.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "topology/model.hpp"

namespace {

[[noreturn]] void fail(const std::string& why, std::string_view input) {
    std::fprintf(stderr, "fuzz_topology: %s\ninput: %.*s\n", why.c_str(), static_cast<int>(input.size()), input.data());
    std::abort();
}

// RFC 6901: "" or "/"-separated tokens where "~" is only ever "~0" or "~1".
bool well_formed(const std::string& p) {
    if (p.empty()) return true;
    if (p[0] != '/') return false;
    for (std::size_t i = 0; i < p.size(); ++i)
        if (p[i] == '~' && (i + 1 >= p.size() || (p[i + 1] != '0' && p[i + 1] != '1'))) return false;
    return true;
}

// The pointer, or the object or list that holds what it names, exists in the document.
bool names_a_place(const nlohmann::json& doc, const std::string& p) {
    if (p.empty()) return true;
    try {
        nlohmann::json::json_pointer ptr(p);
        if (doc.contains(ptr)) return true;
        return doc.contains(ptr.parent_pointer());
    } catch (const nlohmann::json::exception&) {
        return false;
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    try {
        nslab::topo::Model m = nslab::topo::parse(text, nslab::topo::ParseOptions{.source = "fuzz.json"});
        if (m.name.empty()) fail("accepted a topology without a name", text);
    } catch (const nslab::topo::TopologyError& e) {
        if (e.issues().empty()) fail("rejected with no issue", text);
        // The document as plain JSON, when it is: duplicate keys resolve to the last, as the
        // parser reports them there.
        auto doc = nlohmann::json::parse(text, nullptr, false);
        for (const auto& issue : e.issues()) {
            if (issue.message.empty()) fail("an issue without a message at \"" + issue.pointer + "\"", text);
            if (!well_formed(issue.pointer)) fail("malformed JSON pointer \"" + issue.pointer + "\"", text);
            if (!doc.is_discarded() && !names_a_place(doc, issue.pointer))
                fail("pointer \"" + issue.pointer + "\" names no place in the document: " + issue.message, text);
        }
        if (std::string(e.what()).empty()) fail("an error without text", text);
    }
    return 0;
}
