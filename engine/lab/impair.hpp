// Link impairments (TOPOLOGY.md `netem`): applied at `lab up` and changed at run time on both
// ends of a link. The kernel's sch_netem is used where it exists; where it does not (probed
// once per process), links with a `netem` key are wired through the userspace forwarder
// (forwarder.hpp), and a rate alone may still use the kernel's tbf at run time.
#pragma once

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include "lab/forwarder.hpp"
#include "lab/impair_state.hpp"
#include "lab/lab.hpp"
#include "netlink/netlink.hpp"
#include "sys/fd.hpp"
#include "topology/model.hpp"

namespace nslab::lab {

// Whether this kernel has sch_netem: tries to add it as the root qdisc of `ifindex` on `sock`
// and removes it again. The first answer is kept for the life of the process.
bool netem_available(nl::Socket& sock, int ifindex);

// The keeper's part, in build order: constructed once the node sockets are open, asked by
// create_links for the links to wire through the hidden namespace, applied after configure.
class LabImpairments {
public:
    LabImpairments(const topo::Model& m, std::string lab, std::vector<nl::Socket>& socks);
    LabImpairments(const LabImpairments&) = delete;
    LabImpairments& operator=(const LabImpairments&) = delete;

    bool forwarded(std::size_t link) const;
    // The two create requests that replace link `link`'s veth pair: end 0's node <-> a and
    // b <-> end 1's node, each with the index of the node whose socket must send it.
    std::vector<std::pair<std::size_t, nl::Message>> forwarded_veths(std::size_t link, const std::vector<int>& bridge_index) const;
    // netem on both ends of kernel-path links; the forwarder for the others; impair.json.
    void apply();

private:
    const topo::Model& m_;
    std::string lab_;
    std::vector<nl::Socket>& socks_;
    Impairments plan_;
    sys::Fd hidden_;      // the impairment namespace, until the forwarder holds it
    Forwarder forwarder_;
};

// Replaces the impairment of the link `endpoint` belongs to, on both ends (an empty Netem
// removes it). Works from any process.
void set_impairment(const Lab& lab, const std::string& endpoint, const topo::Netem& netem);
// What is in force on that link, and by which path.
LinkImpairment impairment(const Lab& lab, const std::string& endpoint);

}  // namespace nslab::lab
