// `nslab_bench [--big] [--huge] [google-benchmark flags]`: the floor (floor.cpp) and nslab
// (engine.cpp) in one run, and a command's cost in a node against the host's (commands.cpp).
// Labs of 10 and 100 nodes by default (about a minute); --big adds 1000 (linear 1000 keeps
// the kernel busy a few seconds tearing down its bridges); --huge adds the routed line at 3000
// and 10,000 nodes (several minutes), for the time per node from 1000 to 10,000. Needs root.
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <cstring>
#include <iostream>

#include "commands.hpp"
#include "floor.hpp"
#include "raw.hpp"
#include "sys/process.hpp"

int main(int argc, char** argv) {
    bool big = false, huge = false;
    int out = 1;
    for (int i = 1; i < argc; ++i) {
        if (std::strcmp(argv[i], "--big") == 0) big = true;
        else if (std::strcmp(argv[i], "--huge") == 0) huge = big = true;
        else argv[out++] = argv[i];
    }
    argc = out;
    if (::geteuid() != 0) {
        std::cerr << "nslab_bench: needs root (it creates namespaces)\n";
        return 1;
    }
    nslab::sys::raise_fd_limit(huge ? 40000 : 0);   // a 1000-node floor lab holds ~3000 fds
    benchmark::AddCustomContext("machine", bench::machine());
    bench::register_floor(big);
    bench::register_engine(big, huge);
    bench::register_commands();
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 2;
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
}
