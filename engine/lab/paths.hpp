// Where labs live on disk. `/run/nslab/<lab>/` holds a lab's state; `/run/netns/<lab>.<node>`
// pins each node's network namespace for `ip netns exec` users.
#pragma once

#include <string>

namespace nslab::lab {

// Root: /run/nslab. An ordinary user: $XDG_RUNTIME_DIR/nslab, else /tmp/nslab-<uid> (0700).
// NSLAB_RUN_DIR overrides either.
std::string run_dir();
// run_dir(), after checking it is a real directory (not a symlink) of ours that nobody else may
// write (throws otherwise); a run dir that does not exist yet is returned as it is. Every
// reader of lab state goes through it.
std::string checked_run_dir();
// Creates run_dir() if needed and checks it is a directory of ours (throws otherwise).
void ensure_run_dir();
std::string netns_dir();                             // /run/netns (NSLAB_NETNS_DIR overrides)
// checked_run_dir()/<lab>; throws if that exists as a symlink, a non-directory or another's.
std::string lab_dir(const std::string& lab);
std::string state_file(const std::string& lab);      // .../state.json
std::string topology_file(const std::string& lab);   // .../topology.json: the text as given
std::string log_dir(const std::string& lab);         // .../logs
std::string keeper_log(const std::string& lab);      // .../keeper.log
// Rootless labs have no pins: /run/netns belongs to root.
bool pins_enabled();
std::string pin_path(const std::string& lab, const std::string& node);  // /run/netns/<lab>.<node>

}  // namespace nslab::lab
