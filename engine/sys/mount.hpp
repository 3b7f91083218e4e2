// Mount operations the engine needs: namespace pins (a bind mount of /proc/<pid>/ns/net onto
// a file) and the checks around them.
#pragma once

#include <string>

namespace nslab::sys {

bool is_mountpoint(const std::string& path);
// Creates `target` as an empty file and bind-mounts `source` on it.
void bind_file(const std::string& source, const std::string& target);
// Lazy unmount, then unlink; a missing or already unmounted target is not an error.
void unmount_and_remove(const std::string& target);

}  // namespace nslab::sys
