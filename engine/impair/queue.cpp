#include "impair/queue.hpp"

#include <algorithm>

namespace nslab::impair {

namespace {
bool chance(const std::optional<double>& percent, Rng& rng) {
    if (!percent || *percent <= 0) return false;
    return std::uniform_real_distribution<double>(0, 100)(rng) < *percent;
}
}  // namespace

Verdict decide(const topo::Netem& n, Rng& rng) {
    Verdict v;
    if (chance(n.loss, rng)) {
        v.copies = 0;
        return v;
    }
    if (chance(n.duplicate, rng)) v.copies = 2;
    v.corrupt = chance(n.corrupt, rng);
    return v;
}

bool DirectionQueue::push(std::vector<std::uint8_t> frame, std::size_t wire_len, std::int64_t now, Rng& rng) {
    if (q_.size() >= netem_.limit.value_or(1000)) return false;
    std::int64_t delay = std::int64_t{netem_.delay_us.value_or(0)} * 1000;
    std::int64_t jitter = std::int64_t{netem_.jitter_us.value_or(0)} * 1000;
    if (jitter > 0) delay += std::uniform_int_distribution<std::int64_t>(-jitter, jitter)(rng);
    delay = std::max<std::int64_t>(delay, 0);
    // netem sends a reordered frame at once, ahead of the delayed ones.
    if (delay > 0 && chance(netem_.reorder, rng)) delay = 0;
    std::int64_t due = now + delay;
    if (netem_.rate_bps && *netem_.rate_bps > 0) {
        // A frame cannot start before the previous one has left the wire.
        auto tx = static_cast<std::int64_t>(static_cast<double>(wire_len) * 8e9 / static_cast<double>(*netem_.rate_bps));
        due = std::max(due, last_due_) + tx;
        last_due_ = due;
    }
    q_.emplace(std::make_pair(due, seq_++), std::move(frame));
    return true;
}

std::optional<std::int64_t> DirectionQueue::next_due() const {
    if (q_.empty()) return std::nullopt;
    return q_.begin()->first.first;
}

std::optional<std::vector<std::uint8_t>> DirectionQueue::pop_due(std::int64_t now) {
    if (q_.empty() || q_.begin()->first.first > now) return std::nullopt;
    auto node = q_.extract(q_.begin());
    return std::move(node.mapped());
}

}  // namespace nslab::impair
