// Private to node/. The one recipe every node init runs, light or forked: numbered sync
// points with the keeper (#1 release, #2 report), then namespaces, mounts, hostname and
// sysctls, then reaping. Written in raw system calls over a plan the keeper built before the
// clone, so that the light init, which shares the keeper's memory (CLONE_VM), can run it
// without touching the heap or errno. The forked init runs the same recipe and adds what only
// it may do (a time namespace, a rootfs, private dirs, files) through `extra`.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sys/sync_record.hpp"
#include "node/sysctl.hpp"
#include "topology/model.hpp"

namespace nslab::node {

struct InitPlan {
    enum class Extra { Time, BeforeRoot, Root, AfterMounts };

    int keeper_pidfd = -1, go_fd = -1, report_fd = -1;
    std::uint32_t index = 0;
    unsigned namespaces = 0;
    std::string hostname;
    std::vector<std::string> sysctl_paths, sysctl_keys, sysctl_values;
    // The forked init's additions, called at those points (the heap and exceptions are fine
    // there); false with `rec` filled in fails the init. Null for a light init.
    bool (*extra)(const InitPlan&, sys::SyncRecord& rec, Extra) = nullptr;
    const topo::Node* node = nullptr;  // what `extra` works from
    bool own_root = false;             // `extra` mounts a root (a rootfs) instead of /proc, /sys, /tmp
    bool shared_tmp = false;           // no /tmp of its own: the host's
};

InitPlan make_init_plan(const topo::Node& node, const Sysctls& sysctls, int keeper_pidfd, int go_fd, int report_fd,
                        std::uint32_t index);

// Runs in the new init; never returns. Reports on plan.report_fd (#2) and reaps forever.
[[noreturn]] void run_init(const InitPlan& plan) noexcept;

// True where run_init is written in raw system calls (no errno, no libc state): only there
// may it run in a CLONE_VM child.
bool raw_init_recipe();

}  // namespace nslab::node
