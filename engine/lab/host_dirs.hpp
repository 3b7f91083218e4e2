// Mount points nslab makes on the host: a node's private dir that the host lacks is created
// there (empty; the node mounts its tmpfs on it). Each is removed again by the last lab that
// uses it, and only while it is still empty. Labs share them (two labs with the same missing
// dir), so the record is two-level: the run dir lists what nslab made, each lab what it uses.
#pragma once

#include <string>

#include "topology/model.hpp"

namespace nslab::lab {

// Before the nodes are cloned: makes the missing private dirs of nodes without a rootfs (a
// rootfs's own dirs are made by the node, inside it). A dir that cannot be made is left to the
// node, whose error names it.
void make_host_dirs(const std::string& lab, const topo::Model& m);
// Once the lab's nodes are gone: removes the dirs nslab made that no other lab uses and that
// are empty. Never throws.
void remove_host_dirs(const std::string& lab) noexcept;

}  // namespace nslab::lab
