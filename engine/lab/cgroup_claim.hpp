// Which keeper made a lab cgroup. The cgroup tree is shared by every state dir (another
// NSLAB_RUN_DIR, another container on the same host), and a cgroup outlives the state file
// that named it, so the claim is written on the directory itself, as an extended attribute.
#pragma once

#include <optional>
#include <string>

#include "sys/process.hpp"

namespace nslab::lab {

// Records the calling process (a keeper) as the maker of `dir`. Best effort: a cgroup v1
// hierarchy of an old kernel may not take extended attributes, and then no claim is kept.
void claim_cgroup(const std::string& dir);

// Why `dir` must be left alone, or nullopt when its lab is provably dead: its claim names a
// keeper that is gone (or `ours`, a keeper the caller has ended), or it has no claim, holds
// no process and is not new (a keeper may be just about to claim it).
std::optional<std::string> cgroup_in_use(const std::string& dir, const std::optional<sys::ProcIdentity>& ours);

}  // namespace nslab::lab
