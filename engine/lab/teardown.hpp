// Taking a lab down, in one order, whoever does it: the keeper (its inits are its children,
// held by pidfd since they were cloned) or a client whose keeper is gone (`lab down` after a
// crash, `lab clean`: the inits are found by their recorded identity).
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <string>
#include <vector>

#include "sys/fd.hpp"

namespace nslab::lab {

struct TeardownInit {
    std::string node;
    pid_t pid = 0;     // the keeper's unreaped child before its pidfd was opened; else unused
    sys::Fd pidfd;
};

struct Teardown {
    std::string lab;
    std::vector<TeardownInit> inits;
    // This lab's cgroups, known to belong to no live keeper but the one tearing down.
    std::vector<std::string> cgroups;
    bool children = false;  // the inits are the caller's children: reap them
};

struct TeardownResult {
    std::size_t killed = 0;            // inits that were still running
    std::vector<std::string> failed;   // "<what>: <why>": pins or state left behind
    std::vector<std::string> cgroups_left;  // cgroups still holding a process at the end
};

// 1. unpins the nodes (while the kernel is quiet: an unmount waits for an RCU grace period,
//    ~15x longer once it is freeing a thousand namespaces), 2. kills the cgroups (they hold
//    the processes of nodes without a PID namespace), 3. kills every init by pidfd (PID 1's
//    death ends its namespace, and the kernel frees the namespaces with their links in one
//    batch), 4. waits up to 10 s for them and reaps, 5. removes the cgroups, 6. the host dirs
//    nslab made, 7. the state directory. Never throws; what could not be removed is returned.
TeardownResult tear_down(Teardown& t) noexcept;

}  // namespace nslab::lab
