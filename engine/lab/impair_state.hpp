// Which impairment is in force on each link of a running lab and by which path, recorded in
// /run/nslab/<lab>/impair.json so `lab link show`, `lab status` and any process changing a
// link agree on it. The keeper writes it at `lab up`; set_impairment() rewrites it.
#pragma once

#include <cstddef>
#include <map>
#include <string>

#include "topology/model.hpp"

namespace nslab::lab {

// "netem" (kernel sch_netem), "tbf" (kernel, rate only), "userspace" (the forwarder), "none".
struct LinkImpairment {
    std::string path = "none";
    topo::Netem netem;
    // Wired through the hidden namespace at `lab up`: only such a link can use the userspace path.
    bool forwarded = false;
    // The number the forwarder knows the link by: its index at `lab up`, which a live change
    // that removes an earlier link does not renumber.
    std::size_t forwarder_id = 0;
};

using Impairments = std::map<std::size_t, LinkImpairment>;  // by index in Model::links

std::string impair_file(const std::string& lab);          // .../impair.json
std::string impair_socket(const std::string& lab);        // .../impair.sock (the forwarder's)
Impairments load_impairments(const std::string& lab);     // empty when there is no file
void save_impairments(const std::string& lab, const Impairments& im);

}  // namespace nslab::lab
