// The light node init: cloned with CLONE_VM, so it shares the keeper's memory instead of
// copying it. On this kind of VM a fork costs ~1 ms in the parent (page tables, more with the
// keeper's size) and ~1 ms in the child (its first faults on a new address space); with
// CLONE_VM neither happens, and a node costs what its namespaces cost.
//
// The price: the child runs beside the keeper in one address space, so it may not touch the
// heap, errno or anything else the keeper uses. It runs only raw system calls over a plan the
// keeper built before the clone and does not change until the init has reported. Nodes that
// need more (a rootfs, files, private dirs, a time namespace) use the forked init.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <memory>

#include "node/sysctl.hpp"
#include "topology/model.hpp"

namespace nslab::node {

struct LightInit;  // the plan and the stack; must outlive the init's setup
struct LightInitDeleter {
    void operator()(LightInit* p) const noexcept;
};
using LightInitPtr = std::unique_ptr<LightInit, LightInitDeleter>;

// True when this node can have a light init (and this build supports it).
bool light_init_possible(const topo::Node& node);

// Clones the light init. `go_fd` (-1: none) is the read end the child waits on (#1); the
// child reports on `report_fd` as init number `index`. Returns the PID; `out` keeps the plan
// and the stack, which must stay until the init is dead.
pid_t clone_light_init(const topo::Node& node, const Sysctls& sysctls, int keeper_pidfd, int go_fd, int report_fd,
                       std::uint32_t index, LightInitPtr& out);

}  // namespace nslab::node
