#include "lab/keeper.hpp"

#include <fcntl.h>
#include <malloc.h>
#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <iostream>

#include "lab/control.hpp"
#include "lab/error_report.hpp"
#include "lab/fleet.hpp"
#include "lab/state.hpp"
#include "lab/paths.hpp"
#include "lab/runtime.hpp"
#include "node/rootfs.hpp"
#include "sys/files.hpp"
#include "sys/process.hpp"
#include "sys/userns.hpp"
#include "topology/edit.hpp"
#include "topology/model.hpp"
#include "util/error.hpp"
#include "util/fault.hpp"

namespace nslab::lab {

namespace {

struct Aborted : std::runtime_error {
    using std::runtime_error::runtime_error;
};

struct Args {
    std::string lab;
    int report_fd = -1;
    sys::ProcIdentity owner;
    bool ephemeral = false;
    bool userns = false;
    int exec_timeout = 60;
    std::string source, workdir, partition;
};

Args parse_args(int argc, char** argv) {
    Args a;
    for (int i = 1; i + 1 < argc; i += 2) {
        std::string k = argv[i], v = argv[i + 1];
        if (k == "--lab") a.lab = v;
        else if (k == "--report-fd") a.report_fd = std::stoi(v);
        else if (k == "--owner") {
            auto colon = v.find(':');
            a.owner.pid = std::stoi(v.substr(0, colon));
            a.owner.starttime = std::stoull(v.substr(colon + 1));
        } else if (k == "--ephemeral") a.ephemeral = v == "1";
        else if (k == "--userns") a.userns = v == "1";
        else if (k == "--exec-timeout") a.exec_timeout = std::stoi(v);
        else if (k == "--source") a.source = v;
        else if (k == "--workdir") a.workdir = v;
        else if (k == "--partition") a.partition = v;
    }
    if (a.lab.empty() || a.report_fd < 0) throw Error("nslab-keeper is started by the engine, not by hand");
    return a;
}

class Reporter {
public:
    explicit Reporter(int fd) : fd_(fd) {}
    void send(const nlohmann::json& j) {
        if (fd_ < 0) return;
        std::string line = j.dump() + "\n";
        // The starter may be gone (killed); then nobody listens and that is fine.
        if (::write(fd_, line.data(), line.size()) < 0) close();
    }
    void close() {
        if (fd_ >= 0) ::close(fd_);
        fd_ = -1;
    }

private:
    int fd_;
};

sys::Fd make_signalfd() {
    sigset_t set;
    sigemptyset(&set);
    for (int s : {SIGTERM, SIGINT, SIGHUP, SIGCHLD, SIGQUIT, SIGUSR1}) sigaddset(&set, s);
    sigprocmask(SIG_BLOCK, &set, nullptr);
    signal(SIGPIPE, SIG_IGN);
    int fd = ::signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
    if (fd < 0) throw SystemError("signalfd", errno);
    return sys::Fd(fd);
}

// True when a signal asks the lab to go. SIGUSR1 asks an ephemeral lab to stop depending on
// its owner (pytest --nslab-keep keeps a failed test's lab for inspection); SIGCHLD is left
// for teardown, which reaps the inits.
bool read_signals(int sfd, bool& detach) {
    bool stop = false;
    signalfd_siginfo si;
    while (::read(sfd, &si, sizeof si) == static_cast<ssize_t>(sizeof si)) {
        if (si.ssi_signo == SIGUSR1) detach = true;
        else if (si.ssi_signo != SIGCHLD) stop = true;
    }
    return stop;
}

void redirect_stdio(const std::string& lab) {
    int in = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (in >= 0) {
        ::dup2(in, 0);
        ::close(in);
    }
    int log = ::open(keeper_log(lab).c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (log >= 0) {
        ::dup2(log, 1);
        ::dup2(log, 2);
        ::close(log);
    }
}

// One control request: {"op": "apply", "text", "source", "dry_run"} -> the difference, or the
// error as error_report() gives it (the lab is then as it was).
nlohmann::json handle_request(Runtime& rt, const Args& args, const nlohmann::json& req) {
    try {
        const std::string op = req.value("op", "");
        topo::ParseOptions po;
        po.source = req.value("source", "<topology>");
        po.name_override = args.lab;
        // Relative daemon config paths: from the applied file's directory, else the lab's.
        po.base_dir = req.value("workdir", args.workdir);
        // Edits are made here, on the lab's text as it is now: two clients adding a node each
        // both get theirs, whatever the order.
        const std::string now = sys::read_file(topology_file(args.lab));
        auto str = [&](const char* k) { return req.value(k, std::string()); };
        std::string text;
        if (op == "apply") text = req.at("text").get<std::string>();
        else if (op == "add_node") text = topo::with_node(now, str("name"), str("spec"));
        else if (op == "remove_node") text = topo::without_node(now, rt.model(), str("name"));
        else if (op == "add_link") text = topo::with_link(now, str("a"), str("b"), str("spec"));
        else if (op == "remove_link") text = topo::without_link(now, rt.model(), str("endpoint"));
        else throw Error("keeper: unknown request \"" + op + "\"");
        if (op != "apply") po.source = "lab " + args.lab;
        topo::Model after = topo::parse(text, po);
        for (const auto& node : after.nodes)
            if (!rt.model().find(node.name)) node::check_rootfs(node);
        ApplyResult r = rt.apply(std::move(after), text, req.value("dry_run", false), req.value("exec_timeout", args.exec_timeout));
        return {{"ok", true}, {"lines", r.lines}, {"applied", r.applied}, {"ms", r.ms}};
    } catch (const std::exception& e) {
        std::cerr << "live change failed: " << e.what() << "\n";
        return error_report(e);
    }
}

// The keeper of a lab over several machines, on the machine that started it: it builds
// nothing here, but holds one ssh session per machine, each running that machine's part, and
// takes them all down when any part ends, `lab down` asks, or (ephemeral) the owner dies.
int fleet_keeper(const Args& args, Reporter& report, sys::Fd& sigfd, sys::Fd& owner, State& st, topo::Model model,
                 const std::string& text) {
    auto t0 = std::chrono::steady_clock::now();
    Fleet fleet(model, text, args.lab);
    bool detach = false;
    try {
        save(st);
        std::vector<int> wake = {sigfd.get()};
        if (owner) wake.push_back(owner.get());
        fleet.start([&](const std::string& stage, std::size_t done, std::size_t total) {
            report.send({{"progress", stage}, {"done", done}, {"total", total}});
        }, wake, [&] {
            if (read_signals(sigfd.get(), detach)) return true;
            pollfd o{owner ? owner.get() : -1, POLLIN, 0};
            return owner && ::poll(&o, 1, 0) > 0;
        }, std::chrono::seconds(120 + args.exec_timeout));
    } catch (const std::exception& e) {
        fleet.stop();
        try { sys::remove_tree(lab_dir(args.lab)); } catch (...) {}
        std::cerr << "build failed: " << e.what() << "\n";
        report.send(error_report(e));
        return 1;
    }
    st.status = "up";
    st.up_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    save(st);
    report.send({{"ok", true}, {"ms", st.up_ms}});
    report.close();
    if (!args.ephemeral) owner.reset();
    std::string why = "lab down";
    for (;;) {
        if (detach && owner) {
            owner.reset();
            st.ephemeral = false;
            try { save(st); } catch (...) {}
        }
        std::vector<pollfd> p = {{sigfd.get(), POLLIN, 0}, {owner ? owner.get() : -1, POLLIN, 0}};
        for (int fd : fleet.watch_fds()) p.push_back({fd, POLLIN, 0});
        int rc = ::poll(p.data(), p.size(), static_cast<int>(std::chrono::milliseconds(Fleet::kHeartbeat).count()));
        if (rc < 0 && errno != EINTR) break;
        if ((p[0].revents & POLLIN) && read_signals(sigfd.get(), detach)) break;
        if (owner && (p[1].revents & POLLIN)) {
            why = "its owner died";
            break;
        }
        std::optional<std::string> ended;
        for (std::size_t k = 2; k < p.size() && !ended; ++k)
            if (p[k].revents) ended = fleet.check(p[k].fd);
        if (ended) {
            why = "the part on machine " + *ended + " ended";
            break;
        }
        fleet.heartbeat();
    }
    std::cerr << "taking lab " << args.lab << " down on every machine: " << why << "\n";
    st.status = "stopping";
    try { save(st); } catch (...) {}
    fleet.stop();
    try { sys::remove_tree(lab_dir(args.lab)); } catch (...) {}
    return 0;
}

}  // namespace

int keeper_main(int argc, char** argv) {
    Args args;
    try {
        args = parse_args(argc, argv);
    } catch (const std::exception& e) {
        std::cerr << "nslab-keeper: " << e.what() << "\n";
        return 2;
    }
    // Keep only stdio and the report pipe: whatever else the starter held (a `flock 9` around
    // `lab up`, a socket) would otherwise stay open, and locked, until `lab down`.
    sys::close_fds_except(args.report_fd);
    ::fcntl(args.report_fd, F_SETFD, FD_CLOEXEC);
    Reporter report(args.report_fd);
    ::setsid();  // a Ctrl-C in the starter's terminal must not reach the lab
    redirect_stdio(args.lab);
    // Facts every node init needs: learnt once here, inherited by each fork.
    (void)sys::rootless();
    (void)sys::highest_mapped_gid();
    sys::raise_fd_limit();

    sys::Fd sigfd = make_signalfd();
    sys::Fd owner = sys::open_verified(args.owner);
    fault::set_owner(owner.get());
    auto t0 = std::chrono::steady_clock::now();

    State st;
    st.lab = args.lab;
    st.status = "building";
    st.boot_id = sys::boot_id();
    st.keeper = sys::identity_of(::getpid()).value_or(sys::ProcIdentity{::getpid(), 0});
    st.ephemeral = args.ephemeral;
    st.userns = args.userns;
    st.source = args.source;
    st.workdir = args.workdir;
    st.partition = args.partition;
    st.created = static_cast<double>(::time(nullptr));

    auto owner_gone = [&] {
        if (!owner) return true;
        pollfd p{owner.get(), POLLIN, 0};
        return ::poll(&p, 1, 0) > 0;
    };
    bool detach = false;
    auto progress = [&](const std::string& stage, std::size_t done, std::size_t total) {
        if (read_signals(sigfd.get(), detach)) throw Aborted("lab " + args.lab + ": interrupted while building");
        if (owner_gone()) throw Aborted("lab " + args.lab + ": the process that started it died while building");
        report.send({{"progress", stage}, {"done", done}, {"total", total}});
    };

    std::unique_ptr<Runtime> rt;
    try {
        topo::ParseOptions po;
        po.source = args.source.empty() ? "<topology>" : args.source;
        po.name_override = args.lab;
        po.base_dir = args.workdir;
        po.partition = args.partition;
        const std::string text = sys::read_file(topology_file(args.lab));
        topo::Model model = topo::parse(text, po);
        if (model.placement && args.partition.empty()) {
            st.fleet = true;
            return fleet_keeper(args, report, sigfd, owner, st, std::move(model), text);
        }
        Runtime::check_fd_budget(model.nodes.size());
        // Each node's init checks its rootfs again as it enters it; this is the clear, early no.
        for (const auto& node : model.nodes) node::check_rootfs(node);
        save(st);
        fault::point("keeper");
        rt = std::make_unique<Runtime>(std::move(model), st, progress);
        std::vector<int> wake = {sigfd.get()};
        if (owner) wake.push_back(owner.get());
        rt->build(args.exec_timeout, wake);
    } catch (const std::exception& e) {
        // Roll back first, answer after: when the starter hears "failed", nothing is left.
        if (rt) rt->teardown();
        else {
            try { sys::remove_tree(lab_dir(args.lab)); } catch (...) {}
        }
        std::cerr << "build failed: " << e.what() << "\n";
        report.send(error_report(e));
        return 1;
    }
    // Listening before "ok": a client may change the lab the moment `lab up` returns.
    sys::Fd control;
    try {
        control = listen_control(args.lab);
    } catch (const std::exception& e) {
        rt->teardown();
        report.send(error_report(e));
        return 1;
    }
    double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    rt->state().up_ms = ms;
    save(rt->state());
    report.send({{"ok", true}, {"ms", ms}});
    report.close();
    // The build's transient memory (parsed JSON, the plan's messages) is free but still held
    // by malloc: give it back, since the keeper idles for as long as the lab runs.
    ::malloc_trim(0);
    if (!args.ephemeral) {
        owner.reset();  // a persistent lab no longer depends on its starter
        fault::set_owner(-1);
    }
    fault::point("ready");

    for (;;) {
        if (detach && owner) {
            owner.reset();
            fault::set_owner(-1);
            rt->state().ephemeral = false;
            try { save(rt->state()); } catch (...) {}
        }
        pollfd p[3] = {{sigfd.get(), POLLIN, 0}, {control.get(), POLLIN, 0}, {owner ? owner.get() : -1, POLLIN, 0}};
        int rc = ::poll(p, owner ? 3 : 2, -1);
        if (rc < 0 && errno != EINTR) break;
        if ((p[0].revents & POLLIN) && read_signals(sigfd.get(), detach)) break;
        if (owner && (p[2].revents & POLLIN)) break;
        if (p[1].revents & POLLIN) serve_control(control.get(), [&](const nlohmann::json& req) { return handle_request(*rt, args, req); });
    }
    rt->state().status = "stopping";
    try { save(rt->state()); } catch (...) {}
    rt->teardown();
    return 0;
}

}  // namespace nslab::lab
