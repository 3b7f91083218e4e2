// The entry point: text in (the caller reads the file), resolved Model out, or every problem
// at once.
#include "topology/detail/build.hpp"
#include "topology/partition.hpp"

namespace nslab::topo {

Model parse(std::string_view text, const ParseOptions& opts) {
    detail::Draft d;
    d.base_dir = opts.base_dir;
    if (auto doc = detail::read_json(text, d.issues); doc && detail::read_document(*doc, opts, d)) {
        detail::read_nodes(*doc, d);
        detail::read_links(*doc, d);
        detail::read_placement(*doc, d);
        detail::assign_addresses(d);
        detail::validate(d);
    }
    if (d.issues.empty() && !opts.partition.empty()) {
        if (!d.model.placement)
            d.issues.add("", "--partition " + opts.partition + ": the topology has no \"placement\" (the machines it spreads over)");
        else if (!d.model.placement->find(opts.partition))
            d.issues.add("/placement/hosts", "--partition: no host named \"" + opts.partition + "\" in the placement");
        else
            return partition(d.model, opts.partition);
    }
    if (!d.issues.empty()) throw TopologyError(opts.source, d.issues.take());
    return std::move(d.model);
}

}  // namespace nslab::topo
