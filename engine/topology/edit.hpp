// Edits of a topology's text for live changes (lab node add, lab link rm, ...): each takes
// the lab's current text and its model and returns the text of the next version, which then
// goes through parse() and plan::diff like any edited file. Pure. The result is plain JSON
// (comments are not kept). Mistakes (a node that exists already, an end no link has) are
// TopologyError with source "change".
#pragma once

#include <string>
#include <string_view>

#include "topology/model.hpp"

namespace nslab::topo {

// `spec` is a node object as in "nodes" (JSON text; empty means {}).
// The topology with `placement` from a hosts file (`lab up --hosts`): its "hosts" (and
// "vni_base") replace the topology's; its "nodes" are added to the topology's own placements.
std::string with_placement(std::string_view text, std::string_view hosts, const std::string& hosts_source);
std::string with_node(std::string_view text, const std::string& name, std::string_view spec);
// The node and every link with an end on it.
std::string without_node(std::string_view text, const Model& current, const std::string& name);
// `a` and `b` are endpoints as in "endpoints"; `spec` the link's other keys (JSON object text).
std::string with_link(std::string_view text, const std::string& a, const std::string& b, std::string_view spec);
// The link that has the end `endpoint` ("r1:eth1").
std::string without_link(std::string_view text, const Model& current, const std::string& endpoint);

}  // namespace nslab::topo
