// A per-lab lock for read-modify-writes of the lab's state files.
#pragma once

#include <string>

#include "sys/fd.hpp"

namespace nslab::lab {

// An exclusive flock on the lab's state directory (no lock file is left behind), held across a
// load, change and save of impair.json: two `lab impair` calls on different links of one lab
// would otherwise both load the old file, and the later save would drop the other's change.
// Readers need no lock: files are replaced by rename, so a reader sees the old or the new one.
class LabLock {
public:
    explicit LabLock(const std::string& lab);

private:
    sys::Fd fd_;
};

}  // namespace nslab::lab
