// Reading a topology file: topology/ is pure (text in, Model out), so the file is read here.
#pragma once

#include <string>

#include "topology/model.hpp"

namespace nslab::lab {

// Reads `path` (SystemError if unreadable) and parses it with source = path; `frr`/`bird`
// config paths are relative to its directory, and each must be readable.
topo::Model load_topology(const std::string& path, std::string name_override = {});

}  // namespace nslab::lab
