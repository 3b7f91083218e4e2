#include "exec/run.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>

#include "sys/process.hpp"
#include "util/error.hpp"

namespace nslab::exec {

namespace {

// Reads what is available now; false once the pipe reached EOF.
bool drain(sys::Fd& fd, std::string& into) {
    char buf[65536];
    for (;;) {
        ssize_t n = ::read(fd.get(), buf, sizeof buf);
        if (n > 0) {
            into.append(buf, static_cast<std::size_t>(n));
            continue;
        }
        if (n == 0) {
            fd.reset();
            return false;
        }
        if (errno == EINTR) continue;
        return true;  // EAGAIN
    }
}

}  // namespace

RunResult run(int init_pidfd, unsigned long ns_flags, SpawnSpec spec, const RunOptions& opts,
              const std::string& where) {
    // Only our ends are non-blocking: the command's stdout must block when the pipe is full,
    // or it fails with EAGAIN after 64 KiB.
    sys::Pipe out = sys::make_pipe();
    sys::Pipe err = sys::make_pipe();
    ::fcntl(out.read.get(), F_SETFL, O_NONBLOCK);
    ::fcntl(err.read.get(), F_SETFL, O_NONBLOCK);
    sys::Pipe in = sys::make_pipe();
    sys::Fd devnull;
    if (opts.input.empty()) {
        devnull = sys::Fd(::open("/dev/null", O_RDONLY | O_CLOEXEC));
        spec.in = devnull.get();
    } else {
        spec.in = in.read.get();
    }
    spec.out = out.write.get();
    spec.err = err.write.get();
    if (opts.merge_stderr) {
        spec.err = spec.out;  // one pipe: the two streams interleave as the command wrote them
        err.read.reset();
    }
    spec.new_session = true;
    Child child = spawn(init_pidfd, ns_flags, spec, where);
    out.write.reset();
    err.write.reset();
    in.read.reset();
    if (!opts.input.empty()) {
        // Best effort: a command that does not read its input must not block us.
        ::fcntl(in.write.get(), F_SETFL, O_NONBLOCK);
    }
    std::size_t in_off = 0;

    RunResult r;
    auto deadline = opts.timeout ? std::chrono::steady_clock::now() + *opts.timeout
                                 : std::chrono::steady_clock::time_point::max();
    bool exited = false;
    while (!exited) {
        pollfd p[4];
        int n = 0;
        p[n++] = {child.pidfd.get(), POLLIN, 0};
        int io = n;
        if (out.read) p[n++] = {out.read.get(), POLLIN, 0};
        if (err.read) p[n++] = {err.read.get(), POLLIN, 0};
        int inpos = -1;
        if (in.write && in_off < opts.input.size()) {
            inpos = n;
            p[n++] = {in.write.get(), POLLOUT, 0};
        } else {
            in.write.reset();
        }
        int wait_ms = -1;
        if (opts.timeout) {
            auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
            wait_ms = left.count() < 0 ? 0 : static_cast<int>(left.count()) + 1;
        }
        int rc = ::poll(p, n, wait_ms);
        if (rc < 0 && errno != EINTR) throw SystemError("poll", errno);
        if (rc == 0 && std::chrono::steady_clock::now() >= deadline) {
            // The command leads its own session: kill the whole group, daemons it started too.
            ::kill(-child.pid, SIGKILL);
            sys::pidfd_signal(child.pidfd.get(), SIGKILL);
            r.timed_out = true;
            break;
        }
        for (int i = io; i < n; ++i) {
            if (i == inpos) {
                if (p[i].revents & (POLLOUT | POLLERR)) {
                    ssize_t w = ::write(in.write.get(), opts.input.data() + in_off, opts.input.size() - in_off);
                    if (w > 0) in_off += static_cast<std::size_t>(w);
                    else if (w < 0 && errno != EAGAIN && errno != EINTR) in.write.reset();
                }
            } else if (p[i].revents) {
                if (p[i].fd == out.read.get()) drain(out.read, r.out);
                else if (err.read && p[i].fd == err.read.get()) drain(err.read, r.err);
            }
        }
        if (p[0].revents & POLLIN) exited = true;
    }
    r.exit_code = wait(child);
    if (out.read) drain(out.read, r.out);
    if (err.read) drain(err.read, r.err);
    return r;
}

}  // namespace nslab::exec
