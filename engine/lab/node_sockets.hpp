// Sockets inside nodes' network namespaces, made for a process that stays outside them.
// A socket belongs to the namespace it was created in, wherever it is used later, so the
// engine visits a namespace, makes the socket and comes back. For a rootless lab the visit
// needs its user namespace first, which a multi-threaded process (Python) may not join: a
// short-lived single-threaded child makes the sockets and hands them over (SCM_RIGHTS).
#pragma once

#include <string>
#include <vector>

#include "sys/fd.hpp"

namespace nslab::lab {

struct SocketSpec {
    int pidfd = -1;           // the node's init
    int domain = 0, type = 0, protocol = 0;
    std::string node;         // for messages
};

// One socket per spec, in order. `userns`: the nodes live in a user namespace we are not in.
// Throws SystemError naming the node and the step that failed.
std::vector<sys::Fd> open_node_sockets(const std::vector<SocketSpec>& specs, bool userns);

}  // namespace nslab::lab
