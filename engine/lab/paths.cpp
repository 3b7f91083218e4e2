#include "lab/paths.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>

#include "sys/userns.hpp"
#include "util/error.hpp"

namespace nslab::lab {

namespace {
std::string env_or(const char* var, const std::string& fallback) {
    const char* v = std::getenv(var);
    return v && *v ? v : fallback;
}

// An ordinary user's labs live in a directory only that user can enter: XDG_RUNTIME_DIR when
// the session has one of its own, else /tmp/nslab-<uid>.
std::string user_run_dir() {
    const uid_t uid = ::geteuid();
    if (const char* x = std::getenv("XDG_RUNTIME_DIR"); x && *x == '/') {
        struct stat st{};
        if (::stat(x, &st) == 0 && S_ISDIR(st.st_mode) && st.st_uid == uid) return std::string(x) + "/nslab";
    }
    return "/tmp/nslab-" + std::to_string(uid);
}
// What makes a directory fit to hold our labs' state: a real directory (not a symlink), ours,
// and writable by nobody else. Anyone who could plant or change entries there could make
// `lab down` remove or kill what they choose.
void check_run_dir_stat(const std::string& dir, const struct stat& st) {
    if (S_ISLNK(st.st_mode))
        throw Error(dir + " is a symlink; nslab keeps its labs' state only in a real directory of its own");
    if (!S_ISDIR(st.st_mode)) throw Error(dir + " is not a directory; nslab keeps its labs' state there");
    if (st.st_uid != ::geteuid())
        throw Error(dir + " belongs to uid " + std::to_string(st.st_uid) + ", not to us (uid " +
                    std::to_string(::geteuid()) + "); refusing to use lab state kept there");
    if (st.st_mode & 022) {
        char mode[8];
        std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
        throw Error(dir + " is writable by its group or others (mode " + mode +
                    "); refusing to use lab state kept there");
    }
}
}  // namespace

std::string checked_run_dir() {
    const std::string dir = run_dir();
    struct stat st{};
    if (::lstat(dir.c_str(), &st) < 0) {
        if (errno == ENOENT) return dir;  // no labs yet: nothing to trust
        throw SystemError("stat " + dir, errno);
    }
    check_run_dir_stat(dir, st);
    return dir;
}

std::string run_dir() { return env_or("NSLAB_RUN_DIR", sys::rootless() ? user_run_dir() : "/run/nslab"); }
std::string netns_dir() { return env_or("NSLAB_NETNS_DIR", "/run/netns"); }
bool pins_enabled() { return !sys::rootless(); }
std::string lab_dir(const std::string& lab) {
    std::string dir = checked_run_dir() + "/" + lab;
    struct stat st{};
    if (::lstat(dir.c_str(), &st) == 0) {
        if (S_ISLNK(st.st_mode)) throw Error(dir + " is a symlink, not a lab's state directory; refusing to use it");
        if (!S_ISDIR(st.st_mode)) throw Error(dir + " is not a directory, so not a lab's state; refusing to use it");
        if (st.st_uid != ::geteuid())
            throw Error(dir + " belongs to uid " + std::to_string(st.st_uid) + ", not to us (uid " +
                        std::to_string(::geteuid()) + "); refusing to use it");
    }
    return dir;
}
std::string state_file(const std::string& lab) { return lab_dir(lab) + "/state.json"; }
std::string topology_file(const std::string& lab) { return lab_dir(lab) + "/topology.json"; }
std::string log_dir(const std::string& lab) { return lab_dir(lab) + "/logs"; }
std::string keeper_log(const std::string& lab) { return lab_dir(lab) + "/keeper.log"; }
std::string pin_path(const std::string& lab, const std::string& node) { return netns_dir() + "/" + lab + "." + node; }

void ensure_run_dir() {
    const std::string dir = run_dir();
    // Only the last component is ours to make; a shared parent such as /tmp must not let another
    // user plant a directory (or a symlink) we would then trust.
    mode_t mode = sys::rootless() ? 0700 : 0755;
    if (::mkdir(dir.c_str(), mode) < 0 && errno != EEXIST) {
        if (errno == ENOENT) {
            auto slash = dir.rfind('/');
            std::string parent = dir.substr(0, slash);
            if (slash > 0 && ::mkdir(parent.c_str(), 0755) == 0 && ::mkdir(dir.c_str(), mode) == 0) return;
        }
        throw SystemError("mkdir " + dir, errno);
    }
    struct stat st{};
    if (::lstat(dir.c_str(), &st) < 0) throw SystemError("stat " + dir, errno);
    // Our own directory made too open (an old umask): close it before trusting it.
    if (sys::rootless() && S_ISDIR(st.st_mode) && st.st_uid == ::geteuid() && (st.st_mode & 077) &&
        ::chmod(dir.c_str(), 0700) == 0)
        st.st_mode = (st.st_mode & ~07777) | 0700;
    check_run_dir_stat(dir, st);
}

}  // namespace nslab::lab
