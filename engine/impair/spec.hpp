// A link impairment as people write it on the command line ("delay=20ms loss=1%") or in
// Python (delay="20ms"), read with the topology layer's own rules so `lab link ... set` accepts
// exactly what a topology's `netem` object accepts, with the same messages.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "topology/model.hpp"

namespace nslab::impair {

// "key=value" words (CLI; Python passes pairs to topo::parse_netem); throws topo::TopologyError
// naming the bad key, e.g. "set: /loss: "120%" is not between 0 and 100%". No words = no
// impairment.
topo::Netem parse_netem_words(const std::vector<std::string>& words);

// "delay=20ms jitter=2ms loss=1% rate=10mbit", or "none".
std::string format_netem(const topo::Netem& n);

// A lossless JSON form for state files and the forwarder's control socket.
nlohmann::json netem_to_json(const topo::Netem& n);
topo::Netem netem_from_json(const nlohmann::json& j);

}  // namespace nslab::impair
