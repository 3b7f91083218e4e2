#include "lab/node_netns.hpp"

#include <fcntl.h>
#include <sched.h>
#include <unistd.h>

#include <cerrno>

#include "util/error.hpp"

namespace nslab::lab {

sys::Fd open_netns(const Lab& lab, const std::string& node) {
    // The pidfd pins the verified init while we open its namespace by PID.
    sys::Fd pidfd = lab.init_pidfd(node);
    pid_t pid = 0;
    for (const auto& n : lab.state().nodes)
        if (n.name == node) pid = n.init.pid;
    std::string path = "/proc/" + std::to_string(pid) + "/ns/net";
    sys::Fd ns(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!ns) throw SystemError("open network namespace of node " + node, errno);
    return ns;
}

nl::Socket node_socket(const Lab& lab, const std::string& node) {
    sys::Fd ns = open_netns(lab, node);
    return nl::Socket::open_in(ns.get());
}

}  // namespace nslab::lab
