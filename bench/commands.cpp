// The cost of one command in a node (Node.run / `lab exec`) next to its floor: the same
// command started on the host with posix_spawn and reaped.
#include <benchmark/benchmark.h>
#include <spawn.h>
#include <sys/wait.h>

#include "commands.hpp"
#include "lab/lab.hpp"

extern char** environ;

namespace bench {

namespace {

void BM_HostSpawnTrue(benchmark::State& st) {
    char* argv[] = {const_cast<char*>("/bin/true"), nullptr};
    for (auto _ : st) {
        pid_t pid;
        if (::posix_spawn(&pid, argv[0], nullptr, nullptr, argv, environ) != 0) {
            st.SkipWithError("posix_spawn /bin/true");
            break;
        }
        int status;
        ::waitpid(pid, &status, 0);
    }
}

// Lab::run: pipes for stdout/stderr, the node's namespaces and cgroups, a new session, and the
// exit code and output collected, as Node.run and `lab exec` use it.
void BM_NodeRunTrue(benchmark::State& st) {
    try {
        nslab::lab::Lab l = nslab::lab::Lab::up(R"({"name": "bench-run", "nodes": {"a": {}}})", {});
        for (auto _ : st) {
            auto r = l.run("a", {"true"}, {});
            if (r.exit_code != 0) {
                st.SkipWithError("true failed in the node");
                break;
            }
        }
        l.down();
    } catch (const std::exception& e) {
        st.SkipWithError(e.what());
    }
}

}  // namespace

void register_commands() {
    benchmark::RegisterBenchmark("HostSpawnTrue", BM_HostSpawnTrue)->Iterations(500)->Unit(benchmark::kMicrosecond);
    benchmark::RegisterBenchmark("NodeRunTrue", BM_NodeRunTrue)->Iterations(500)->Unit(benchmark::kMicrosecond);
}

}  // namespace bench
