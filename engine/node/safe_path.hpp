// Writing the topology's `files` without letting a path escape: every lookup stays beneath the
// directory the file must be in (a private dir, or the rootfs), symlinks resolve as if that
// directory were `/`, and no lookup crosses into another mount (/proc, /sys, /dev).
#pragma once

#include <string>

namespace nslab::node {

// Writes `content` to `base` + "/" + `rel`, creating missing parent directories. Throws
// SystemError("write <shown>", errno, why).
void write_beneath(const std::string& base, const std::string& rel, const std::string& content,
                   const std::string& shown);

}  // namespace nslab::node
