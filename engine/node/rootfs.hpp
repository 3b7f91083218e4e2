// A node's own root filesystem: the `rootfs` directory becomes its `/` (pivot_root), with a
// fresh /proc, /sys, /tmp and a minimal /dev, and the host's tree unmounted from its view.
#pragma once

#include <string>

#include "sys/fd.hpp"
#include "topology/model.hpp"

namespace nslab::node {

// Opens `rootfs` (O_PATH) as what a node may enter, refusing what must never become a node's
// "/" however the path reaches it (a symlink, a bind mount):
//   - a path through a /proc magic link (/proc/<pid>/root, /proc/self/cwd): ELOOP;
//   - the host's own root: EPERM;
//   - the host's kernel filesystems, /proc, /sys and /dev, or anything inside them: EPERM;
//   - a top-level system directory of the host itself, /etc, /usr, /bin, /sbin, /lib, /lib32,
//     /lib64, /libx32, /boot, /var, /run, /root, /home, /opt, /srv or /tmp (what lies below
//     them, /var/lib/machines/x or /srv/roots/x, is where root filesystems are kept): EPERM.
// Throws SystemError naming the path; a refusal's detail says what the path resolves to.
sys::Fd open_rootfs(const std::string& rootfs);

// open_rootfs() for the keeper, before anything is built: throws Error naming the node, the
// JSON pointer of its `rootfs` and the reason.
void check_rootfs(const topo::Node& node);

// Runs in the node's init, in its own mount namespace whose mounts no longer propagate to the
// host. Afterwards "/" is the rootfs and nothing of the host's tree is reachable.
void enter_rootfs(const std::string& rootfs, std::string& step);

}  // namespace nslab::node
