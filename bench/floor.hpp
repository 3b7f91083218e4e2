// Shared by floor.cpp and engine.cpp: a lab's phases in seconds, and how they are reported.
#pragma once

#include <benchmark/benchmark.h>

#include "topology/model.hpp"

namespace bench {

struct Timings {
    double up = 0, spawn = 0, links = 0, config = 0;  // build
    double down = 0;     // until the teardown call returned
    double kernel = -1;  // until the kernel finished too (rtnl free, namespaces gone); -1 unknown
};

// The minimal engine: builds `m` with raw syscalls and takes it down.
Timings floor_lab(const nslab::topo::Model& m);
// Counters per lab: up/down/kernel-finished ms and per-node µs; manual time = up.
void report(benchmark::State& st, const Timings& t, std::size_t nodes);

void register_floor(bool big);
void register_engine(bool big, bool huge = false);

}  // namespace bench
