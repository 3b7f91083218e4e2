// A node's own root filesystem: the `rootfs` directory becomes its `/` (pivot_root), with a
// fresh /proc, /sys, /tmp and a minimal /dev, and the host's tree unmounted from its view.
#pragma once

#include <string>

namespace nslab::node {

// Runs in the node's init, in its own mount namespace whose mounts no longer propagate to the
// host. Afterwards "/" is the rootfs and nothing of the host's tree is reachable.
void enter_rootfs(const std::string& rootfs, std::string& step);

}  // namespace nslab::node
