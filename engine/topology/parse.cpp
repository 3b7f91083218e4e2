// The entry points: text or file in, resolved Model out, or every problem at once.
#include "sys/files.hpp"
#include "topology/build.hpp"

namespace nslab::topo {

Model parse(std::string_view text, const ParseOptions& opts) {
    detail::Draft d;
    if (auto doc = detail::read_json(text, d.issues); doc && detail::read_document(*doc, opts, d)) {
        detail::read_nodes(*doc, d);
        detail::read_links(*doc, d);
        detail::assign_addresses(d);
        detail::validate(d);
    }
    if (!d.issues.empty()) throw TopologyError(opts.source, d.issues.take());
    return std::move(d.model);
}

Model load_file(const std::string& path, std::string name_override) {
    return parse(sys::read_file(path), ParseOptions{.source = path, .name_override = std::move(name_override)});
}

}  // namespace nslab::topo
