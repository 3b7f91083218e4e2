// User namespaces for labs run by an ordinary user: who we are, which ids we may map, and
// writing those maps for a child created with CLONE_NEWUSER.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace nslab::sys {

// True when this process is not root of the initial user namespace (an ordinary user, or root
// of a user namespace): labs then live in a user namespace of their own.
bool rootless();

// One line of /proc/<pid>/{uid,gid}_map: ids [inside, inside+count) are [outside, ...) outside.
struct IdRange {
    unsigned long inside = 0, outside = 0, count = 0;
};

// The maps a lab's user namespace gets: our own id as root inside, plus our subordinate
// range from /etc/subuid and /etc/subgid (as ids 1..) when one is configured and Debian's
// uidmap helpers (newuidmap, newgidmap) are there to write it.
struct IdMapPlan {
    std::vector<IdRange> uids, gids;
    bool subordinate = false;       // false: one id only; programs that switch users fail inside
    std::string why_single;         // when !subordinate: what is missing, for messages
};

// The first range of `file` (/etc/subuid format: "name-or-id:start:count") for this user.
// Pure, for tests: `text` is the file's content.
bool find_subordinate(const std::string& text, const std::string& user, unsigned long id, IdRange& out);

IdMapPlan plan_id_maps();
// True inside a user namespace that maps only one uid (a rootless lab without subordinate ids).
bool single_id_namespace();
// The highest gid of the run 0, 1, 2, ... that this user namespace maps (at most 2^31 - 1).
unsigned long highest_mapped_gid();
// Writes the plan for the child `pid` (which must wait until this returns). Throws
// SystemError/Error naming the file or helper that refused.
void write_id_maps(pid_t pid, const IdMapPlan& plan);

}  // namespace nslab::sys
