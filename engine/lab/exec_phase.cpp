#include "lab/exec_phase.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <map>

#include "exec/spawn.hpp"
#include "lab/paths.hpp"
#include "node/init.hpp"
#include "sys/files.hpp"
#include "sys/userns.hpp"
#include "util/error.hpp"
#include "util/fault.hpp"

extern char** environ;

namespace nslab::lab {

std::vector<std::string> node_environment(const std::string& lab, const topo::Node& node) {
    std::map<std::string, std::string> env;
    for (char** e = environ; e && *e; ++e) {
        std::string kv = *e;
        auto eq = kv.find('=');
        if (eq != std::string::npos) env[kv.substr(0, eq)] = kv.substr(eq + 1);
    }
    for (const auto& [k, v] : node.env) env[k] = v;
    env["NSLAB_LAB"] = lab;
    env["NSLAB_NODE"] = node.name;
    std::vector<std::string> out;
    for (const auto& [k, v] : env) out.push_back(k + "=" + v);
    return out;
}

namespace {

struct Running {
    const ExecNode* en;
    std::size_t next = 0;       // index of the next command
    exec::Child child;
    sys::Fd log;
    off_t log_start = 0;
    std::chrono::steady_clock::time_point started;
};

std::string tail_of(int fd, off_t from) {
    struct stat st{};
    if (::fstat(fd, &st) < 0 || st.st_size <= from) return {};
    constexpr off_t kMax = 4000;
    off_t start = st.st_size - from > kMax ? st.st_size - kMax : from;
    std::string out(static_cast<std::size_t>(st.st_size - start), '\0');
    ssize_t n = ::pread(fd, out.data(), out.size(), start);
    out.resize(n > 0 ? static_cast<std::size_t>(n) : 0);
    return (start > from ? "…" : "") + out;
}

// The node's `exec`, named and located as the plan names its exec steps (plan/make_plan.cpp).
std::vector<ExecCommand> exec_commands(const topo::Node& nd) {
    std::vector<ExecCommand> out;
    for (std::size_t i = 0; i < nd.exec.size(); ++i)
        out.push_back({nd.exec[i], "exec command " + std::to_string(i + 1) + " `" + nd.exec[i] + "`",
                       nd.pointer + "/exec/" + std::to_string(i), "exec " + nd.name + " " + std::to_string(i)});
    return out;
}

void start_next(const State& state, Running& r) {
    const auto& nd = *r.en->node;
    exec::SpawnSpec spec;
    spec.argv = {"/bin/sh", "-c", r.en->commands[r.next].shell};
    spec.env = node_environment(state.lab, nd);
    spec.cwd = state.workdir.empty() ? "/" : state.workdir;
    sys::Fd devnull(::open("/dev/null", O_RDONLY | O_CLOEXEC));
    spec.in = devnull.get();
    spec.out = r.log.get();
    spec.err = r.log.get();
    spec.new_session = true;
    struct stat st{};
    r.log_start = ::fstat(r.log.get(), &st) == 0 ? st.st_size : 0;
    r.started = std::chrono::steady_clock::now();
    r.child = exec::spawn(r.en->init_pidfd, node::enter_flags(nd.namespaces),
                          spec, "node " + nd.name);
}

}  // namespace

void run_exec_phase(const State& state, const std::vector<ExecNode>& given, int timeout_s,
                    const Progress& progress, const std::vector<int>& wake_fds, const std::string& stage) {
    sys::mkdir_p(log_dir(state.lab), 0700);
    std::vector<ExecNode> nodes = given;
    for (auto& en : nodes)
        if (en.commands.empty()) en.commands = exec_commands(*en.node);
    std::vector<Running> running;
    std::size_t total = 0, done = 0;
    for (const auto& en : nodes) {
        if (en.commands.empty()) continue;
        Running r;
        r.en = &en;
        std::string path = log_dir(state.lab) + "/" + en.node->name + ".log";
        // Read and write: a failing command's output is read back from it for the error.
        r.log = sys::Fd(::open(path.c_str(), O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0600));
        if (!r.log) throw SystemError("open " + path, errno);
        total += en.commands.size();
        running.push_back(std::move(r));
    }
    auto kill_all = [&] {
        for (auto& o : running)
            if (o.child.pidfd) {
                ::kill(-o.child.pid, SIGKILL);
                sys::pidfd_signal(o.child.pidfd.get(), SIGKILL);
                exec::wait(o.child);
            }
    };
    auto fail = [&](Running& r, const std::string& why) {
        std::string out = tail_of(r.log.get(), r.log_start);
        kill_all();
        const ExecCommand& c = r.en->commands[r.next];
        std::string msg = "node " + r.en->node->name + ": " + c.what + " " + why;
        msg += out.empty() ? "; it printed nothing" : "; its output:\n" + out;
        if (sys::single_id_namespace())
            msg += "\n(this rootless lab maps a single user id, so a program that switches to another user, such as "
                   "FRR's daemons with -u frr, fails in it; give the user subordinate ids in /etc/subuid and "
                   "/etc/subgid and install Debian's uidmap)";
        throw Error(msg, {r.en->node->name, c.pointer, c.step});
    };
    const auto limit = std::chrono::seconds(timeout_s);
    // Whatever ends the phase early (a signal or the owner's death through `progress`, a spawn
    // failure) takes the commands with it: the caller tears the lab down next.
    try {
        for (auto& r : running) start_next(state, r);
        for (;;) {
            std::vector<pollfd> fds;
            std::vector<Running*> who;
            auto now = std::chrono::steady_clock::now();
            int wait_ms = -1;
            for (auto& r : running) {
                if (!r.child.pidfd) continue;
                fds.push_back({r.child.pidfd.get(), POLLIN, 0});
                who.push_back(&r);
                auto left = std::chrono::duration_cast<std::chrono::milliseconds>(r.started + limit - now).count();
                if (left < 0) left = 0;
                if (wait_ms < 0 || left < wait_ms) wait_ms = static_cast<int>(left) + 1;
            }
            if (fds.empty()) break;
            const std::size_t children = fds.size();
            for (int w : wake_fds) fds.push_back({w, POLLIN, 0});
            int rc = ::poll(fds.data(), fds.size(), wait_ms);
            if (rc < 0 && errno != EINTR) throw SystemError("poll", errno);
            for (std::size_t i = children; i < fds.size(); ++i)
                if (fds[i].revents & (POLLIN | POLLHUP | POLLERR)) {
                    progress(stage, done, total);  // throws when the lab must go
                    break;
                }
            now = std::chrono::steady_clock::now();
            for (std::size_t i = 0; i < children; ++i) {
                Running& r = *who[i];
                if (fds[i].revents & POLLIN) {
                    int code = exec::wait(r.child);
                    if (code != 0) fail(r, "exited with code " + std::to_string(code));
                    progress(stage, ++done, total);
                    fault::point("exec");
                    if (++r.next < r.en->commands.size()) start_next(state, r);
                } else if (now - r.started >= limit) {
                    fail(r, "did not finish within " + std::to_string(timeout_s) + " s (run daemons with `&` or their own -d)");
                }
            }
        }
    } catch (...) {
        kill_all();
        throw;
    }
}

}  // namespace nslab::lab
