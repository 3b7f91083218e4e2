#include "lab/fleet.hpp"

#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include <cerrno>
#include <cstring>

#include "lab/error_report.hpp"
#include "lab/lab.hpp"
#include "lab/paths.hpp"
#include "sys/process.hpp"
#include "util/error.hpp"

extern char** environ;

namespace nslab::lab {

namespace {

std::vector<std::string> environment() {
    std::vector<std::string> env;
    for (char** e = environ; *e; ++e) env.emplace_back(*e);
    return env;
}

const topo::PlacementHost& host_of_node(const topo::Model& full, const std::string& node) {
    auto i = full.index_of(node);
    if (!i) throw Error("no node " + node + " in lab " + full.name);
    return *full.placement->find(full.placement->node_host[*i]);
}

std::vector<std::string> remote(const topo::PlacementHost& h, std::vector<std::string> args) {
    args.insert(args.begin(), h.lab);
    return args;
}

// A `lab` command on machine `h` through the lab's control connection to it (not its master).
exec::SpawnSpec over_ssh(const topo::PlacementHost& h, const std::string& lab, std::vector<std::string> args) {
    exec::SpawnSpec spec;
    spec.argv = ssh_argv(h, control_path(lab, h.name), remote(h, std::move(args)), false);
    spec.env = environment();
    return spec;
}

std::vector<std::string> exec_args(const std::string& lab, const std::string& node, const std::vector<std::string>& argv) {
    std::vector<std::string> args = {"exec", lab, node, "--"};
    args.insert(args.end(), argv.begin(), argv.end());
    return args;
}

bool write_all(int fd, std::string_view s) {
    while (!s.empty()) {
        ssize_t n = ::write(fd, s.data(), s.size());
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        s.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
}

// One line from a blocking fd, a byte at a time: what follows belongs to someone else.
std::optional<std::string> read_line(int fd) {
    std::string line;
    char c;
    for (;;) {
        ssize_t n = ::read(fd, &c, 1);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return std::nullopt;
        if (c == '\n') return line;
        line += c;
    }
}

}  // namespace

std::string shell_quote(const std::string& arg) {
    std::string q = "'";
    for (char c : arg) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return q + "'";
}

std::string control_path(const std::string& lab, const std::string& host) { return lab_dir(lab) + "/ssh-" + host; }

std::vector<std::string> ssh_argv(const topo::PlacementHost& h, const std::string& cp, const std::vector<std::string>& remote_argv,
                                  bool master) {
    // BatchMode: never a password prompt; the server-alive probes end a session whose machine
    // stopped answering, so its part is given up within a bound on both sides.
    std::vector<std::string> a = {"ssh", "-o", "BatchMode=yes", "-o", "ControlPath=" + cp,
                                  "-o", master ? "ControlMaster=yes" : "ControlMaster=no", "-o", "ControlPersist=no",
                                  "-o", "ServerAliveInterval=5", "-o", "ServerAliveCountMax=3"};
    a.insert(a.end(), h.ssh_options.begin(), h.ssh_options.end());
    a.push_back(h.ssh.empty() ? h.address.addr_str() : h.ssh);
    a.push_back("--");
    std::string cmd;
    for (const auto& r : remote_argv) cmd += (cmd.empty() ? "" : " ") + shell_quote(r);
    a.push_back(cmd);
    return a;
}

Fleet::Fleet(const topo::Model& full, std::string text, std::string lab) : full_(full), text_(std::move(text)), lab_(std::move(lab)) {
    for (const auto& h : full_.placement->hosts) {
        Session s;
        s.host = &h;
        sessions_.push_back(std::move(s));
    }
}

Fleet::~Fleet() {
    try {
        stop();
    } catch (...) {
    }
}

void Fleet::spawn(Session& s) {
    sys::Pipe in = sys::make_pipe(), out = sys::make_pipe();
    exec::SpawnSpec spec;
    spec.argv = ssh_argv(*s.host, control_path(lab_, s.host->name),
                         remote(*s.host, {"up", "-", "--partition", s.host->name, "--hold", "--name", lab_}), true);
    spec.env = environment();
    spec.cwd = "/";
    spec.in = in.read.get();
    spec.out = out.write.get();
    spec.err = out.write.get();  // ssh's own complaints ("Connection refused") are the error to show
    s.ssh = exec::spawn(-1, 0, spec, "ssh to " + s.host->name);
    s.in = std::move(in.write);
    s.out = std::move(out.read);
    // The topology, length first: the rest of the session's input is the hold's.
    if (!write_all(s.in.get(), std::to_string(text_.size()) + "\n" + text_)) {
        s.ended = true;
        s.said = "the ssh session ended before it took the topology";
    }
}

bool Fleet::read(Session& s) {
    char chunk[4096];
    ssize_t n = ::read(s.out.get(), chunk, sizeof chunk);
    if (n < 0 && errno == EINTR) return true;
    if (n <= 0) {
        s.ended = true;
        return false;
    }
    s.buf.append(chunk, static_cast<std::size_t>(n));
    std::size_t nl;
    while ((nl = s.buf.find('\n')) != std::string::npos) {
        std::string line = s.buf.substr(0, nl);
        s.buf.erase(0, nl + 1);
        if (line.rfind("ready", 0) == 0) s.ready = true;
        if (!line.empty()) s.said = line;
    }
    return true;
}

void Fleet::start(const std::function<void(const std::string&, std::size_t, std::size_t)>& progress,
                  const std::vector<int>& wake_fds, const std::function<bool()>& interrupted, std::chrono::seconds timeout) {
    for (auto& s : sessions_) spawn(s);
    const auto until = std::chrono::steady_clock::now() + timeout;
    std::size_t ready = 0;
    auto fail = [&](const Session& s, nlohmann::json report) {
        stop();
        report["error"] = "host " + s.host->name + ": " + report.value("error", std::string("failed"));
        if (report.contains("source")) report["source"] = "host " + s.host->name + ": " + report["source"].get<std::string>();
        throw_reported(report);
    };
    while (ready < sessions_.size()) {
        std::vector<pollfd> p;
        for (auto& s : sessions_) p.push_back({s.ended ? -1 : s.out.get(), POLLIN, 0});
        for (int fd : wake_fds) p.push_back({fd, POLLIN, 0});
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - std::chrono::steady_clock::now()).count();
        if (left <= 0) {
            for (auto& s : sessions_)
                if (!s.ready) fail(s, {{"ok", false}, {"kind", "error"}, {"error", "its part was not up after " + std::to_string(timeout.count()) + " s"}});
        }
        if (::poll(p.data(), p.size(), static_cast<int>(left)) < 0 && errno != EINTR) throw SystemError("poll", errno);
        for (std::size_t k = sessions_.size(); k < p.size(); ++k)
            if (p[k].revents && interrupted()) {
                stop();
                throw Error("lab " + lab_ + ": interrupted while its machines were starting their parts");
            }
        for (std::size_t k = 0; k < sessions_.size(); ++k) {
            Session& s = sessions_[k];
            if (s.ended || !p[k].revents) continue;
            const bool was_ready = s.ready;
            const bool open = read(s);
            if (s.said.rfind("failed ", 0) == 0) {
                auto j = nlohmann::json::parse(s.said.substr(7), nullptr, false);
                if (j.is_object()) fail(s, j);
            }
            if (!was_ready && s.ready) progress("hosts", ++ready, sessions_.size());
            if (!open && !s.ready)
                fail(s, {{"ok", false}, {"kind", "error"},
                         {"error", "its part did not come up: " + (s.said.empty() ? std::string("the ssh session ended") : s.said)}});
        }
    }
}

std::vector<int> Fleet::watch_fds() const {
    std::vector<int> fds;
    for (const auto& s : sessions_) fds.push_back(s.ended ? -1 : s.out.get());
    return fds;
}

std::optional<std::string> Fleet::check(int fd) {
    for (auto& s : sessions_)
        if (!s.ended && s.out.get() == fd && !read(s)) return s.host->name;
    return std::nullopt;
}

void Fleet::heartbeat() {
    for (auto& s : sessions_)
        if (s.in) write_all(s.in.get(), ".\n");
}

void Fleet::stop() {
    for (auto& s : sessions_) {
        if (!s.in) continue;
        write_all(s.in.get(), "down\n");
        s.in.reset();  // and the end of its input, which a part takes the same way
    }
    // Each part goes down on its machine before its session ends; give them that long.
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    for (auto& s : sessions_) {
        if (!s.ssh.pid) continue;
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - std::chrono::steady_clock::now()).count();
        if (!sys::pidfd_wait_exit(s.ssh.pidfd.get(), static_cast<int>(std::max<long long>(left, 100)))) {
            sys::pidfd_signal(s.ssh.pidfd.get(), SIGTERM);  // ours, by pidfd
            if (!sys::pidfd_wait_exit(s.ssh.pidfd.get(), 2000)) sys::pidfd_signal(s.ssh.pidfd.get(), SIGKILL);
        }
        exec::wait(s.ssh);
        s.ssh.pid = 0;
        s.ended = true;
        s.out.reset();
    }
}

exec::RunResult fleet_run(const topo::Model& full, const std::string& lab, const std::string& node,
                          const std::vector<std::string>& argv, const exec::RunOptions& opts) {
    const auto& h = host_of_node(full, node);
    exec::SpawnSpec spec = over_ssh(h, lab, exec_args(lab, node, argv));
    exec::RunOptions o = opts;
    o.cwd.clear();  // the caller's directory means nothing on the other machine
    return exec::run(-1, 0, spec, o, "host " + h.name);
}

int fleet_exec(const topo::Model& full, const std::string& lab, const std::string& node, const std::vector<std::string>& argv, bool tty) {
    const auto& h = host_of_node(full, node);
    exec::SpawnSpec spec = over_ssh(h, lab, exec_args(lab, node, argv));
    spec.argv.insert(spec.argv.begin() + 1, tty ? "-t" : "-T");
    spec.new_session = false;  // a Ctrl-C reaches ssh, which passes it on
    exec::Child c = exec::spawn(-1, 0, spec, "host " + h.name);
    return exec::wait(c);
}

std::vector<std::pair<std::string, std::string>> fleet_status(const topo::Model& full, const std::string& lab) {
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto& h : full.placement->hosts) {
        exec::SpawnSpec spec = over_ssh(h, lab, {"status", lab, "--json"});
        exec::RunOptions o;
        o.timeout = std::chrono::seconds(30);
        auto r = exec::run(-1, 0, spec, o, "host " + h.name);
        if (r.exit_code == 0) out.emplace_back(h.name, r.out);
        else out.emplace_back(h.name, nlohmann::json{{"error", r.err.empty() ? r.out : r.err}}.dump());
    }
    return out;
}

int hold_partition(const std::string& partition, const std::string& name, int in, int out) {
    auto say = [&](const std::string& line) { write_all(out, line + "\n"); };
    std::string text;
    auto header = read_line(in);
    try {
        if (!header) throw Error("--hold: no topology on standard input");
        const std::size_t size = std::stoull(*header);
        text.resize(size);
        std::size_t got = 0;
        while (got < size) {
            ssize_t n = ::read(in, text.data() + got, size - got);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) throw Error("--hold: the topology on standard input ended early");
            got += static_cast<std::size_t>(n);
        }
    } catch (const std::invalid_argument&) {
        say("failed " + error_report(Error("--hold: standard input does not start with the topology's length")).dump());
        return 2;
    } catch (const std::exception& e) {
        say("failed " + error_report(e).dump());
        return 2;
    }
    UpOptions o;
    o.name = name;
    o.partition = partition;
    o.ephemeral = true;  // the part dies with this process, whatever ends it
    o.source = "partition " + partition;
    std::optional<Lab> lab;
    try {
        lab.emplace(Lab::up(text, o));
    } catch (const std::exception& e) {
        say("failed " + error_report(e).dump());
        return 1;
    }
    say("ready " + nlohmann::json{{"nodes", lab->model().nodes.size()}, {"links", lab->model().links.size()}}.dump());
    sys::Fd keeper = sys::open_verified(lab->state().keeper);
    std::string buf;
    auto last = std::chrono::steady_clock::now();
    int code = 0;
    for (;;) {
        pollfd p[2] = {{in, POLLIN, 0}, {keeper.get(), POLLIN, 0}};
        int rc = ::poll(p, keeper ? 2 : 1, 1000);
        if (rc < 0 && errno != EINTR) break;
        if (keeper && (p[1].revents & POLLIN)) {
            say("gone: the keeper of lab " + name + " on this machine ended");
            code = 1;
            break;
        }
        if (p[0].revents) {
            char chunk[256];
            ssize_t n = ::read(in, chunk, sizeof chunk);
            if (n <= 0) break;  // the starter let go
            buf.append(chunk, static_cast<std::size_t>(n));
            last = std::chrono::steady_clock::now();
            if (buf.find("down") != std::string::npos) break;
            buf.clear();
        }
        if (std::chrono::steady_clock::now() - last > Fleet::kHoldBound) {
            say("gone: no word from the starter for " + std::to_string(Fleet::kHoldBound.count()) + " s");
            code = 1;
            break;
        }
    }
    try {
        lab->down();
    } catch (const std::exception& e) {
        say("down failed: " + std::string(e.what()));
        return 1;
    }
    say("down");
    return code;
}

}  // namespace nslab::lab
