// nslab's own steps, each next to the floor it should approach: parse+validate, node inits,
// and whole labs through the public API (Lab::up / down), with the keeper's stage times taken
// from its progress reports and teardown both as "down returned" and "kernel finished".
#include <benchmark/benchmark.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/kcmp.h>

#include <fstream>
#include <map>

#include "floor.hpp"
#include "lab/lab.hpp"
#include "node/init.hpp"
#include "raw.hpp"
#include "sys/process.hpp"
#include "topology/generate.hpp"

namespace bench {

namespace {

// Proportional set size in KiB (/proc/<pid>/smaps_rollup): shared pages split among their
// users, so summing it over 1000 forked inits counts the keeper's image once, not 1000 times.
double pss_kib(pid_t pid) {
    std::ifstream f("/proc/" + std::to_string(pid) + "/smaps_rollup");
    std::string key;
    double kib = 0;
    while (f >> key) {
        if (key == "Pss:") {
            f >> kib;
            return kib;
        }
        f.ignore(1 << 12, '\n');
    }
    return 0;
}

void BM_Generate(benchmark::State& st, const std::string& shape) {
    for (auto _ : st) benchmark::DoNotOptimize(nslab::topo::generate(shape, static_cast<int>(st.range(0)), {}));
}

// parse() is parse + defaults + validate + auto-addressing: everything before the keeper.
void BM_ParseValidate(benchmark::State& st, const std::string& shape) {
    const std::string text = nslab::topo::generate(shape, static_cast<int>(st.range(0)), {});
    for (auto _ : st) benchmark::DoNotOptimize(nslab::topo::parse(text));
    st.counters["per_node_us"] = benchmark::Counter(static_cast<double>(st.range(0)) * st.iterations(),
                                                    benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

// The engine's node init (engine/node/init.cpp: mounts, hostname, sysctls) for N nodes, cloned
// all first and collected after, as the keeper does. Compare with BM_CloneNodeUntilRunning.
void BM_SpawnInits(benchmark::State& st) {
    const int n = static_cast<int>(st.range(0));
    nslab::topo::Model m = nslab::topo::parse(nslab::topo::generate("single", n, {}));
    nslab::sys::Fd self = nslab::sys::pidfd_open(::getpid());
    for (auto _ : st) {
        std::vector<nslab::node::InitProcess> inits;
        nslab::node::InitReports reports;
        const auto fresh = nslab::node::fresh_netns_values(nslab::node::baseline_keys());
        for (const auto& nd : m.nodes)
            inits.push_back(nslab::node::start_init(nd, nslab::node::start_sysctls(nd, &fresh), self.get(), reports,
                                                    static_cast<std::uint32_t>(inits.size()), false));
        reports.await_all(inits);
        st.PauseTiming();
        for (auto& p : inits) nslab::sys::pidfd_signal(p.pidfd.get(), SIGKILL);
        for (auto& p : inits) ::waitpid(p.pid, nullptr, 0);
        st.ResumeTiming();
    }
    st.counters["per_node_us"] = benchmark::Counter(static_cast<double>(m.nodes.size()) * st.iterations(),
                                                    benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

// A whole lab through the API, as `lab up --gen` builds it (keeper included, CLI start-up not).
void BM_NslabLab(benchmark::State& st, const std::string& shape) {
    const int n = static_cast<int>(st.range(0));
    nslab::topo::GenOptions o;
    o.name = "bench-" + shape;
    const std::string text = nslab::topo::generate(shape, n, o);
    for (auto _ : st) try {
        Timings t;
        std::map<std::string, double> stage_end;
        nslab::lab::UpOptions uo;
        uo.progress = [&](const std::string& stage, std::size_t done, std::size_t total) {
            if (done == total) stage_end[stage] = now_s();
        };
        const double t0 = now_s();
        nslab::lab::Lab l = nslab::lab::Lab::up(text, uo);
        t.up = now_s() - t0;
        if (stage_end.count("nodes")) t.spawn = stage_end["nodes"] - t0;
        if (stage_end.count("links")) t.links = stage_end["links"] - stage_end["nodes"];
        if (stage_end.count("config")) t.config = stage_end["config"] - stage_end["links"];
        const std::size_t nodes = l.model().nodes.size();
        // Idle memory: every init's PSS plus the keeper's (the lab's user-space state).
        // A light init shares the keeper's address space (CLONE_VM): its PSS is the keeper's
        // again, so count each address space once.
        const pid_t keeper = l.state().keeper.pid;
        double pss = pss_kib(keeper);
        for (const auto& nd : l.state().nodes)
            if (::syscall(SYS_kcmp, keeper, nd.init.pid, KCMP_VM, 0, 0) != 0) pss += pss_kib(nd.init.pid);
        st.counters["pss_per_node_kib"] = pss / nodes;
        static KernelWatch watch;
        for (const auto& nd : l.model().nodes) {   // through the lab's pins (/run/netns)
            int fd = ::open(("/run/netns/" + l.name() + "." + nd.name).c_str(), O_RDONLY | O_CLOEXEC);
            if (fd < 0) continue;
            watch.watch(fd);
            ::close(fd);
        }
        const double t1 = now_s();
        l.down();
        t.down = now_s() - t1;
        t.kernel = watch.wait();
        if (t.kernel >= 0) t.kernel += t.down;
        report(st, t, nodes);
    } catch (const std::exception& e) {
        st.SkipWithError(e.what());
        break;
    }
}

}  // namespace

void register_engine(bool big, bool huge) {
    for (const char* shape : {"single", "linear", "line"}) {
        std::string s = shape;
        benchmark::RegisterBenchmark(("Generate/" + s).c_str(), BM_Generate, s)->Arg(1000)->Unit(benchmark::kMillisecond);
        benchmark::RegisterBenchmark(("ParseValidate/" + s).c_str(), BM_ParseValidate, s)
            ->Arg(10)->Arg(100)->Arg(1000)->Unit(benchmark::kMillisecond);
    }
    auto* sp = benchmark::RegisterBenchmark("SpawnInits", BM_SpawnInits);
    sp->Arg(100)->Iterations(5)->Unit(benchmark::kMillisecond);
    if (big) sp->Arg(1000);
    for (const char* shape : {"single", "linear", "line"}) {
        auto* b = benchmark::RegisterBenchmark((std::string("NslabLab/") + shape).c_str(), BM_NslabLab, std::string(shape));
        b->UseManualTime()->Unit(benchmark::kMillisecond)->Iterations(1)->Repetitions(3);
        b->Arg(10)->Arg(100);
        if (big) b->Arg(1000);
        // The routed line keeps one node's cost apart from a switch's: flat from 1000 up?
        if (huge && std::string(shape) == "line") b->Arg(3000)->Arg(10000);
    }
}

}  // namespace bench
