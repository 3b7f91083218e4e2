// A node's init: PID 1 of its PID namespace, holder of its namespaces, reaper of its orphans.
// Started with clone3 from the keeper (single-threaded), it sets up its mounts, hostname and
// sysctls itself, then reports "ready" or the step that failed, with errno and detail.
#pragma once

#include <sys/types.h>

#include <string>

#include "node/sysctl.hpp"
#include "sys/fd.hpp"
#include "topology/model.hpp"

namespace nslab::node {

struct InitProcess {
    std::string node;
    pid_t pid = 0;
    sys::Fd pidfd;
    sys::Fd report;   // read end: the child's ready/failed record arrives here
    sys::Fd go;       // write end: the child waits on it before its setup (#1)
};

// Clones the init with the node's namespaces. Returns at once; the child waits for go (#1).
// Must be called from a single-threaded process (the keeper); `keeper_pidfd` is a pidfd of
// the caller, which lets the child notice a keeper that died before it could set its
// death signal.
InitProcess start_init(const topo::Node& node, int keeper_pidfd);
// #1: the parent has done what must precede the child's setup (cgroup membership, id maps).
void release_init(InitProcess& p);
// #2: waits for the child's record; throws Error("node r1: <step>: <errno text> (<detail>)").
void await_init(InitProcess& p);

// CLONE_NEW* flags for a node's namespaces (always CLONE_NEWNET).
unsigned long clone_flags(unsigned namespaces);
// The namespaces a process joins (setns) to run inside the node: all of them, the time and
// cgroup namespaces included (the init has entered both by the time it reports ready).
unsigned long enter_flags(unsigned namespaces);

}  // namespace nslab::node
