// Processes addressed by pidfd, and identified by more than a PID: a state file may outlive the
// process (or a reboot, when /run is not a tmpfs), and a PID may be reused by then.
#pragma once

#include <sys/resource.h>
#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>

#include "sys/fd.hpp"

namespace nslab::sys {

// What we record to find a process again: its PID and start time (clock ticks since boot,
// /proc/<pid>/stat field 22), under one boot id.
struct ProcIdentity {
    pid_t pid = 0;
    std::uint64_t starttime = 0;
};

std::string boot_id();                                   // /proc/sys/kernel/random/boot_id
std::optional<std::uint64_t> starttime_of(pid_t pid);    // nullopt when gone (or a zombie)
std::optional<ProcIdentity> identity_of(pid_t pid);

Fd pidfd_open(pid_t pid);                                // throws SystemError
// A pidfd for the process only if it is still the one recorded (checked after opening, so the
// fd cannot then refer to a reused PID). Empty Fd when it is gone or replaced.
Fd open_verified(const ProcIdentity& id);
// The PID behind a pidfd (its fdinfo); throws if the process is gone.
pid_t pidfd_pid(int pidfd);
bool pidfd_signal(int pidfd, int sig);                   // false if already gone (ESRCH)
// Waits until the process behind the pidfd has exited; false on timeout. Does not reap.
bool pidfd_wait_exit(int pidfd, int timeout_ms);

// waitpid() that retries EINTR; returns the exit code, or 128+signal.
int wait_exit_code(pid_t pid);
int decode_status(int status);

// fork-like clone3: returns 0 in the child, the child's PID in the parent, and stores a pidfd
// for the child in *pidfd (none when pidfd is null). `flags` may hold CLONE_NEW* and CLONE_PARENT. In a multi-threaded
// caller the child may only make async-signal-safe calls before exec or _exit.
pid_t clone_process(std::uint64_t flags, int* pidfd);

// clone(CLONE_VM | CLONE_VFORK) running fn(arg) on `stack` (`size` bytes), as posix_spawn does:
// no copy of the caller's page tables (a Python interpreter's fork and exec cost ~4 ms), and the
// caller sleeps until the child has exec'd or exited, so the stack is free again on return.
// `flags` adds the exit signal and e.g. CLONE_PARENT; a pidfd goes to *pidfd when not null.
// The child shares our memory: block signals around the call, and let fn make only
// async-signal-safe calls that touch nothing but what `arg` prepared.
pid_t clone_vfork(int (*fn)(void*), void* arg, void* stack, std::size_t size, int flags, int* pidfd = nullptr);

// Closes every descriptor from 3 up but `a` and `b` (-1: none), so a child holds nothing of
// its parent's alive (a namespace, a pipe, a caller's lock).
void close_fds_except(int a, int b = -1) noexcept;

// Raise the soft RLIMIT_NOFILE to the hard limit: a lab holds a few fds per node. With `need`
// above the hard limit, also the hard limit (to `need`, at most fs.nr_open) where the
// process may (CAP_SYS_RESOURCE); a 10,000-node lab holds about 60,000.
void raise_fd_limit(std::uint64_t need = 0);

// RLIMIT_NOFILE as it was before the first raise_fd_limit() (the current one if it was never
// raised): what the programs we start get back, since select()-based ones break on
// descriptors above FD_SETSIZE and some daemons close every descriptor up to the limit.
rlimit original_fd_limit();

}  // namespace nslab::sys
