// Handing file descriptors to another process over an AF_UNIX socket (SCM_RIGHTS), with a
// fixed-size record alongside.
#pragma once

#include <cstddef>
#include <vector>

#include "sys/fd.hpp"

namespace nslab::sys {

// One datagram: `len` bytes of `data` and the descriptors `fds` (which stay open here).
// Returns false with errno set on failure. Safe in a forked child (no allocation).
bool send_fds(int sock, const void* data, std::size_t len, const int* fds, std::size_t nfds);

// Receives one datagram into `data` (up to `len` bytes) and up to `max_fds` descriptors,
// appended to `fds` (close-on-exec). Returns the byte count (0: the peer closed), or -1 with
// errno set. EINTR is retried.
long recv_fds(int sock, void* data, std::size_t len, std::vector<Fd>& fds, std::size_t max_fds);

}  // namespace nslab::sys
