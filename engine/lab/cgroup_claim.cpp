#include "lab/cgroup_claim.hpp"

#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cerrno>
#include <ctime>
#include <sstream>

#include "sys/cgroupfs.hpp"

namespace nslab::lab {

namespace {

// user.*, not trusted.*: a user who runs `lab clean` must be able to read root's claims to
// know that a lab of root's is alive.
constexpr const char* kClaim = "user.nslab.keeper";
// A claim is written right after mkdir; an unclaimed cgroup younger than this may be a lab
// being made that instant.
constexpr time_t kUnclaimedGraceS = 10;

struct Claim {
    std::string boot;
    sys::ProcIdentity keeper;
};

std::optional<Claim> read_claim(const std::string& dir) {
    char buf[256];
    ssize_t n = ::getxattr(dir.c_str(), kClaim, buf, sizeof buf - 1);
    if (n <= 0) return std::nullopt;
    std::istringstream in(std::string(buf, static_cast<std::size_t>(n)));
    Claim c;
    if (!(in >> c.boot >> c.keeper.pid >> c.keeper.starttime) || c.keeper.pid <= 0) return std::nullopt;
    return c;
}

// Any process in the cgroup or below it.
bool tree_has_processes(const std::string& dir) {
    if (sys::cgroup_has_processes(dir)) return true;
    for (const auto& child : sys::cgroup_children(dir))
        if (tree_has_processes(dir + "/" + child)) return true;
    return false;
}

}  // namespace

void claim_cgroup(const std::string& dir) {
    auto me = sys::identity_of(::getpid());
    if (!me) return;
    const std::string text = sys::boot_id() + " " + std::to_string(me->pid) + " " + std::to_string(me->starttime);
    (void)::setxattr(dir.c_str(), kClaim, text.data(), text.size(), 0);
}

std::optional<std::string> cgroup_in_use(const std::string& dir, const std::optional<sys::ProcIdentity>& ours) {
    if (auto c = read_claim(dir)) {
        if (c->boot != sys::boot_id()) return std::nullopt;  // made before a reboot
        if (ours && ours->pid == c->keeper.pid && ours->starttime == c->keeper.starttime) return std::nullopt;
        if (sys::open_verified(c->keeper))
            return "its keeper (PID " + std::to_string(c->keeper.pid) + ") is alive: a lab of another state dir";
        return std::nullopt;
    }
    if (tree_has_processes(dir)) return "it holds processes and records no keeper, so nothing proves its lab dead";
    struct stat sb{};
    if (::stat(dir.c_str(), &sb) == 0 && std::time(nullptr) - sb.st_ctime < kUnclaimedGraceS)
        return "it was made moments ago and records no keeper yet";
    return std::nullopt;
}

}  // namespace nslab::lab
