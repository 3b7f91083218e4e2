#include "lab/control.hpp"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "lab/paths.hpp"
#include "util/error.hpp"

namespace nslab::lab {

namespace {

sockaddr_un address(const std::string& path) {
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    if (path.size() >= sizeof a.sun_path) throw Error("control socket path too long: " + path);
    std::memcpy(a.sun_path, path.c_str(), path.size() + 1);
    return a;
}

// Everything up to the peer's end of its writes (a request or a reply is one line, then EOF).
std::string read_all(int fd) {
    std::string out;
    char buf[65536];
    for (;;) {
        ssize_t n = ::read(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) throw SystemError("read from the control socket", errno);
        if (n == 0) return out;
        out.append(buf, static_cast<std::size_t>(n));
    }
}

void write_all(int fd, const std::string& s) {
    std::size_t done = 0;
    while (done < s.size()) {
        ssize_t n = ::send(fd, s.data() + done, s.size() - done, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) throw SystemError("write to the control socket", errno);
        done += static_cast<std::size_t>(n);
    }
}

}  // namespace

std::string control_socket(const std::string& lab) { return lab_dir(lab) + "/control.sock"; }

sys::Fd listen_control(const std::string& lab) {
    const std::string path = control_socket(lab);
    sys::Fd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!fd) throw SystemError("control socket", errno);
    sockaddr_un a = address(path);
    ::unlink(path.c_str());
    const mode_t old = ::umask(077);
    const int rc = ::bind(fd.get(), reinterpret_cast<sockaddr*>(&a), sizeof a);
    ::umask(old);
    if (rc < 0 || ::listen(fd.get(), 8) < 0) throw SystemError("listen on " + path, errno);
    return fd;
}

void serve_control(int listener, const std::function<nlohmann::json(const nlohmann::json&)>& handle) noexcept {
    sys::Fd c(::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC));
    if (!c) return;
    try {
        // The request comes at once; a client that stalls must not hold the keeper.
        timeval tv{5, 0};
        ::setsockopt(c.get(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        nlohmann::json reply;
        try {
            reply = handle(nlohmann::json::parse(read_all(c.get())));
        } catch (const nlohmann::json::exception& e) {
            reply = {{"ok", false}, {"kind", "error"}, {"error", std::string("control request: ") + e.what()}};
        }
        write_all(c.get(), reply.dump() + "\n");
    } catch (const std::exception&) {
        // The client went away; the keeper goes on.
    }
}

nlohmann::json call_keeper(const std::string& lab, const nlohmann::json& request) {
    const std::string path = control_socket(lab);
    sys::Fd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!fd) throw SystemError("control socket", errno);
    sockaddr_un a = address(path);
    if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&a), sizeof a) < 0)
        throw Error("lab " + lab + ": cannot reach its keeper (" + std::strerror(errno) + "); is it up? (lab status " + lab + ")");
    write_all(fd.get(), request.dump() + "\n");
    ::shutdown(fd.get(), SHUT_WR);
    std::string reply = read_all(fd.get());
    if (reply.empty()) throw Error("lab " + lab + ": its keeper closed the connection without an answer (see " + keeper_log(lab) + ")");
    return nlohmann::json::parse(reply);
}

}  // namespace nslab::lab
