// A node's init: PID 1 of its PID namespace, holder of its namespaces, reaper of its orphans.
// Started with clone3 from the keeper (single-threaded), it sets up its mounts, hostname and
// sysctls itself, then reports "ready" or the step that failed, with errno and detail.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "node/init_light.hpp"
#include "node/sysctl.hpp"
#include "sys/fd.hpp"
#include "topology/model.hpp"

namespace nslab::node {

struct InitProcess {
    std::string node;
    std::string pointer;  // the node's, for errors ("/nodes/r1")
    pid_t pid = 0;
    sys::Fd pidfd;    // opened once every init is cloned (see InitReports)
    sys::Fd go;       // write end, when the child waits for it before its setup (#1)
    // Handed over with "ready" (#2): the node's network namespace and a netlink socket made in
    // it, so wiring needs no /proc lookup and no setns round trip per node.
    sys::Fd netns;
    sys::Fd netlink;
    LightInitPtr light;  // a light init's plan and stack (see init_light.hpp)
};

// The one socket on which every init of a lab reports. A descriptor per init would be copied
// into each later clone and closed again by each child: spawning N nodes cost O(N^2) (about
// 1 ms per init at 300 nodes). So the keeper holds a constant few while it clones.
class InitReports {
public:
    InitReports();
    int child_end() const { return theirs_.get(); }
    // #2 for all: closes our copy of the child end, then takes every init's record and
    // descriptors, opens its pidfd, and throws NodeError("node r1: <step>: <errno text>
    // (<detail>)") for the first failure, or Error("init process died") for one that never
    // reported. Inits from index `keep_fds` on hand over their namespace and socket too, but
    // they are closed at once: a lab too big for the descriptor limit opens them per use.
    void await_all(std::vector<InitProcess>& inits, std::size_t keep_fds = static_cast<std::size_t>(-1));

private:
    sys::Fd mine_, theirs_;
};

// Clones init number `index` with the node's namespaces and returns at once. With `hold`, the
// child waits for release_init (#1) before its setup. `sysctls` are what it writes (see
// start_sysctls). Must be called from a single-threaded process (the keeper); `keeper_pidfd`
// is a pidfd of the caller, which lets the child notice a keeper that died before it could
// set its death signal.
InitProcess start_init(const topo::Node& node, const Sysctls& sysctls, int keeper_pidfd, const InitReports& reports,
                       std::uint32_t index, bool hold);
// #1: the parent has done what must precede the child's setup (cgroup membership). A no-op
// for an init not held.
void release_init(InitProcess& p);

// CLONE_NEW* flags for a node's namespaces (always CLONE_NEWNET).
unsigned long clone_flags(unsigned namespaces);
// The namespaces a process joins (setns) to run inside the node: all of them, the time and
// cgroup namespaces included (the init has entered both by the time it reports ready).
unsigned long enter_flags(unsigned namespaces);

}  // namespace nslab::node
