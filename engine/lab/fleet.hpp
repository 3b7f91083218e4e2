// A lab over several machines, seen from the machine that started it: one ssh session per
// machine runs that machine's part (`lab up - --partition H --hold`) and holds it; the part
// goes when its session does. The starter's keeper holds the sessions (lab/keeper.cpp).
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "exec/run.hpp"
#include "exec/spawn.hpp"
#include "sys/fd.hpp"
#include "topology/model.hpp"

namespace nslab::lab {

// The ssh command that runs `remote` (a `lab` command line, quoted for the remote shell) on
// machine `h`, through the lab's control connection to it when that exists.
std::vector<std::string> ssh_argv(const topo::PlacementHost& h, const std::string& control_path,
                                  const std::vector<std::string>& remote, bool master);
// The control connection's socket for machine `host` of lab `lab`.
std::string control_path(const std::string& lab, const std::string& host);
// `arg` quoted for a POSIX shell ('it'\''s').
std::string shell_quote(const std::string& arg);

class Fleet {
public:
    Fleet(const topo::Model& full, std::string text, std::string lab);
    Fleet(const Fleet&) = delete;
    Fleet& operator=(const Fleet&) = delete;
    ~Fleet();  // stops every part still running

    // Starts every machine's part at once and returns when all are up. progress("hosts", up,
    // total). On a failure anywhere every part is stopped, and the error names the machine.
    // When one of `wake_fds` is readable, `interrupted()` says whether to give up (a signal
    // that asks to stop, the owner gone).
    void start(const std::function<void(const std::string&, std::size_t, std::size_t)>& progress,
               const std::vector<int>& wake_fds, const std::function<bool()>& interrupted, std::chrono::seconds timeout);
    // Readable when a part's session says something or ends.
    std::vector<int> watch_fds() const;
    // After poll: the machine whose part ended, if one did.
    std::optional<std::string> check(int fd);
    // Tells every part it is still held (each gives up after kHoldBound without a word).
    void heartbeat();
    // Stops every part: "down" to each, then waits for each session to end (bounded), and ends
    // any that would not.
    void stop();

    static constexpr std::chrono::seconds kHeartbeat{2};
    static constexpr std::chrono::seconds kHoldBound{15};

private:
    struct Session {
        const topo::PlacementHost* host = nullptr;
        exec::Child ssh;
        sys::Fd in, out;
        std::string buf;        // stdout not yet split into lines
        std::string said;       // its last line
        bool ready = false, ended = false;
    };
    void spawn(Session& s);
    // Reads what the session said; false at its end.
    bool read(Session& s);

    const topo::Model& full_;
    std::string text_, lab_;
    std::vector<Session> sessions_;
};

// A command on node `node` of a lab over several machines, run through ssh on its machine.
exec::RunResult fleet_run(const topo::Model& full, const std::string& lab, const std::string& node,
                          const std::vector<std::string>& argv, const exec::RunOptions& opts);
// The same with stdio passed through (a terminal too); its exit code.
int fleet_exec(const topo::Model& full, const std::string& lab, const std::string& node,
               const std::vector<std::string>& argv, bool tty);
// `lab status LAB --json` of each machine's part, by machine; a part that cannot be asked
// gets {"error": ...}.
std::vector<std::pair<std::string, std::string>> fleet_status(const topo::Model& full, const std::string& lab);

// The machine side: reads the topology sent by Fleet on `in`, brings this machine's part up
// tied to this process, says "ready" on `out`, and holds it until "down", the end of `in`, no
// heartbeat for Fleet::kHoldBound, or the part's keeper ending. Its exit code.
int hold_partition(const std::string& partition, const std::string& name, int in, int out);

}  // namespace nslab::lab
