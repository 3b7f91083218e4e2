// How labs look on a terminal.
#pragma once

#include <ostream>
#include <string>

#include "probe/inspect.hpp"
#include "topology/model.hpp"

namespace nslab::cli {

std::string printable(const std::string& s);            // control bytes and "\\" as \\xNN
std::string format_ms(double ms);                       // "12.3 ms", "1.24 s"
void print_model(std::ostream& os, const topo::Model& m);  // node, kind, interface, addresses
// `model`, when given, adds the VLANs of each port of a VLAN-aware switch.
void print_live(std::ostream& os, const std::vector<probe::NodeLive>& nodes, const topo::Model* model = nullptr);

}  // namespace nslab::cli
