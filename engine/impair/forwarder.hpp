// The userspace impairment path, for kernels without sch_netem. An impaired link A:ethX <->
// B:ethY is wired as two veth pairs, A:ethX <-> a and b <-> B:ethY, whose inner ends a and b live
// in a hidden per-lab network namespace that holds nothing else. The forwarder, a child of the
// keeper inside that namespace, moves frames between a and b over AF_PACKET sockets and applies
// each direction's impairment (impair_queue.hpp) on the way. The nodes see the same names,
// addresses and MACs as without impairment.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <string>
#include <vector>

#include "sys/fd.hpp"
#include "topology/model.hpp"

namespace nslab::impair {

struct ForwardedLink {
    std::size_t link = 0;        // index in Model::links
    std::string inner[2];        // names of a and b in the hidden namespace
    topo::Netem netem;           // both directions (TOPOLOGY.md: each end's egress)
};

// The forwarder process, owned by the keeper: killed and reaped when this goes out of scope.
class Forwarder {
public:
    Forwarder() = default;
    Forwarder(Forwarder&&) noexcept = default;
    Forwarder& operator=(Forwarder&&) noexcept;
    ~Forwarder();

    // Forks the forwarder (the caller must be single-threaded: the keeper is). It enters
    // `hidden_netns`, closes every inherited descriptor, dies with its parent (PDEATHSIG), and
    // listens for changes on the unix socket `control_path`. Returns once it is forwarding.
    static Forwarder start(int hidden_netns, std::vector<ForwardedLink> links, const std::string& control_path);
    void stop() noexcept;
    pid_t pid() const { return pid_; }

private:
    pid_t pid_ = 0;
    sys::Fd pidfd_;
};

// Changes one link's impairment in a running forwarder, from any process (SystemError when it
// does not answer, nslab::Error when it refuses).
void tell_forwarder(const std::string& control_path, std::size_t link, const topo::Netem& netem);

}  // namespace nslab::impair
