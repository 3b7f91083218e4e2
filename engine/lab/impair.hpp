// Link impairments (TOPOLOGY.md `netem`): applied at `lab up` and changed at run time on both
// ends of a link. The kernel's sch_netem is used where it exists; where it does not (probed
// once per process), links with a `netem` key are wired through the userspace forwarder
// (forwarder.hpp), and a rate alone may still use the kernel's tbf at run time.
#pragma once

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include "impair/forwarder.hpp"
#include "lab/impair_state.hpp"
#include "lab/lab.hpp"
#include "netlink/netlink.hpp"
#include "plan/plan.hpp"
#include "sys/fd.hpp"
#include "topology/model.hpp"

namespace nslab::lab {

// Whether this kernel has sch_netem: tries to add it as the root qdisc of `ifindex` on `sock`
// and removes it again. The first answer is kept for the life of the process.
bool netem_available(nl::Socket& sock, int ifindex);

// The keeper's part of a plan's impairments: the forwarder's namespace, made before the links
// (whose far ends go there) and handed to the forwarder once the plan's phases are sent.
class LabImpairments {
public:
    LabImpairments(std::string lab, const plan::Plan& plan);
    LabImpairments(const LabImpairments&) = delete;
    LabImpairments& operator=(const LabImpairments&) = delete;

    // The forwarder's namespace, while the lab is wired (-1 when no link goes through it).
    int netns() const { return hidden_.get(); }
    // Starts the forwarder on the links that go through it; records impair.json.
    void start();

private:
    std::string lab_;
    Impairments plan_;
    sys::Fd hidden_;      // the impairment namespace, until the forwarder holds it
    impair::Forwarder forwarder_;
};

// One end of a link to impair through the kernel: a socket in its node and its ifindex.
struct ImpairedEnd {
    nl::Socket* sock = nullptr;
    int ifindex = 0;
    std::string where;  // "node r1: eth1", for errors
};
// Puts `netem` on the link named `link` by the path its record `li` allows (the forwarder, or
// the kernel on `ends`) and updates `li`. set_impairment() and live changes in the keeper.
void change_impairment(const std::string& lab, const std::string& link, LinkImpairment& li, const std::vector<ImpairedEnd>& ends,
                       const topo::Netem& netem);

// Replaces the impairment of the link `endpoint` belongs to, on both ends (an empty Netem
// removes it). Works from any process.
void set_impairment(const Lab& lab, const std::string& endpoint, const topo::Netem& netem);
// What is in force on that link, and by which path.
LinkImpairment impairment(const Lab& lab, const std::string& endpoint);
// The same for every link, in the order of Model::links (path "none" where nothing is recorded).
std::vector<LinkImpairment> impairments(const Lab& lab);

}  // namespace nslab::lab
