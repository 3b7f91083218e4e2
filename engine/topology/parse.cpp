// The entry point: text in (the caller reads the file), resolved Model out, or every problem
// at once.
#include "topology/detail/build.hpp"

namespace nslab::topo {

Model parse(std::string_view text, const ParseOptions& opts) {
    detail::Draft d;
    d.base_dir = opts.base_dir;
    if (auto doc = detail::read_json(text, d.issues); doc && detail::read_document(*doc, opts, d)) {
        detail::read_nodes(*doc, d);
        detail::read_links(*doc, d);
        detail::assign_addresses(d);
        detail::validate(d);
    }
    if (!d.issues.empty()) throw TopologyError(opts.source, d.issues.take());
    return std::move(d.model);
}

}  // namespace nslab::topo
