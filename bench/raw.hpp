// The floor's toolkit: raw rtnetlink (libmnl), namespaces and node processes with nothing of
// nslab's engine in between, so bench/floor.cpp measures what the kernel alone costs.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

namespace bench {

// A batch of rtnetlink requests built into one buffer, sent with one sendmsg, every ack read.
class Batch {
public:
    void veth(const std::string& name, int index, const std::string& peer, int peer_index, int peer_nsfd,
              int master = 0);
    void bridge(const std::string& name, int index);
    void link_up(int index, int master = 0);
    void addr4(int index, std::uint32_t addr, int len);
    void route4(std::uint32_t dst, int len, std::uint32_t gw);
    std::size_t size() const { return count_; }
    // Throws std::runtime_error naming the first request the kernel refused.
    void run(int fd);

private:
    void* put(int type, int flags, std::size_t hdr);
    std::vector<char> buf_;
    std::size_t count_ = 0;
};

int nl_socket();                     // NETLINK_ROUTE in the current network namespace
int nl_socket_in(int nsfd);          // ... in nsfd's (setns there and back)
int new_netns();                     // a fresh network namespace, held by the returned fd

// A process in new net+uts+mnt+pid+ipc namespaces that signals it runs, then waits to be killed.
struct Proc {
    pid_t pid = -1;
    int pidfd = -1;
    int ready = -1;                  // read end: one byte when the child runs
};
Proc clone_node(unsigned long flags);
void await_ready(Proc& p);
int netns_of(pid_t pid);             // open /proc/<pid>/ns/net
void kill_all(std::vector<Proc>& procs);   // SIGKILL through pidfds, then reap

// "Kernel finished" for a set of namespaces: each one dismantled (its RTM_DELNSID arrived in a
// private probe namespace that gave it an id: the kernel's cleanup_net sends it), then the
// kernel quiet again: a new namespace and a request needing the rtnl lock each answered fast,
// three times in a row. Includes the probes' own ~0.5 ms; other people's namespaces coming and
// going on the machine only count while they keep the kernel busy.
class KernelWatch {
public:
    KernelWatch();
    void watch(int nsfd);            // before teardown; the fd may be closed afterwards
    // Seconds until every watched namespace is gone and rtnl answers; -1 after timeout_s.
    double wait(double timeout_s = 60);

private:
    void drain(bool block);
    int req_ = -1, events_ = -1;
    int pending_ = 0;
};

double now_s();                      // CLOCK_MONOTONIC seconds
std::string machine();               // "nproc 2, kernel 6.18.x, <date>"

}  // namespace bench
