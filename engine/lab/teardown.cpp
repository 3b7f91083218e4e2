#include "lab/teardown.hpp"

#include <sys/wait.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdio>

#include "lab/cgroups.hpp"
#include "lab/host_dirs.hpp"
#include "lab/paths.hpp"
#include "lab/pins.hpp"
#include "sys/cgroupfs.hpp"
#include "sys/files.hpp"
#include "sys/process.hpp"
#include "util/fault.hpp"

namespace nslab::lab {

namespace {
template <class F>
void attempt(TeardownResult& r, const std::string& what, F&& f) noexcept {
    try {
        f();
    } catch (const std::exception& e) {
        r.failed.push_back(what + ": " + e.what());
    }
}
}  // namespace

TeardownResult tear_down(Teardown& t) noexcept {
    TeardownResult r;
    attempt(r, "pins of lab " + t.lab, [&] { unpin_lab(t.lab); });
    for (const auto& d : t.cgroups) {
        try {
            sys::cgroup_kill(d);
        } catch (const std::exception&) {  // tried again below, and reported if it stays
        }
    }
    for (auto& p : t.inits) {
        // An init without a pidfd is the keeper's child that failed while cloning: unreaped,
        // so its PID is still its own.
        if (p.pidfd ? sys::pidfd_signal(p.pidfd.get(), SIGKILL) : (p.pid > 0 && ::kill(p.pid, SIGKILL) == 0))
            ++r.killed;
    }
    // An init exits only once every process of its PID namespace is reaped. One whose parent
    // is outside the node (a command started by a process that then died) is reaped by that
    // parent's reaper, which may be slow; the lab still goes down, and the init follows.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    auto left_ms = [&] {
        return std::max<long>(0, std::chrono::duration_cast<std::chrono::milliseconds>(
                                     deadline - std::chrono::steady_clock::now()).count());
    };
    for (auto& p : t.inits) {
        if (p.pidfd && !sys::pidfd_wait_exit(p.pidfd.get(), left_ms()))
            std::fprintf(stderr, "teardown: node %s is still exiting (a process of it waits to be reaped)\n",
                         p.node.c_str());
        else if (t.children && p.pid > 0)
            ::waitpid(p.pid, nullptr, 0);
        p.pidfd.reset();
    }
    // Commands started by `exec` whose node had no PID namespace are the keeper's children too.
    if (t.children)
        while (::waitpid(-1, nullptr, WNOHANG) > 0) {}
    fault::point("teardown");
    if (!remove_lab_cgroups(t.cgroups, static_cast<int>(std::max<long>(1000, left_ms()))))
        for (const auto& d : t.cgroups)
            if (sys::exists(d)) r.cgroups_left.push_back(d);
    remove_host_dirs(t.lab);
    attempt(r, "state of lab " + t.lab, [&] { sys::remove_tree(lab_dir(t.lab)); });
    return r;
}

}  // namespace nslab::lab
