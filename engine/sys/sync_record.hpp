// The one record every parent/child boundary of nslab speaks: a node init reporting to the
// keeper, the helper that forks a command into a node, the helper that opens sockets in a
// rootless lab's nodes, the impairment forwarder starting up. Each side numbers its sync
// points (#1, #2, ... in comments at both ends); a record says which point was reached or,
// with `err`, which step failed, with errno and the kernel's or the child's words, so a
// child's failure reaches the user with its cause (as crun's sync socket does).
//
// Children that write it may run between fork and exec of a multi-threaded parent, or share
// the keeper's memory (CLONE_VM): fail() allocates nothing and leaves errno alone.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace nslab::sys {

struct SyncRecord {
    std::uint32_t point = 0;  // the sync point reached (or at which `step` failed)
    std::uint32_t index = 0;  // which of several children, or of several requests, it concerns
    std::int32_t err = 0;     // 0: reached; else the errno of `step`
    char step[1024] = {};     // what was being done; names paths, which may be long
    char detail[1024] = {};   // the kernel's or the child's words, if any
};

// Fills in a failure: `err` and the step as the concatenation of up to four parts.
void fail(SyncRecord& r, int err, const char* a, const char* b = "", const char* c = "",
          const char* d = "") noexcept;
// Copies `text` into the detail, truncated. Allocates nothing.
void set_detail(SyncRecord& r, const char* text) noexcept;

// One record on a pipe or a SOCK_SEQPACKET socket: write (EINTR retried; false if it could not
// be written whole) and read (nullopt on EOF: the writer exec'd or exited without a word).
bool write_record(int fd, const SyncRecord& r) noexcept;
std::optional<SyncRecord> read_record(int fd);

// SystemError(prefix + step, err, detail).
[[noreturn]] void throw_failure(const SyncRecord& r, const std::string& prefix = {});

}  // namespace nslab::sys
