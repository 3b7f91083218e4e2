// Private to topology/: a node as seen through `defaults` (TOPOLOGY.md): the node's own keys
// win, objects merge key by key, anything else (lists included) is taken whole. Every value
// keeps the pointer it was written at, so a bad default is reported under /defaults.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "topology/detail/json_util.hpp"

namespace nslab::topo::detail {

struct Located {
    const ojson* value = nullptr;
    std::string pointer;
    explicit operator bool() const { return value != nullptr; }
    const ojson& operator*() const { return *value; }
};

using Entries = std::vector<std::pair<std::string, Located>>;

class NodeView {
public:
    // `defaults` is null for a node that takes none (a switch).
    NodeView(const ojson& own, std::string pointer, const ojson* defaults);
    const std::string& pointer() const { return pointer_; }
    Located get(std::string_view key) const;
    // An object-valued key merged entry by entry: the defaults' entries in their order (with
    // the node's values where it overrides them), then the node's own new entries.
    Entries entries(std::string_view key, Issues& issues) const;

private:
    const ojson& own_;
    std::string pointer_;
    const ojson* defaults_;
};

inline constexpr std::string_view kDefaultsPointer = "/defaults";

}  // namespace nslab::topo::detail
