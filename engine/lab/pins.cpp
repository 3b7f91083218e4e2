#include "lab/pins.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <unistd.h>

#include <algorithm>
#include <exception>
#include <mutex>
#include <thread>
#include <cerrno>
#include <string>
#include <vector>

#include "lab/paths.hpp"
#include "lab/state.hpp"
#include "sys/files.hpp"
#include "sys/fd.hpp"
#include "sys/mount.hpp"
#include "topology/model.hpp"
#include "util/error.hpp"
#include "util/fault.hpp"

namespace nslab::lab {

namespace {
// Records what nslab made, so it removes exactly that: "mount" or "dir+mount".
std::string marker() { return run_dir() + "/.netns-made-by-nslab"; }
}  // namespace

GlobalLock::GlobalLock() {
    // The directory itself is the lock: no lock file is left behind.
    ensure_run_dir();
    std::string path = run_dir();
    fd_ = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd_ < 0) throw SystemError("open " + path, errno);
    while (::flock(fd_, LOCK_EX) < 0) {
        if (errno != EINTR) {
            int e = errno;
            ::close(fd_);
            throw SystemError("flock " + path, e);
        }
    }
}

GlobalLock::~GlobalLock() {
    if (fd_ >= 0) ::close(fd_);
}

void prepare_netns_dir() {
    if (!pins_enabled()) return;
    GlobalLock lock;
    const std::string dir = netns_dir();
    if (sys::is_mountpoint(dir)) return;
    // The marker is written before the directory and the mount exist (and keeps "dir" from an
    // earlier attempt that made the directory and was killed), so a process killed anywhere in
    // between still leaves unpin_lab/lab clean a record of what to undo.
    const bool had_dir = sys::exists(dir);
    const bool made_dir_before = sys::exists(marker()) && sys::read_file(marker()).rfind("dir", 0) == 0;
    sys::write_file_atomic(marker(), (!had_dir || made_dir_before) ? "dir+mount\n" : "mount\n");
    fault::point("netns-marker");
    sys::mkdir_p(dir);
    if (::mount(dir.c_str(), dir.c_str(), nullptr, MS_BIND | MS_REC, nullptr) < 0)
        throw SystemError("bind-mount " + dir + " on itself", errno);
    // Shared, as iproute2 leaves it, so `ip netns add` keeps working beside nslab.
    if (::mount(nullptr, dir.c_str(), nullptr, MS_SHARED | MS_REC, nullptr) < 0)
        throw SystemError("make " + dir + " shared", errno);
}

namespace {
// The pins this lab made, one node per line; "-node" takes a line back. /run/netns is shared
// with iproute2 and other tools: an entry named like ours may be somebody else's.
std::string pins_record(const std::string& lab) { return lab_dir(lab) + "/pins"; }

void record_pin(const std::string& lab, const std::string& line) {
    const std::string path = pins_record(lab);
    sys::Fd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW | O_CLOEXEC, 0600));
    if (!fd) throw SystemError("open " + path, errno);
    const std::string text = line + "\n";
    if (::write(fd.get(), text.data(), text.size()) != static_cast<ssize_t>(text.size()))
        throw SystemError("write " + path, errno);
}

std::vector<std::string> recorded_pins(const std::string& lab) {
    const std::string path = pins_record(lab);
    if (!sys::exists(path)) return {};
    std::vector<std::string> made;
    for (const auto& line : sys::split_lines(sys::read_file(path))) {
        if (line.empty()) continue;
        if (line[0] == '-') std::erase(made, line.substr(1));
        else if (topo::valid_node_name(line)) made.push_back(line);
    }
    return made;
}
}  // namespace

void pin_node(const std::string& lab, const std::string& node, pid_t init_pid) {
    if (!pins_enabled()) return;
    // Recorded before it exists, so a keeper killed right after the mount still has it removed.
    record_pin(lab, node);
    try {
        sys::bind_file("/proc/" + std::to_string(init_pid) + "/ns/net", pin_path(lab, node));
    } catch (const SystemError& e) {
        if (e.err() == EEXIST) {
            record_pin(lab, "-" + node);
            throw Error(pin_path(lab, node) + " already exists and is not this lab's; remove it (ip netns delete " +
                        lab + "." + node + ") or choose another lab name");
        }
        throw;
    }
}

void unpin_node(const std::string& lab, const std::string& node) {
    if (!pins_enabled()) return;
    const auto made = recorded_pins(lab);
    if (std::find(made.begin(), made.end(), node) == made.end()) return;
    sys::unmount_and_remove(pin_path(lab, node));
    record_pin(lab, "-" + node);
}

namespace {
// Each unmount waits for an RCU grace period after it let go of the mount lock
// (namespace_unlock), ~0.5 ms on this kind of VM: 10,000 pins one after the other were 5 s of
// `lab down`. Grace periods asked for at once are shared, so threads that each unmount a share
// of the pins wait for far fewer of them. Under fault injection, one by one: a test stops at
// the n-th pin exactly.
void unpin_all(const std::string& lab, const std::vector<std::string>& nodes) {
    constexpr std::size_t kPerThread = 32, kThreads = 64;
    const std::size_t threads = std::min(kThreads, nodes.size() / kPerThread);
    if (threads < 2 || fault::armed) {
        for (const auto& node : nodes) {
            sys::unmount_and_remove(pin_path(lab, node));
            fault::point("unpin");
        }
        return;
    }
    std::mutex mu;
    std::exception_ptr first;
    std::vector<std::thread> pool;
    for (std::size_t t = 0; t < threads; ++t)
        pool.emplace_back([&, t] {
            for (std::size_t i = t; i < nodes.size(); i += threads) try {
                sys::unmount_and_remove(pin_path(lab, nodes[i]));
            } catch (...) {
                std::lock_guard<std::mutex> lock(mu);
                if (!first) first = std::current_exception();
            }
        });
    for (auto& th : pool) th.join();
    if (first) std::rethrow_exception(first);
}
}  // namespace

void unpin_lab(const std::string& lab) {
    if (!pins_enabled()) return;
    const std::string dir = netns_dir();
    unpin_all(lab, recorded_pins(lab));

    GlobalLock lock;
    if (!sys::exists(marker())) return;
    if (!sys::list_dir(dir).empty()) return;
    for (const auto& other : list_labs())
        if (other != lab) return;  // another lab is being built or is up: it relies on the mount
    std::string what = sys::read_file(marker());
    // Any part may be missing already: a process killed while making or removing it.
    if (sys::is_mountpoint(dir) && ::umount2(dir.c_str(), MNT_DETACH) < 0 && errno != EINVAL && errno != ENOENT)
        throw SystemError("unmount " + dir, errno);
    if (what.rfind("dir", 0) == 0 && ::rmdir(dir.c_str()) < 0 && errno != ENOENT)
        throw SystemError("remove " + dir, errno);
    ::unlink(marker().c_str());
}

}  // namespace nslab::lab
