// Where labs live on disk. `/run/nslab/<lab>/` holds a lab's state; `/run/netns/<lab>.<node>`
// pins each node's network namespace for `ip netns exec` users.
#pragma once

#include <string>

namespace nslab::lab {

std::string run_dir();                               // /run/nslab (NSLAB_RUN_DIR overrides)
std::string netns_dir();                             // /run/netns (NSLAB_NETNS_DIR overrides)
std::string lab_dir(const std::string& lab);         // run_dir()/<lab>
std::string state_file(const std::string& lab);      // .../state.json
std::string topology_file(const std::string& lab);   // .../topology.json: the text as given
std::string log_dir(const std::string& lab);         // .../logs
std::string keeper_log(const std::string& lab);      // .../keeper.log
std::string pin_path(const std::string& lab, const std::string& node);  // /run/netns/<lab>.<node>

}  // namespace nslab::lab
