#include "lab/node_netns.hpp"

#include <fcntl.h>
#include <linux/netlink.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "lab/node_sockets.hpp"
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
    sys::Fd pidfd = lab.init_pidfd(node);
    auto fds = open_node_sockets({{pidfd.get(), AF_NETLINK, SOCK_RAW, NETLINK_ROUTE, node}}, lab.state().userns);
    return nl::Socket::adopt(fds[0].release());
}

}  // namespace nslab::lab
