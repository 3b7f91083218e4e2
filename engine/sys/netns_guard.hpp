// Stepping into another network namespace and back, the one way nslab does it. Network
// namespace membership is per thread: other threads are unaffected, and a socket or a
// /proc/sys/net file opened while away belongs to the namespace visited.
#pragma once

#include <string>

#include "sys/fd.hpp"

namespace nslab::sys {

class NetnsGuard {
public:
    // Remembers the thread's namespace; enters nothing yet.
    NetnsGuard();
    // Enters `target` (a network namespace fd, or a pidfd: kernel >= 5.8); throws SystemError
    // "enter the network namespace of <what>" when the kernel refuses.
    NetnsGuard(int target, const std::string& what);
    NetnsGuard(const NetnsGuard&) = delete;
    NetnsGuard& operator=(const NetnsGuard&) = delete;
    // Returns home. Going back to a namespace the thread was just in cannot fail for lack of
    // rights; if it did anyway, carrying on would make the next links or sockets in the wrong
    // namespace, perhaps the host's: the process stops instead (abort, with a message).
    ~NetnsGuard();

    void enter(int target, const std::string& what);
    // Enters a new, empty network namespace (unshare) and returns a descriptor of it.
    Fd enter_new(const std::string& what);
    // Returns home now (as the destructor would); a no-op when not away.
    void leave() noexcept;

private:
    Fd home_;
    bool away_ = false;
};

}  // namespace nslab::sys
