// The cgroup filesystems as the kernel shows them: which hierarchies are mounted where, which
// cgroup a process is in, and the few file operations every cgroup concern needs.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace nslab::sys {

struct CgroupMount {
    int version = 0;                      // 1 or 2
    std::string path;                     // mount point
    std::vector<std::string> controllers; // v1: the controllers bound to this hierarchy
};

// Every cgroup and cgroup2 mount of the caller's mount namespace, in mount order.
std::vector<CgroupMount> cgroup_mounts();
// The caller's cgroup ("/" or "/a/b") in the v2 hierarchy (controller "") or in the v1
// hierarchy that holds `controller`; "/" when /proc/self/cgroup does not say.
std::string own_cgroup(const std::string& controller);
// Writes `text` to a cgroup file in one write(2): the kernel parses each write as a whole.
void write_cgroup_file(const std::string& path, const std::string& text);
// Whether any process is left in the cgroup (not counting its children).
bool cgroup_has_processes(const std::string& dir);
// SIGKILLs every process in the cgroup and its children: cgroup.kill where the kernel has it
// (v2, 5.14+), else each PID listed in cgroup.procs, by a pidfd opened before the cgroup is
// listed again, and only if it still is (so never a process that reused an exited one's PID).
void cgroup_kill(const std::string& dir);
// Removes the cgroup and its child cgroups, deepest first. A cgroup that still holds a process
// stays (EBUSY), and so does everything above it; returns false then.
bool remove_cgroup_tree(const std::string& dir);
// The cgroup directories (absolute) that process `pid` is in, in each mounted hierarchy where
// that differs from the caller's own: where a process must move to join it.
std::vector<std::string> cgroups_to_join(pid_t pid);
// The cgroup directories under `dir` (names, no "." or ".."), [] if it is missing.
std::vector<std::string> cgroup_children(const std::string& dir);

}  // namespace nslab::sys
