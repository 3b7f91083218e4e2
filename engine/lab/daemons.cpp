#include "lab/daemons.hpp"

#include <fcntl.h>
#include <linux/openat2.h>
#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <map>
#include <optional>

#include "lab/node_pids.hpp"
#include "node/init.hpp"
#include "sys/files.hpp"
#include "sys/process.hpp"
#include "sys/userns.hpp"
#include "util/error.hpp"

namespace nslab::lab {

namespace {

constexpr const char* kBirdSocket = "/run/bird/bird.ctl";
constexpr const char* kBirdLog = "/run/bird/bird.log";

bool is_frr_core(const std::string& d) { return d == "zebra" || d == "mgmtd"; }

// The vty address the FRR package gives each daemon (/etc/frr/daemons): IPv6 ones on ::1.
const char* vty_address(const std::string& d) {
    return d == "ospf6d" || d == "ripngd" || d == "pim6d" ? "::1" : "127.0.0.1";
}

std::string comm_of(pid_t pid) {
    try {
        std::string c = sys::read_file("/proc/" + std::to_string(pid) + "/comm");
        while (!c.empty() && c.back() == '\n') c.pop_back();
        return c;
    } catch (const SystemError&) {
        return {};
    }
}

// The script's helpers: `fail MESSAGE [LOG]` prints the message and the log's tail, then exits 1;
// in a wait loop counting $i in tenths of a second, `running NAME PIDFILE LOG` fails unless the
// pid file names a live process (a daemon that forks writes it a moment after its starter
// returned, so a missing one gets 2 s), and `tick NAME LOG` sleeps or gives up after 30 s.
const char* kPrelude = R"(exec 2>&1
PATH=$PATH:/usr/sbin:/usr/bin:/sbin:/bin
fail() {
  echo "nslab: $1"
  if [ -n "$2" ] && [ -s "$2" ]; then echo "--- last lines of $2:"; tail -n 20 "$2"; fi
  exit 1
}
alive() { pid=$(cat "$1" 2>/dev/null) && [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; }
running() {
  if [ -s "$2" ]; then alive "$2" || fail "$1 exited before it answered" "$3"
  elif [ $i -ge 20 ]; then fail "$1 wrote no pid file $2" "$3"; fi
}
tick() { i=$((i+1)); [ $i -lt 300 ] || fail "$1 does not answer after 30 s" "$2"; sleep 0.1; }
)";

std::string frr_script(const topo::Node& node) {
    const auto& frr = *node.frr;
    std::string s = kPrelude;
    s += "D=/usr/lib/frr; [ -x $D/zebra ] || D=/usr/libexec/frr\n"
         "[ -x $D/zebra ] || fail \"FRR is not installed (no /usr/lib/frr/zebra)\"\n"
         "command -v vtysh >/dev/null || fail \"FRR's vtysh is not installed\"\n"
         "start() {\n"
         "  d=$1; shift\n"
         "  [ -x $D/$d ] || fail \"FRR daemon $d is not installed ($D/$d is missing)\"\n"
         "  echo \"nslab: starting $d\"\n"
         "  $D/$d -d --log file:/var/log/frr/$d.log \"$@\" || fail \"FRR daemon $d did not start (exit $?)\" "
         "/var/log/frr/$d.log\n"
         "}\n"
         "DAEMONS=\n";
    const bool mgmtd_listed = std::find(frr.daemons.begin(), frr.daemons.end(), "mgmtd") != frr.daemons.end();
    for (const auto& d : frr.daemons) {
        s += "start " + d + " -A " + vty_address(d) + (d == "zebra" ? " -s 90000000" : "") + "; DAEMONS=\"$DAEMONS " + d + "\"\n";
        // FRR 9 and later hold the config in mgmtd, started right after zebra.
        if (d == "zebra" && !mgmtd_listed)
            s += "if [ -x $D/mgmtd ]; then start mgmtd -A 127.0.0.1; DAEMONS=\"$DAEMONS mgmtd\"; fi\n";
    }
    // One vtysh for all: `show daemons` lists those it could connect to.
    s += "missing() {\n"
         "  out=$(vtysh -c 'show daemons' 2>/dev/null) || out=\n"
         "  m=; for d in $DAEMONS; do case \" $out \" in *\" $d \"*) ;; *) m=\"$m $d\" ;; esac; done; echo $m\n"
         "}\n"
         "i=0\n"
         "while m=$(missing); [ -n \"$m\" ]; do\n"
         "  for d in $m; do running \"FRR daemon $d\" /var/run/frr/$d.pid /var/log/frr/$d.log; done\n"
         "  d=${m%% *}; tick \"FRR daemon $d\" /var/log/frr/$d.log\n"
         "done\n"
         "echo \"nslab: applying /etc/frr/frr.conf (vtysh -b)\"\n"
         "vtysh -b || fail \"vtysh -b could not apply /etc/frr/frr.conf (exit $?; vtysh's words are above)\"\n"
         "for d in $DAEMONS; do\n"
         "  alive /var/run/frr/$d.pid || fail \"FRR daemon $d exited after the config was applied\" /var/log/frr/$d.log\n"
         "done\n"
         "echo \"nslab: FRR answers:$DAEMONS\"\n";
    return s;
}

std::string bird_script(const DaemonOptions& opts) {
    std::string s = kPrelude;
    s += "command -v bird >/dev/null || fail \"BIRD is not installed (no bird)\"\n"
         "command -v birdc >/dev/null || fail \"BIRD's birdc is not installed\"\n"
         "bird -p -c /etc/bird/bird.conf || fail \"BIRD refuses /etc/bird/bird.conf (its words are above)\"\n"
         "U=\n";
    if (opts.bird_user) s += "if id -u bird >/dev/null 2>&1 && getent group bird >/dev/null 2>&1; then U=\"-u bird -g bird\"; fi\n";
    s += "echo \"nslab: starting bird $U\"\n"
         "bird $U -c /etc/bird/bird.conf -s " + std::string(kBirdSocket) + " -P /run/bird/bird.pid || fail \"BIRD did not start (exit $?)\" " +
         kBirdLog + "\n"
         "i=0\n"
         "until birdc -s " + kBirdSocket + " show status >/dev/null 2>&1; do\n"
         "  running BIRD /run/bird/bird.pid " + kBirdLog + "; tick BIRD " + kBirdLog + "\n"
         "done\n"
         "echo \"nslab: BIRD answers\"\n";
    return s;
}

std::string config_text(const std::string& text, const std::string& path, const topo::Node& node, const std::string& key,
                        const std::string& pointer) {
    if (path.empty()) return text;
    try {
        return sys::read_file(path);
    } catch (const SystemError& e) {
        throw Error("node " + node.name + ": cannot read " + key + " config " + path + ": " + std::strerror(e.err()),
                    {node.name, pointer, key + " " + node.name});
    }
}

bool has_file(const topo::Node& node, const std::string& path) {
    return std::any_of(node.files.begin(), node.files.end(), [&](const auto& f) { return f.first == path; });
}

// A small file of the node, read through its root: /proc/<init>/root alone would resolve an
// absolute symlink on the way (/var/run -> /run) in the host's root instead of the node's.
std::optional<std::string> read_node_file(pid_t init, const std::string& path) {
    sys::Fd root(::open(("/proc/" + std::to_string(init) + "/root").c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!root) return std::nullopt;
    open_how how{};
    how.flags = O_RDONLY | O_CLOEXEC | O_NOFOLLOW;
    how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
    sys::Fd fd(static_cast<int>(::syscall(SYS_openat2, root.get(), path.c_str(), &how, sizeof how)));
    if (!fd) return std::nullopt;
    char buf[64];
    ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n <= 0) return std::nullopt;
    return std::string(buf, static_cast<std::size_t>(n));
}

// Processes whose name is a daemon's: {host PID: (comm, pid namespace, NSpid)}, one pass over /proc.
struct Candidate {
    std::string comm, ns;
    std::vector<pid_t> ids;
};
std::map<pid_t, Candidate> daemon_candidates(const std::vector<std::string>& names) {
    std::map<pid_t, Candidate> out;
    for (const auto& entry : sys::list_dir("/proc")) {
        if (entry.empty() || entry.find_first_not_of("0123456789") != std::string::npos) continue;
        const auto pid = static_cast<pid_t>(std::stol(entry));
        std::string comm = comm_of(pid);
        if (std::find(names.begin(), names.end(), comm) == names.end()) continue;
        auto ns = pidns_of(pid);
        if (ns) out[pid] = {comm, *ns, nspids(pid)};
    }
    return out;
}

std::vector<std::string> pid_file_names(const topo::Node& node) {
    auto names = node_daemons(node);
    if (node.frr && std::find(names.begin(), names.end(), "mgmtd") == names.end()) names.push_back("mgmtd");
    return names;
}

NodeDaemons find_in(const topo::Node& node, int init_pidfd, const std::map<pid_t, Candidate>& candidates) {
    NodeDaemons out{node.name, {}};
    const pid_t init = sys::pidfd_pid(init_pidfd);
    const NodePidNs ns = node_pidns(init_pidfd, node.name);
    for (const auto& name : pid_file_names(node)) {
        auto text = read_node_file(init, daemon_pid_file(name));
        pid_t inside = 0;
        try {
            if (text) inside = static_cast<pid_t>(std::stol(*text));
        } catch (const std::exception&) {
        }
        if (inside <= 0) continue;  // no pid file (mgmtd where FRR has none), or not a number
        for (const auto& [pid, c] : candidates) {
            if (c.comm != name || c.ns != ns.ns || c.ids.size() <= ns.level || c.ids[ns.level] != inside) continue;
            try {
                sys::Fd fd = sys::pidfd_open(pid);
                // The pidfd pins this process; check it is still the one we looked at.
                if (comm_of(pid) != name || nspids(pid) != c.ids) break;
                out.procs.push_back({name, inside, pid, std::move(fd)});
            } catch (const SystemError&) {
            }
            break;
        }
    }
    return out;
}

// Waits until every process of `procs` has exited or `deadline` passed; returns those left.
std::vector<DaemonProcess*> wait_exit(std::vector<DaemonProcess*> procs, std::chrono::steady_clock::time_point deadline) {
    while (!procs.empty()) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count();
        if (left <= 0) break;
        std::vector<pollfd> fds;
        for (auto* p : procs) fds.push_back({p->pidfd.get(), POLLIN, 0});
        int rc = ::poll(fds.data(), fds.size(), static_cast<int>(left));
        if (rc < 0 && errno != EINTR) break;
        std::vector<DaemonProcess*> still;
        for (std::size_t i = 0; i < procs.size(); ++i)
            if (!(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) still.push_back(procs[i]);
        procs = std::move(still);
    }
    return procs;
}

}  // namespace

std::string daemon_log(const std::string& daemon) {
    return daemon == "bird" ? kBirdLog : "/var/log/frr/" + daemon + ".log";
}

std::string daemon_pid_file(const std::string& daemon) {
    return daemon == "bird" ? "/run/bird/bird.pid" : "/var/run/frr/" + daemon + ".pid";
}

std::vector<std::string> node_daemons(const topo::Node& node) {
    std::vector<std::string> out;
    if (node.frr) out = node.frr->daemons;
    if (node.bird) out.push_back("bird");
    return out;
}

void check_daemon_configs(const topo::Model& model, const std::string& source) {
    std::vector<topo::Issue> issues;
    for (const auto& node : model.nodes) {
        auto check = [&](const std::string& path, const std::string& pointer) {
            if (!path.empty() && ::access(path.c_str(), R_OK) < 0)
                issues.push_back({pointer, "cannot read config file " + path + ": " + std::strerror(errno)});
        };
        if (node.frr) check(node.frr->config_path, node.frr->config_pointer);
        if (node.bird) check(node.bird->config_path, node.bird->config_pointer);
    }
    if (!issues.empty()) throw topo::TopologyError(source, std::move(issues));
}

// A rootless lab cannot make a mount point on the host, so the daemons' dirs must be there.
void check_host_dirs(const topo::Node& node, const std::vector<topo::PrivateDir>& dirs, const std::string& key,
                     const std::string& pointer) {
    if (!sys::rootless() || !node.rootfs.empty()) return;
    std::string missing;
    for (const auto& d : dirs)
        if (!sys::exists(d.path)) missing += " " + d.path;
    if (!missing.empty())
        throw Error("node " + node.name + ": " + key + " needs private dirs the host lacks (" + missing.substr(1) +
                        "), and a rootless lab cannot create their mount points; create them once as root "
                        "(mkdir -p" + missing + "), or run the lab as root",
                    {node.name, pointer, key + " " + node.name});
}

void prepare_daemon_files(topo::Node& node) {
    if (node.frr) check_host_dirs(node, topo::frr_private_dirs(), "frr", node.frr->pointer);
    if (node.bird) check_host_dirs(node, topo::bird_private_dirs(), "bird", node.bird->pointer);
    if (node.frr) {
        if (sys::single_id_namespace())
            throw Error("node " + node.name + ": FRR's daemons run as user frr, which this rootless lab cannot switch to "
                        "(it maps a single user id); give the user subordinate ids in /etc/subuid and /etc/subgid and "
                        "install Debian's uidmap, or run the lab as root",
                        {node.name, node.frr->pointer, "frr " + node.name});
        const auto& frr = *node.frr;
        if (!frr.config.empty() || !frr.config_path.empty())
            node.files.emplace_back(topo::kFrrConfigFile, config_text(frr.config, frr.config_path, node, "frr", frr.config_pointer));
        else if (!has_file(node, topo::kFrrConfigFile))
            node.files.emplace_back(topo::kFrrConfigFile, "! no config given: configure the daemons with vtysh\n");
        if (!has_file(node, "/etc/frr/vtysh.conf")) node.files.emplace_back("/etc/frr/vtysh.conf", "service integrated-vtysh-config\n");
    }
    if (node.bird) {
        std::string conf = config_text(node.bird->config, node.bird->config_path, node, "bird", node.bird->config_pointer);
        if (!conf.empty() && conf.back() != '\n') conf += '\n';
        // Appended, so BIRD's messages about the config keep their line numbers.
        conf += "# added by nslab: the log whose tail `lab up` errors and test reports show\nlog \"" +
                std::string(kBirdLog) + "\" all;\n";
        node.files.emplace_back(topo::kBirdConfigFile, conf);
    }
}

std::vector<ExecCommand> daemon_commands(const topo::Node& node, const DaemonOptions& opts) {
    std::vector<ExecCommand> out;
    if (node.frr) {
        std::string list;
        for (const auto& d : node.frr->daemons) list += (list.empty() ? "" : ", ") + d;
        out.push_back({frr_script(node), "starting FRR (" + list + ")", node.frr->pointer, "frr " + node.name});
    }
    if (node.bird) out.push_back({bird_script(opts), "starting BIRD", node.bird->pointer, "bird " + node.name});
    return out;
}

std::vector<NodeDaemons> start_daemons(const State& state, const std::vector<ExecNode>& nodes, int timeout_s,
                                       const Progress& progress, const std::vector<int>& wake_fds) {
    std::vector<ExecNode> runs;
    DaemonOptions opts;
    opts.bird_user = !sys::single_id_namespace();
    for (const auto& en : nodes)
        if (en.node->frr || en.node->bird) runs.push_back({en.node, en.init_pidfd, daemon_commands(*en.node, opts)});
    if (runs.empty()) return {};
    run_exec_phase(state, runs, timeout_s, progress, wake_fds, "daemons");
    std::vector<std::string> names;
    for (const auto& en : runs)
        for (const auto& n : pid_file_names(*en.node)) names.push_back(n);
    const auto candidates = daemon_candidates(names);
    std::vector<NodeDaemons> out;
    for (const auto& en : runs) {
        out.push_back(find_in(*en.node, en.init_pidfd, candidates));
        std::string found;
        for (const auto& p : out.back().procs) found += " " + p.name + "=" + std::to_string(p.pid);
        std::fprintf(stderr, "daemons: node %s:%s\n", en.node->name.c_str(), found.empty() ? " none found" : found.c_str());
    }
    return out;
}

NodeDaemons find_daemons(const topo::Node& node, int init_pidfd) {
    return find_in(node, init_pidfd, daemon_candidates(pid_file_names(node)));
}

void stop_daemons(std::vector<NodeDaemons>& nodes, std::chrono::milliseconds grace) noexcept {
    try {
        std::vector<DaemonProcess*> first, last;
        for (auto& n : nodes)
            for (auto& p : n.procs)
                if (p.pidfd) (is_frr_core(p.name) ? last : first).push_back(&p);
        if (first.empty() && last.empty()) return;
        const auto deadline = std::chrono::steady_clock::now() + grace;
        for (auto* p : first) sys::pidfd_signal(p->pidfd.get(), SIGTERM);
        auto left = wait_exit(first, deadline);
        // zebra (and mgmtd) last, so the others can still withdraw their routes through it.
        for (auto* p : last) sys::pidfd_signal(p->pidfd.get(), SIGTERM);
        auto late = wait_exit(last, std::max(deadline, std::chrono::steady_clock::now() + std::chrono::milliseconds(500)));
        left.insert(left.end(), late.begin(), late.end());
        for (auto* p : left) {
            std::fprintf(stderr, "daemons: %s (pid %d) did not stop within %lld ms of SIGTERM; SIGKILL\n", p->name.c_str(),
                         static_cast<int>(p->pid), static_cast<long long>(grace.count()));
            sys::pidfd_signal(p->pidfd.get(), SIGKILL);
        }
        wait_exit(left, std::chrono::steady_clock::now() + std::chrono::seconds(1));
    } catch (...) {
        // the inits' deaths take whatever is left
    }
    for (auto& n : nodes) n.procs.clear();
}

}  // namespace nslab::lab
