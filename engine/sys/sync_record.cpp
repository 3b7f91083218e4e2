#include "sys/sync_record.hpp"

#include <unistd.h>

#include <cerrno>

#include "util/error.hpp"

namespace nslab::sys {

namespace {
void put(char* dst, std::size_t cap, const char* a, const char* b, const char* c, const char* d) noexcept {
    std::size_t n = 0;
    for (const char* s : {a, b, c, d})
        for (; s && *s && n + 1 < cap; ++s) dst[n++] = *s;
    dst[n] = 0;
}
}  // namespace

void fail(SyncRecord& r, int err, const char* a, const char* b, const char* c, const char* d) noexcept {
    r.err = err ? err : EIO;
    put(r.step, sizeof r.step, a, b, c, d);
}

void set_detail(SyncRecord& r, const char* text) noexcept { put(r.detail, sizeof r.detail, text, "", "", ""); }

bool write_record(int fd, const SyncRecord& r) noexcept {
    const int saved = errno;
    ssize_t n;
    do n = ::write(fd, &r, sizeof r); while (n < 0 && errno == EINTR);
    errno = saved;
    return n == static_cast<ssize_t>(sizeof r);
}

std::optional<SyncRecord> read_record(int fd) {
    SyncRecord r;
    ssize_t n;
    do n = ::read(fd, &r, sizeof r); while (n < 0 && errno == EINTR);
    if (n < 0) throw SystemError("read a sync record", errno);
    if (n == 0) return std::nullopt;
    if (n != static_cast<ssize_t>(sizeof r)) throw Error("a child sent a truncated sync record");
    return r;
}

void throw_failure(const SyncRecord& r, const std::string& prefix) {
    throw SystemError(prefix + r.step, r.err ? r.err : EIO, r.detail);
}

}  // namespace nslab::sys
