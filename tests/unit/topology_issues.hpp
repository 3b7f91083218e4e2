// Unit tests' view of a refused topology: every issue as the user reads it ("pointer: words"
// lines), or "" when it parses.
#pragma once

#include <string>

#include "topology/model.hpp"

namespace nslab::unit {

inline std::string issues_of(const std::string& text) {
    try {
        topo::parse(text);
    } catch (const topo::TopologyError& e) {
        return e.what();
    }
    return "";
}

}  // namespace nslab::unit
