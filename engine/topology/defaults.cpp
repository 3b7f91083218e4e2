#include "topology/detail/defaults.hpp"

#include <unordered_map>

namespace nslab::topo::detail {

NodeView::NodeView(const ojson& own, std::string pointer, const ojson* defaults)
    : own_(own), pointer_(std::move(pointer)), defaults_(defaults) {}

Located NodeView::get(std::string_view key) const {
    std::string k(key);
    if (own_.is_object() && own_.contains(k)) return {&own_[k], child(pointer_, key)};
    if (defaults_ && defaults_->is_object() && defaults_->contains(k))
        return {&(*defaults_)[k], child(kDefaultsPointer, key)};
    return {};
}

Entries NodeView::entries(std::string_view key, Issues& issues) const {
    Entries out;
    // Where each name is in `out`: a node's thousand env entries must not be a million compares.
    std::unordered_map<std::string_view, std::size_t> index;
    auto merge = [&](const ojson* holder, std::string_view base) {
        std::string k(key);
        if (!holder || !holder->is_object() || !holder->contains(k)) return;
        std::string at = child(base, key);
        const ojson& object = (*holder)[k];
        if (!expect(object, Want::Object, at, issues)) return;
        for (const auto& [name, value] : object.items()) {
            Located here{&value, child(at, name)};
            // The document outlives `out`, so its keys can be viewed.
            auto [it, fresh] = index.try_emplace(std::string_view(name), out.size());
            if (fresh)
                out.emplace_back(name, here);
            else
                out[it->second].second = here;
        }
    };
    merge(defaults_, kDefaultsPointer);
    merge(&own_, pointer_);
    return out;
}

}  // namespace nslab::topo::detail
