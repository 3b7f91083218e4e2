#include "lab/node_netns.hpp"

#include <linux/netlink.h>
#include <sys/socket.h>

#include "lab/node_sockets.hpp"

namespace nslab::lab {

nl::Socket node_socket(const Lab& lab, const std::string& node) {
    sys::Fd pidfd = lab.init_pidfd(node);
    auto fds = open_node_sockets({{pidfd.get(), AF_NETLINK, SOCK_RAW, NETLINK_ROUTE, node}}, lab.state().userns);
    return nl::Socket::adopt(fds[0].release());
}

}  // namespace nslab::lab
