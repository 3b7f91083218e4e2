#include "sys/netns_guard.hpp"

#include <fcntl.h>
#include <sched.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "util/error.hpp"

namespace nslab::sys {

namespace {
Fd open_current(const char* why) {
    Fd fd(::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC));
    if (!fd) throw SystemError(std::string("open /proc/thread-self/ns/net (") + why + ")", errno);
    return fd;
}
}  // namespace

NetnsGuard::NetnsGuard() : home_(open_current("remember the home network namespace")) {}

NetnsGuard::NetnsGuard(int target, const std::string& what) : NetnsGuard() { enter(target, what); }

NetnsGuard::~NetnsGuard() { leave(); }

void NetnsGuard::enter(int target, const std::string& what) {
    if (::setns(target, CLONE_NEWNET) < 0) throw SystemError("enter the network namespace of " + what, errno);
    away_ = true;
}

Fd NetnsGuard::enter_new(const std::string& what) {
    if (::unshare(CLONE_NEWNET) < 0) throw SystemError("create " + what, errno);
    away_ = true;
    return open_current(what.c_str());
}

void NetnsGuard::leave() noexcept {
    if (!away_) return;
    if (::setns(home_.get(), CLONE_NEWNET) < 0) {
        std::fprintf(stderr, "nslab: cannot return to the original network namespace: %s\n", std::strerror(errno));
        std::abort();
    }
    away_ = false;
}

}  // namespace nslab::sys
