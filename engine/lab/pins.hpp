// Pins make each node's network namespace visible at /run/netns/<lab>.<node>, the place
// `ip netns exec`, tcpdump and Wireshark users look. /run/netns is a mount point of its own
// (as iproute2 makes it) so a node can detach every pin from its mount namespace in one call;
// if nslab made that mount, the last lab to go removes it again.
#pragma once

#include <string>
#include <vector>

#include <sys/types.h>

namespace nslab::lab {

// Before any node is cloned: nodes cloned later see /run/netns as a mount and detach it.
void prepare_netns_dir();
void pin_node(const std::string& lab, const std::string& node, pid_t init_pid);
// Pins are recorded in the lab's state dir before they are made; a name already taken (by
// `ip netns add`, another tool) fails the pin and is left alone.
// Removes one node's pin (a node taken out of a running lab).
void unpin_node(const std::string& lab, const std::string& node);
// Removes the pins this lab recorded, then the /run/netns mount if nslab made it and no lab
// uses it any more.
void unpin_lab(const std::string& lab);

// An exclusive flock on run_dir(), held while the shared /run/netns is changed.
class GlobalLock {
public:
    GlobalLock();
    ~GlobalLock();
    GlobalLock(const GlobalLock&) = delete;
    GlobalLock& operator=(const GlobalLock&) = delete;

private:
    int fd_ = -1;
};

}  // namespace nslab::lab
