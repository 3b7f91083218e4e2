// What reconciling a running lab to another version of its topology changes: nodes and links
// that come and go, addresses, routes, impairments and admin states of what stays. Pure, like
// make_plan: the keeper (lab/live) turns it into netlink requests, `lab apply --dry-run` only
// prints it.
//
// A node or link is the same in both versions when its name (a node) or its two ends (a link,
// "r1:eth1 <-> r2:eth1") are; where it is written in the file does not matter. What a running
// node cannot change (its namespaces, mounts, files, sysctls, ...) is refused with the place
// in the new topology: remove the node and add it again instead.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "topology/model.hpp"

namespace nslab::plan {

// "r1:eth1 <-> r2:eth1", the ends in name order: a link's identity in every version.
std::string link_key(const topo::Model& m, const topo::Link& link);

// Which end of `old_link` (a link of `before` matched by link_key) is the end `end` of the
// same link in `after`: the two versions may write its ends in either order.
int matching_end(const topo::Model& before, const topo::Link& old_link, const topo::Model& after, const topo::Endpoint& end);

struct Diff {
    struct KeptLink {
        std::size_t before = 0, after = 0;  // indexes into the two versions' links
        bool netem = false;                 // its impairment changed
        bool up = false;                    // its admin state changed
    };
    // An address of an interface (or lo) that exists in both versions.
    struct AddressChange {
        std::string node, iface;
        net::Prefix prefix;
        std::string pointer;
    };
    // A node's own interface (`interfaces`) on a node in both versions. One whose spec changed
    // is removed and added again (so is one that sits on it or in it); only its addresses
    // change in place, as address changes.
    struct DeviceChange {
        std::string node, name, kind;
        std::string pointer;                // in the version it belongs to
    };
    // A route of a node in both versions; `before` empty when added, `after` when removed.
    struct RouteChange {
        std::string node;
        std::optional<topo::Route> before, after;
    };

    std::vector<std::string> nodes_added, nodes_removed;   // by name
    std::vector<std::size_t> links_added;                   // indexes into after.links
    std::vector<std::size_t> links_removed;                 // indexes into before.links
    std::vector<KeptLink> links_kept;
    std::vector<AddressChange> addresses_added, addresses_removed;
    std::vector<RouteChange> routes;
    std::vector<std::string> env_changed;                   // nodes whose `env` changed
    std::vector<DeviceChange> devices_added, devices_removed;  // removed in reverse file order

    bool empty() const {
        return nodes_added.empty() && nodes_removed.empty() && links_added.empty() && links_removed.empty() &&
               addresses_added.empty() && addresses_removed.empty() && routes.empty() && env_changed.empty() &&
               devices_added.empty() && devices_removed.empty() && !changed_links();
    }
    bool changed_links() const {
        for (const auto& k : links_kept)
            if (k.netem || k.up) return true;
        return false;
    }
};

// Throws topo::TopologyError (source "apply") naming each change a running lab cannot take.
Diff diff(const topo::Model& before, const topo::Model& after);

// The difference as lines a user reads, removals first: "- node r4", "+ link r1:eth3 <-> r4:eth1",
// "+ address r1:eth1 10.0.14.1/30", "~ route r1 10.9.0.0/24 via 10.0.12.2". `netem_text` writes an
// impairment ("delay=20ms loss=1%").
std::vector<std::string> diff_lines(const Diff& d, const topo::Model& before, const topo::Model& after,
                                    std::string (*netem_text)(const topo::Netem&));

}  // namespace nslab::plan
