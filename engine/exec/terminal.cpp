#include "exec/terminal.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>

#include "sys/process.hpp"
#include "util/error.hpp"

namespace nslab::exec {

namespace {

// Puts the caller's terminal in raw mode for the session and restores it however we leave.
class RawMode {
public:
    explicit RawMode(int fd) : fd_(fd) {
        if (!::isatty(fd_) || ::tcgetattr(fd_, &saved_) < 0) return;
        termios raw = saved_;
        ::cfmakeraw(&raw);
        active_ = ::tcsetattr(fd_, TCSANOW, &raw) == 0;
    }
    ~RawMode() {
        if (active_) ::tcsetattr(fd_, TCSANOW, &saved_);
    }
    RawMode(const RawMode&) = delete;
    RawMode& operator=(const RawMode&) = delete;

private:
    int fd_;
    termios saved_{};
    bool active_ = false;
};

volatile sig_atomic_t g_winch = 0;
void on_winch(int) { g_winch = 1; }

void copy_winsize(int from, int to) {
    winsize ws{};
    if (::ioctl(from, TIOCGWINSZ, &ws) == 0) ::ioctl(to, TIOCSWINSZ, &ws);
}

// Writes all of buf; false when the other side is gone.
bool write_all(int fd, const char* buf, std::size_t n) {
    while (n > 0) {
        ssize_t w = ::write(fd, buf, n);
        if (w < 0) {
            if (errno == EINTR) continue;
            if (errno == EAGAIN) {
                pollfd p{fd, POLLOUT, 0};
                ::poll(&p, 1, 100);
                continue;
            }
            return false;
        }
        buf += w;
        n -= static_cast<std::size_t>(w);
    }
    return true;
}

}  // namespace

int run_on_terminal(int init_pidfd, unsigned long ns_flags, SpawnSpec spec, const std::string& where) {
    sys::Fd master(::posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC));
    if (!master) throw SystemError("open a pty", errno);
    if (::grantpt(master.get()) < 0 || ::unlockpt(master.get()) < 0) throw SystemError("unlock the pty", errno);
    char name[128];
    if (::ptsname_r(master.get(), name, sizeof name) != 0) throw SystemError("name the pty", errno);
    sys::Fd slave(::open(name, O_RDWR | O_NOCTTY | O_CLOEXEC));
    if (!slave) throw SystemError("open " + std::string(name), errno);
    copy_winsize(0, master.get());

    spec.in = spec.out = spec.err = slave.get();
    spec.new_session = true;
    spec.controlling_tty = true;
    Child child = spawn(init_pidfd, ns_flags, spec, where);
    slave.reset();

    struct sigaction sa{}, old_winch{}, ign{}, old_int{}, old_quit{};
    sa.sa_handler = on_winch;
    ::sigaction(SIGWINCH, &sa, &old_winch);
    ign.sa_handler = SIG_IGN;
    ::sigaction(SIGINT, &ign, &old_int);
    ::sigaction(SIGQUIT, &ign, &old_quit);
    {
        RawMode raw(0);
        bool in_open = true;
        char buf[16384];
        for (;;) {
            if (g_winch) {
                g_winch = 0;
                copy_winsize(0, master.get());
            }
            pollfd p[3] = {{master.get(), POLLIN, 0}, {child.pidfd.get(), POLLIN, 0}, {in_open ? 0 : -1, POLLIN, 0}};
            int rc = ::poll(p, 3, -1);
            if (rc < 0 && errno != EINTR) break;
            if (p[0].revents & POLLIN) {
                ssize_t n = ::read(master.get(), buf, sizeof buf);
                if (n > 0) write_all(1, buf, static_cast<std::size_t>(n));
            } else if (p[0].revents & (POLLHUP | POLLERR)) {
                // Every holder of the slave closed it: the command and what it started are done
                // with the terminal; wait for the command itself below.
                if (p[1].revents & POLLIN) break;
            }
            if (p[2].revents & (POLLIN | POLLHUP)) {
                ssize_t n = ::read(0, buf, sizeof buf);
                if (n > 0) write_all(master.get(), buf, static_cast<std::size_t>(n));
                else in_open = false;  // our stdin ended: the command keeps its terminal
            }
            if ((p[1].revents & POLLIN) && !(p[0].revents & POLLIN)) break;
        }
    }
    ::sigaction(SIGWINCH, &old_winch, nullptr);
    ::sigaction(SIGINT, &old_int, nullptr);
    ::sigaction(SIGQUIT, &old_quit, nullptr);
    return wait(child);
}

}  // namespace nslab::exec
