// The floor: what the kernel alone charges for what a lab needs, measured with raw syscalls
// (bench/raw.hpp), no nslab code on the path. FloorLab builds a generated topology the way a
// minimal engine would (a process per node, veths created in place with chosen ifindexes, one
// batch per node), so its time is what `lab up` of the same shape is compared with.
#include <benchmark/benchmark.h>
#include <sched.h>
#include <unistd.h>

#include <arpa/inet.h>

#include <cstring>

#include "floor.hpp"
#include "raw.hpp"
#include "topology/generate.hpp"
#include "topology/model.hpp"

namespace bench {

namespace {

constexpr unsigned long kNodeFlags = CLONE_NEWNET | CLONE_NEWUTS | CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWIPC;

std::uint32_t v4(const nslab::net::Prefix& p) {
    std::uint32_t a;
    std::memcpy(&a, p.bytes.data(), 4);
    return ntohl(a);
}

}  // namespace

Timings floor_lab(const nslab::topo::Model& m) {
    using nslab::topo::NodeKind;
    Timings t;
    const std::size_t n = m.nodes.size();
    const double t0 = now_s();
    std::vector<Proc> procs;
    procs.reserve(n);
    for (std::size_t i = 0; i < n; ++i) procs.push_back(clone_node(kNodeFlags));   // clone all,
    for (auto& p : procs) await_ready(p);                                           // then collect
    t.spawn = now_s() - t0;
    std::vector<int> ns(n), sock(n);
    for (std::size_t i = 0; i < n; ++i) {
        ns[i] = netns_of(procs[i].pid);
        sock[i] = nl_socket_in(ns[i]);
    }
    // ifindexes are chosen, not learnt: lo = 1, a switch's bridge = 2, then interfaces in order.
    auto index = [&](std::size_t node, const std::string& ifname) {
        const auto& nd = m.nodes[node];
        int base = nd.kind == NodeKind::Switch ? 3 : 2;
        for (std::size_t k = 0; k < nd.interfaces.size(); ++k)
            if (nd.interfaces[k].name == ifname) return base + static_cast<int>(k);
        return 0;
    };
    std::vector<Batch> create(n), config(n);
    for (std::size_t i = 0; i < n; ++i) {
        config[i].link_up(1);
        if (m.nodes[i].kind == NodeKind::Switch) create[i].bridge(m.nodes[i].name, 2);
    }
    for (const auto& l : m.links) {
        auto sw = [&](int e) { return m.nodes[l.ends[e].node].kind == NodeKind::Switch; };
        int main = !sw(0) && sw(1) ? 1 : 0;
        const auto& me = l.ends[main];
        const auto& pe = l.ends[1 - main];
        int pi = index(pe.node, pe.iface);
        create[me.node].veth(me.iface, index(me.node, me.iface), pe.iface, pi, ns[pe.node], sw(main) ? 2 : 0);
        config[pe.node].link_up(pi, sw(1 - main) ? 2 : 0);   // the peer comes up in its own netns
    }
    for (std::size_t i = 0; i < n; ++i) {
        const auto& nd = m.nodes[i];
        for (const auto& itf : nd.interfaces)
            for (const auto& a : itf.addrs) config[i].addr4(index(i, itf.name), v4(a), a.len);
        for (const auto& r : nd.routes) config[i].route4(v4(r.to), r.to.len, v4(*r.via));
    }
    const double t1 = now_s();
    for (std::size_t i = 0; i < n; ++i)
        if (create[i].size()) create[i].run(sock[i]);
    t.links = now_s() - t1;
    const double t2 = now_s();
    for (std::size_t i = 0; i < n; ++i) config[i].run(sock[i]);
    t.config = now_s() - t2;
    t.up = now_s() - t0;
    static KernelWatch watch;
    for (std::size_t i = 0; i < n; ++i) {
        watch.watch(ns[i]);
        ::close(sock[i]);
        ::close(ns[i]);
    }
    const double t3 = now_s();
    kill_all(procs);
    t.down = now_s() - t3;
    t.kernel = watch.wait();
    if (t.kernel >= 0) t.kernel += t.down;
    return t;
}

void report(benchmark::State& st, const Timings& t, std::size_t nodes) {
    st.SetIterationTime(t.up);
    st.counters["up_ms"] = t.up * 1e3;
    st.counters["per_node_us"] = t.up * 1e6 / nodes;
    st.counters["spawn_ms"] = t.spawn * 1e3;
    st.counters["links_ms"] = t.links * 1e3;
    st.counters["config_ms"] = t.config * 1e3;
    st.counters["down_ms"] = t.down * 1e3;
    st.counters["kernel_done_ms"] = t.kernel * 1e3;
    st.counters["nodes"] = nodes;
}

namespace {

// ---- single operations -----------------------------------------------------------------

void BM_NetnsHeldByFd(benchmark::State& st) {
    std::vector<int> fds;
    for (auto _ : st) fds.push_back(new_netns());
    for (int fd : fds) ::close(fd);   // after the timed loop
}
BENCHMARK(BM_NetnsHeldByFd)->Iterations(200)->Unit(benchmark::kMicrosecond);

void BM_CloneNodeUntilRunning(benchmark::State& st) {
    std::vector<Proc> procs;
    for (auto _ : st) {
        procs.push_back(clone_node(kNodeFlags));
        await_ready(procs.back());
    }
    kill_all(procs);
}
BENCHMARK(BM_CloneNodeUntilRunning)->Iterations(200)->Unit(benchmark::kMicrosecond);

// veths between two fresh namespaces, created in the first with the peer placed in the second;
// range(0) per request batch (1 = one request and its ack at a time).
void BM_VethInPlace(benchmark::State& st) {
    const int batch = static_cast<int>(st.range(0));
    int a = new_netns(), b = new_netns(), sa = nl_socket_in(a);
    int made = 0;
    for (auto _ : st) {
        Batch bt;
        for (int k = 0; k < batch; ++k, ++made)
            bt.veth("a" + std::to_string(made), 0, "b" + std::to_string(made), 0, b);
        bt.run(sa);
    }
    st.SetItemsProcessed(made);
    static KernelWatch watch;   // let the kernel finish before the next benchmark starts
    watch.watch(a);
    watch.watch(b);
    ::close(sa);
    ::close(a);
    ::close(b);
    watch.wait();
}
BENCHMARK(BM_VethInPlace)->Arg(1)->Iterations(300)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_VethInPlace)->Arg(100)->Iterations(5)->Unit(benchmark::kMicrosecond);

// One node's configuration in one batch (lo up, an address, a route), socket opened in the node
// included: what each node costs once its links exist.
void BM_ConfigBatch(benchmark::State& st) {
    std::vector<int> nss;
    std::uint32_t i = 0;
    for (auto _ : st) {
        st.PauseTiming();
        nss.push_back(new_netns());
        st.ResumeTiming();
        int s = nl_socket_in(nss.back());
        Batch b;
        b.link_up(1);
        b.addr4(1, 0x0A000001 + (i++ << 8), 24);
        b.route4(0x0B000000, 8, 0x0A000002 + ((i - 1) << 8));
        b.run(s);
        ::close(s);
    }
    for (int fd : nss) ::close(fd);
}
BENCHMARK(BM_ConfigBatch)->Iterations(200)->Unit(benchmark::kMicrosecond);

// ---- whole labs ------------------------------------------------------------------------------

void BM_FloorLab(benchmark::State& st, const std::string& shape) {
    const int n = static_cast<int>(st.range(0));
    auto m = nslab::topo::parse(nslab::topo::generate(shape, n, {}));
    for (auto _ : st) {
        try {
            report(st, floor_lab(m), m.nodes.size());
        } catch (const std::exception& e) {
            st.SkipWithError(e.what());
            break;
        }
    }
}

}  // namespace

void register_floor(bool big) {
    for (const char* shape : {"single", "linear", "line"}) {
        auto* b = benchmark::RegisterBenchmark((std::string("FloorLab/") + shape).c_str(), BM_FloorLab, shape);
        b->UseManualTime()->Unit(benchmark::kMillisecond)->Iterations(1)->Repetitions(3);
        b->Arg(10)->Arg(100);
        if (big) b->Arg(1000);
    }
}

}  // namespace bench
