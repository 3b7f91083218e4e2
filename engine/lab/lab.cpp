#include "lab/lab.hpp"
#include "lab/fleet.hpp"
#include "topology/edit.hpp"

#include <dlfcn.h>
#include <fcntl.h>
#include <linux/close_range.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string_view>

#include "exec/terminal.hpp"
#include "lab/cgroup_claim.hpp"
#include "lab/cgroups.hpp"
#include "lab/daemons.hpp"
#include "lab/error_report.hpp"
#include "lab/exec_phase.hpp"
#include "lab/host_dirs.hpp"
#include "lab/paths.hpp"
#include "lab/pins.hpp"
#include "lab/teardown.hpp"
#include "lab/teardown_watch.hpp"
#include "node/init.hpp"
#include "sys/files.hpp"
#include "sys/process.hpp"
#include "sys/userns.hpp"
#include "util/error.hpp"
#include "util/fault.hpp"

extern char** environ;

#ifndef NSLAB_KEEPER_BUILD_PATH
#define NSLAB_KEEPER_BUILD_PATH ""
#endif
#ifndef NSLAB_KEEPER_INSTALL_PATH
#define NSLAB_KEEPER_INSTALL_PATH ""
#endif

namespace nslab::lab {

namespace {

bool executable(const std::string& p) { return !p.empty() && ::access(p.c_str(), X_OK) == 0; }

std::string dir_of(const std::string& p) {
    auto slash = p.rfind('/');
    return slash == std::string::npos ? "." : p.substr(0, slash);
}

std::string absolute(const std::string& p) {
    if (p.empty() || p[0] == '/') return p;
    char buf[4096];
    return ::getcwd(buf, sizeof buf) ? std::string(buf) + "/" + p : p;
}

// How long a keeper may take to tear a lab down before we take over.
constexpr int kDownTimeoutMs = 60000;

[[noreturn]] void throw_exists(const std::string& name) {
    auto st = load(name);
    if (st && keeper_alive(*st)) {
        const char* who = st->status == "starting" ? "being started by PID " : "its keeper is PID ";
        throw Error("lab " + name + " exists (" + who + std::to_string(st->keeper.pid) + "); take it down with `lab down " +
                    name + "` or choose another name with --name");
    }
    throw Error("lab " + name + " exists but is not running (a crashed run?); `lab clean` removes it");
}

// What the keeper's child does between clone and exec, prepared so that it allocates nothing:
// it may share our memory (clone_vfork), beside the caller's other threads.
struct KeeperExec {
    char** argv;
    char** envp;
    int report_fd;
    int go_read = -1, go_write = -1;  // a rootless keeper's: exec once its id maps exist
    sigset_t caller_mask;
    alignas(16) char stack[32 * 1024];
};

int keeper_exec(void* arg) {
    auto* k = static_cast<KeeperExec*>(arg);
    // A caller's handler (Python's) must not run here on memory we share; ignored ones stay
    // ignored, as across fork and exec.
    for (int s = 1; s < NSIG; ++s) {
        struct sigaction sa {};
        if (::sigaction(s, nullptr, &sa) == 0 && sa.sa_handler != SIG_IGN && sa.sa_handler != SIG_DFL) ::signal(s, SIG_DFL);
    }
    ::sigprocmask(SIG_SETMASK, &k->caller_mask, nullptr);
    if (k->report_fd == 3) ::fcntl(3, F_SETFD, 0);
    else ::dup2(k->report_fd, 3);  // dup2 clears close-on-exec on the copy
    ::syscall(SYS_close_range, 4, ~0U, CLOSE_RANGE_CLOEXEC);  // none of our other fds reach the keeper
    if (k->go_read >= 0) {
        // Exec only once our id maps exist: an unmapped root would lose its capabilities.
        ::close(k->go_write);
        char b;
        if (::read(k->go_read, &b, 1) != 1) _exit(126);
    }
    ::execve(k->argv[0], k->argv, k->envp);
    _exit(127);
}

// The keeper of a lab made by root, started without copying the caller's page tables; -1 with
// errno on failure.
pid_t start_keeper_sharing(KeeperExec& k, bool ephemeral, int* pidfd) {
    sigset_t all;
    sigfillset(&all);
    ::pthread_sigmask(SIG_SETMASK, &all, &k.caller_mask);
    // CLONE_PARENT: the exit signal is our own; clone() wants none given with it.
    pid_t pid = sys::clone_vfork(keeper_exec, &k, k.stack, sizeof k.stack, ephemeral ? SIGCHLD : CLONE_PARENT, pidfd);
    const int err = errno;
    ::pthread_sigmask(SIG_SETMASK, &k.caller_mask, nullptr);
    errno = err;
    return pid;
}

}  // namespace

std::string keeper_path() {
    if (const char* e = std::getenv("NSLAB_KEEPER"); e && *e) return e;
    char buf[4096];
    ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
    if (n > 0) {
        buf[n] = 0;
        std::string p = dir_of(buf) + "/nslab-keeper";
        if (executable(p)) return p;
    }
    // Inside a shared object (the Python extension), look beside it.
    Dl_info info{};
    if (::dladdr(reinterpret_cast<void*>(&keeper_path), &info) && info.dli_fname) {
        std::string p = dir_of(info.dli_fname) + "/nslab-keeper";
        if (executable(p)) return p;
    }
    for (const char* p : {NSLAB_KEEPER_BUILD_PATH, NSLAB_KEEPER_INSTALL_PATH})
        if (executable(p)) return p;
    throw Error("cannot find the nslab-keeper executable (set NSLAB_KEEPER)");
}

Lab::Lab(Lab&&) noexcept = default;
Lab& Lab::operator=(Lab&&) noexcept = default;
Lab::~Lab() = default;

Lab Lab::up_file(const std::string& path, UpOptions opts) {
    if (opts.source.empty()) opts.source = path;
    if (opts.workdir.empty()) opts.workdir = dir_of(absolute(path));
    return up(sys::read_file(path), opts);
}

Lab Lab::up(const std::string& file_text, const UpOptions& opts) {
    const auto t0 = std::chrono::steady_clock::now();
    const std::string text = opts.hosts.empty() ? file_text
                                                : topo::with_placement(file_text, opts.hosts, opts.hosts_source.empty() ? "hosts" : opts.hosts_source);
    topo::ParseOptions po;
    po.source = opts.source.empty() ? "<topology>" : opts.source;
    po.name_override = opts.name;
    po.partition = opts.partition;
    // The keeper resolves config paths against the same directory (its --workdir).
    const std::string workdir = opts.workdir.empty() ? absolute(".") : opts.workdir;
    po.base_dir = workdir;
    topo::Model model = topo::parse(text, po);  // a bad topology never reaches a keeper
    check_daemon_configs(model, po.source);
    const std::string name = model.name;

    ensure_run_dir();
    const std::string dir = lab_dir(name);
    auto self = sys::identity_of(::getpid());
    {
        // Made under the global lock, a lab directory never exists without its state: a second
        // `lab up` of the same name always learns who holds the name, and `lab clean` knows
        // that a directory without state is a leftover.
        GlobalLock lock;
        if (::mkdir(dir.c_str(), 0700) < 0) {
            if (errno != EEXIST) throw SystemError("mkdir " + dir, errno);
            throw_exists(name);
        }
        fault::point("up.dir");
        try {
            sys::write_file_atomic(topology_file(name), text, 0600);
            // Until the keeper records itself, the lab belongs to us: if we die before that,
            // `lab clean` sees a dead owner and removes the directory at once.
            State starting;
            starting.lab = name;
            starting.status = "starting";
            starting.boot_id = sys::boot_id();
            starting.keeper = *self;
            starting.ephemeral = opts.ephemeral;
            starting.source = opts.source;
            starting.partition = opts.partition;
            starting.fleet = model.placement && opts.partition.empty();
            save(starting);
        } catch (...) {
            sys::remove_tree(dir);
            throw;
        }
    }
    fault::point("up.state");

    std::string keeper = keeper_path();
    // An ordinary user's lab lives in a user namespace the keeper is the first member of; it is
    // root in there, so it may make namespaces, links and mounts, and nothing outside.
    const bool rootless = sys::rootless();
    sys::IdMapPlan ids;
    if (rootless) ids = sys::plan_id_maps();
    std::vector<std::string> args = {keeper,
                                     "--lab", name,
                                     "--report-fd", "3",
                                     "--owner", std::to_string(self->pid) + ":" + std::to_string(self->starttime),
                                     "--ephemeral", opts.ephemeral ? "1" : "0",
                                     "--userns", rootless ? "1" : "0",
                                     "--exec-timeout", std::to_string(opts.exec_timeout_s),
                                     "--source", opts.source,
                                     "--partition", opts.partition,
                                     "--workdir", workdir};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    // The keeper is root of its namespace, where run_dir() would mean /run/nslab: tell it ours.
    std::vector<std::string> env_strings;
    for (char** e = environ; *e; ++e)
        if (std::string_view(*e).rfind("NSLAB_RUN_DIR=", 0) != 0) env_strings.emplace_back(*e);
    env_strings.push_back("NSLAB_RUN_DIR=" + run_dir());
    std::vector<char*> envp;
    for (auto& e : env_strings) envp.push_back(e.data());
    envp.push_back(nullptr);

    sys::Pipe report = sys::make_pipe();
    sys::Pipe go = sys::make_pipe();
    int pidfd = -1;
    pid_t pid;
    std::unique_ptr<KeeperExec> exec(new KeeperExec);  // not value-initialised: no zeroed stack
    exec->argv = argv.data();
    exec->envp = envp.data();
    exec->report_fd = report.write.get();
    try {
        // A persistent lab's keeper becomes a child of our parent (the user's shell), which
        // reaps it when it finally exits, even where PID 1 reaps nobody. An ephemeral lab's
        // keeper is our own child: we reap it in down().
        // A rootless keeper also gets a network namespace of its own: visiting a node's and
        // coming back needs rights over the one it comes back to, which the host's is not.
        if (rootless) {
            // It waits for its id maps, so it cannot share our memory: a copy of it.
            exec->go_read = go.read.get();
            exec->go_write = go.write.get();
            ::pthread_sigmask(SIG_SETMASK, nullptr, &exec->caller_mask);
            pid = sys::clone_process((opts.ephemeral ? 0 : CLONE_PARENT) | CLONE_NEWUSER | CLONE_NEWNET, &pidfd);
            if (pid == 0) keeper_exec(exec.get());  // only async-signal-safe calls: the caller may be multi-threaded
        } else {
            pid = start_keeper_sharing(*exec, opts.ephemeral, &pidfd);
            if (pid < 0) throw SystemError("clone the keeper", errno);
        }
    } catch (const SystemError& e) {
        sys::remove_tree(dir);
        if (rootless)
            throw Error("cannot create a user namespace for a rootless lab: " + std::string(std::strerror(e.err())) +
                        " (is kernel.unprivileged_userns_clone or user.max_user_namespaces 0 here?)");
        throw;
    } catch (...) {
        sys::remove_tree(dir);
        throw;
    }
    sys::Fd keeper_fd(pidfd);
    report.write.reset();
    go.read.reset();
    if (rootless) {
        try {
            sys::write_id_maps(pid, ids);
        } catch (...) {
            sys::pidfd_signal(keeper_fd.get(), SIGKILL);
            if (opts.ephemeral) ::waitpid(pid, nullptr, 0);
            sys::remove_tree(dir);
            throw;
        }
        char b = 'G';
        (void)!::write(go.write.get(), &b, 1);
    }
    go.write.reset();
    fault::point("up.spawned");

    Lab lab;
    lab.child_keeper_ = opts.ephemeral ? pid : 0;
    std::string buf;
    nlohmann::json failure;
    bool ok = false, answered = false;
    char chunk[4096];
    for (;;) {
        ssize_t n = ::read(report.read.get(), chunk, sizeof chunk);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        buf.append(chunk, static_cast<std::size_t>(n));
        std::size_t nl;
        while ((nl = buf.find('\n')) != std::string::npos) {
            auto j = nlohmann::json::parse(buf.substr(0, nl), nullptr, false);
            buf.erase(0, nl + 1);
            if (!j.is_object()) continue;
            if (j.contains("progress")) {
                std::string stage = j["progress"];
                double at = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
                if (lab.stage_ms_.empty() || lab.stage_ms_.back().first != stage) lab.stage_ms_.emplace_back(stage, at);
                else lab.stage_ms_.back().second = at;
                if (opts.progress) opts.progress(stage, j.value("done", 0), j.value("total", 0));
            } else if (j.contains("ok")) {
                answered = true;
                ok = j["ok"].get<bool>();
                failure = j;
            }
        }
        if (answered) break;
    }
    if (!ok) {
        // The keeper rolled back before answering; wait for it to be gone entirely.
        sys::pidfd_wait_exit(keeper_fd.get(), kDownTimeoutMs);
        if (opts.ephemeral) ::waitpid(pid, nullptr, 0);
        if (!answered) {
            try {
                lab::down(name);  // the keeper is gone: remove what it made, directly
            } catch (const std::exception&) {
            }
            throw Error("lab " + name + ": the keeper process died while building the lab");
        }
        throw_reported(failure);
    }
    fault::point("up.ready");
    // A concurrent `lab down` may have won between the keeper's answer and this read.
    auto st = load(name);
    if (!st) throw Error("lab " + name + " was taken down (by lab down or lab clean) while lab up was finishing");
    lab.state_ = std::move(*st);
    lab.model_ = std::move(model);
    return lab;
}

Lab Lab::attach(const std::string& name) {
    if (!topo::valid_lab_name(name)) throw Error("\"" + name + "\" is not a lab name");
    auto st = load(name);
    if (!st) throw Error("no lab named " + name + " (running: " + [] {
        std::string s;
        for (auto& l : list()) s += (s.empty() ? "" : ", ") + l;
        return s.empty() ? std::string("none") : s;
    }() + ")");
    Lab lab;
    lab.state_ = *st;
    topo::ParseOptions po;
    po.source = st->source.empty() ? topology_file(name) : st->source;
    po.name_override = name;
    po.base_dir = st->workdir;
    po.partition = st->partition;
    lab.model_ = topo::parse(sys::read_file(topology_file(name)), po);
    return lab;
}

void Lab::down() {
    lab::down(state_.lab);
    if (child_keeper_ > 0) {
        ::waitpid(child_keeper_, nullptr, 0);
        child_keeper_ = 0;
    }
}

void Lab::detach() {
    sys::Fd keeper = keeper_alive(state_) ? sys::open_verified(state_.keeper) : sys::Fd();
    if (!keeper || !sys::pidfd_signal(keeper.get(), SIGUSR1)) throw Error("lab " + state_.lab + ": its keeper is gone");
    for (int i = 0; i < 200; ++i) {
        auto st = load(state_.lab);
        if (st && !st->ephemeral) {
            state_ = *st;
            child_keeper_ = 0;  // it outlives us now; our exit re-parents it
            return;
        }
        ::usleep(10000);
    }
    throw Error("lab " + state_.lab + ": the keeper did not confirm it detached");
}

const topo::Node& Lab::node(const std::string& name) const {
    if (auto* n = model_.find(name)) return *n;
    std::string known;
    for (auto& n : model_.nodes) known += (known.empty() ? "" : ", ") + n.name;
    throw Error("lab " + state_.lab + " has no node \"" + name + "\" (nodes: " + known + ")");
}

sys::Fd Lab::init_pidfd(const std::string& name) const {
    node(name);
    // The state lists the nodes in the model's order, mostly: try the model's index first.
    const std::size_t at = *model_.index_of(name);
    const NodeState* found = at < state_.nodes.size() && state_.nodes[at].name == name ? &state_.nodes[at] : nullptr;
    for (std::size_t i = 0; !found && i < state_.nodes.size(); ++i)
        if (state_.nodes[i].name == name) found = &state_.nodes[i];
    if (!found) throw Error("lab " + state_.lab + " has no running node \"" + name + "\"");
    sys::Fd fd = sys::open_verified(found->init);
    if (!fd) throw Error("node " + name + " of lab " + state_.lab + " is not running (its init is gone)");
    return fd;
}

Lab::Entry Lab::entry(const std::string& name) const {
    const auto& nd = node(name);
    if (state_.fleet)
        throw Error("node " + name + " of lab " + state_.lab + " runs on machine " +
                    model_.placement->node_host[*model_.index_of(name)] +
                    ": from the machine that started the lab, commands run to completion (run, lab exec), not in the background");
    // A rootless lab's namespaces belong to its user namespace: join that first (the kernel
    // does, when CLONE_NEWUSER is in the same setns call).
    unsigned long flags = node::enter_flags(nd.namespaces) | (state_.userns ? CLONE_NEWUSER : 0);
    return {init_pidfd(name), flags, node_environment(state_.lab, nd)};
}

exec::Child Lab::spawn(const std::string& name, exec::SpawnSpec spec) const {
    Entry e = entry(name);
    if (spec.env.empty()) spec.env = std::move(e.env);
    return exec::spawn(e.pidfd.get(), e.flags, spec, "node " + name);
}

int Lab::run_on_terminal(const std::string& name, const std::vector<std::string>& argv) const {
    if (state_.fleet) return fleet_exec(model_, state_.lab, node(name).name, argv, ::isatty(0));
    Entry e = entry(name);
    exec::SpawnSpec spec;
    spec.argv = argv;
    spec.env = std::move(e.env);
    return exec::run_on_terminal(e.pidfd.get(), e.flags, spec, "node " + name);
}

exec::RunResult Lab::run(const std::string& name, const std::vector<std::string>& argv,
                         const exec::RunOptions& opts) const {
    if (state_.fleet) return fleet_run(model_, state_.lab, node(name).name, argv, opts);
    Entry e = entry(name);
    exec::SpawnSpec spec;
    spec.argv = argv;
    spec.env = std::move(e.env);
    if (!opts.cwd.empty()) {
        spec.cwd = opts.cwd;
        spec.cwd_required = true;
    }
    return exec::run(e.pidfd.get(), e.flags, spec, opts, "node " + name);
}

std::vector<std::string> list() { return list_labs(); }

std::string resolve(const std::string& name) {
    if (!name.empty()) return name;
    auto labs = list();
    if (labs.size() == 1) return labs[0];
    if (labs.empty()) throw Error("no lab is running");
    std::string s;
    for (auto& l : labs) s += (s.empty() ? "" : ", ") + l;
    throw Error("several labs are running (" + s + "); name one");
}

namespace {

// The recorded cgroup directories that really are this lab's ("<...>/nslab/<lab>"), and those
// found on the host (a keeper that died before recording them).
std::vector<std::string> lab_cgroups(const std::string& name, const std::optional<State>& st) {
    std::vector<std::string> dirs = find_lab_cgroups(name);
    if (st)
        for (const auto& d : st->cgroups)
            if (auto real = trusted_lab_cgroup(name, d); real && std::find(dirs.begin(), dirs.end(), *real) == dirs.end())
                dirs.push_back(*real);
    return dirs;
}

// The cgroups of a dead lab that may go; those a live keeper claims (a lab of the same name
// in another state dir) or that we may not touch are left, saying why in `report`.
std::vector<std::string> dead_cgroups(const std::vector<std::string>& dirs,
                                      const std::optional<sys::ProcIdentity>& keeper, CleanReport& report) {
    std::vector<std::string> dead;
    for (const auto& d : dirs) {
        if (auto why = cgroup_in_use(d, keeper)) {
            report.kept.push_back("cgroup " + d + ": " + *why);
        } else if (::access(d.c_str(), W_OK) != 0) {
            struct stat sb{};
            std::string owner = ::stat(d.c_str(), &sb) == 0 ? " (owned by uid " + std::to_string(sb.st_uid) + ")" : "";
            report.failed.push_back("cgroup " + d + owner + ": permission denied; run lab clean as its owner");
        } else {
            dead.push_back(d);
        }
    }
    return dead;
}

// The keeper is gone: tears down from the recorded state (inits by their recorded identity,
// never by a PID alone) what it left. Failures go to `report`, or are thrown without one.
std::size_t remove_leftovers(const std::string& name, CleanReport* report = nullptr) {
    auto st = load(name);
    Teardown t{name, {}, {}, false};
    if (st && st->boot_id == sys::boot_id())
        for (const auto& n : st->nodes)
            if (sys::Fd fd = sys::open_verified(n.init)) t.inits.push_back({n.name, 0, std::move(fd)});
    CleanReport ignored;  // `lab down` reports only what keeps the lab from being gone
    CleanReport& r = report ? *report : ignored;
    t.cgroups = dead_cgroups(lab_cgroups(name, st), st ? std::optional(st->keeper) : std::nullopt, r);
    TeardownResult done = tear_down(t);
    if (!report && !done.failed.empty()) throw Error("lab " + name + ": " + done.failed.front());
    r.failed.insert(r.failed.end(), done.failed.begin(), done.failed.end());
    for (const auto& d : done.cgroups_left) r.failed.push_back("cgroup " + d + ": its processes did not exit within 10 s");
    return done.killed;
}

}  // namespace

void down(const std::string& name) { down_with_progress(name, {}); }

void down_with_progress(const std::string& name,
                        const std::function<void(const std::string&, std::size_t, std::size_t)>& progress) {
    // The name becomes a path under run_dir() that is removed: never let it climb out.
    if (!topo::valid_lab_name(name)) throw Error("\"" + name + "\" is not a lab name");
    auto st = load(name);
    // A starting lab's state names the process running `lab up` (a CLI, a whole test run), not
    // a keeper: never signal it. Wait for the keeper to record itself, or for the starter to
    // give up (it then removes the lab, or dies and leaves it to us).
    const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(kDownTimeoutMs);
    while (st && st->status == "starting" && keeper_alive(*st)) {
        if (std::chrono::steady_clock::now() >= until)
            throw Error("lab " + name + " is still being started by PID " + std::to_string(st->keeper.pid) +
                        "; try `lab down " + name + "` again once it is up");
        ::usleep(5000);
        st = load(name);
    }
    if (!st) {
        if (sys::exists(lab_dir(name))) {
            remove_leftovers(name);
            return;
        }
        throw Error("no lab named " + name);
    }
    // Still "starting" here means its starter died before a keeper recorded itself.
    sys::Fd keeper = st->status != "starting" && keeper_alive(*st) ? sys::open_verified(st->keeper) : sys::Fd();
    std::optional<TeardownWatch> watch;
    if (keeper && progress) watch.emplace(*st);
    if (keeper && sys::pidfd_signal(keeper.get(), SIGTERM)) {
        fault::point("down");
        bool gone = watch ? watch->wait(keeper.get(), kDownTimeoutMs, progress)
                          : sys::pidfd_wait_exit(keeper.get(), kDownTimeoutMs);
        if (gone && !sys::exists(lab_dir(name))) return;
        sys::pidfd_signal(keeper.get(), SIGKILL);
        sys::pidfd_wait_exit(keeper.get(), 5000);
    }
    remove_leftovers(name);
}

CleanReport clean() {
    CleanReport r;
    std::vector<std::string> stateless;
    {
        GlobalLock lock;  // labs are made under it with their state: one without is a leftover
        for (const auto& name : list_labs())
            if (!load(name)) stateless.push_back(name);
    }
    for (const auto& name : list_labs()) {
        auto st = load(name);
        if (st && keeper_alive(*st)) continue;
        if (!st && std::find(stateless.begin(), stateless.end(), name) == stateless.end()) continue;  // made just now
        r.processes += remove_leftovers(name, &r);
        r.labs.push_back(name);
    }
    // Cgroups of a lab this state dir no longer (or never) knew: removed only when the keeper
    // that claimed them is gone.
    auto labs = list_labs();
    for (const auto& name : cgroup_lab_names()) {
        if (std::find(labs.begin(), labs.end(), name) != labs.end()) continue;
        const auto failed = r.failed.size(), kept = r.kept.size();
        auto dirs = find_lab_cgroups(name);
        auto dead = dead_cgroups(dirs, std::nullopt, r);
        if (!remove_lab_cgroups(dead, 10000))
            for (const auto& d : dead)
                if (sys::exists(d)) r.failed.push_back("cgroup " + d + ": its processes did not exit within 10 s");
        if (r.failed.size() == failed && r.kept.size() - kept < dirs.size() &&
            std::find(r.labs.begin(), r.labs.end(), name) == r.labs.end())
            r.labs.push_back(name);
    }
    return r;
}

}  // namespace nslab::lab
