// The impairment of one direction of a link, as sch_netem applies it, in plain code: which
// frames are lost, duplicated or corrupted, and when each one leaves. No I/O, no clock, and the
// random source is passed in, so unit tests check netem's semantics deterministically.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <random>
#include <utility>
#include <vector>

#include "topology/model.hpp"

namespace nslab::impair {

using Rng = std::mt19937_64;

// What happens to a frame on arrival, drawn in netem's order: loss, then duplication, then
// corruption (of one copy).
struct Verdict {
    int copies = 1;        // 0 = lost, 2 = duplicated
    bool corrupt = false;
};
Verdict decide(const topo::Netem& n, Rng& rng);

class DirectionQueue {
public:
    void set(const topo::Netem& n) { netem_ = n; }
    const topo::Netem& netem() const { return netem_; }

    // Queues a frame that arrived at `now_ns`. Its departure follows netem_enqueue(): delay
    // varied uniformly by ±jitter (so jitter reorders, as netem's tfifo does); with `reorder`
    // that share of frames skips the delay; with `rate` each frame leaves no earlier than the
    // one before it plus its own serialisation time (`wire_len` bytes). False when the queue
    // already holds `limit` frames (1000 when unset) and the frame is dropped.
    bool push(std::vector<std::uint8_t> frame, std::size_t wire_len, std::int64_t now_ns, Rng& rng);

    // Departure time of the first frame due, if any.
    std::optional<std::int64_t> next_due() const;
    // The first frame due at or before `now_ns`, removed from the queue.
    std::optional<std::vector<std::uint8_t>> pop_due(std::int64_t now_ns);
    std::size_t size() const { return q_.size(); }

private:
    topo::Netem netem_;
    std::multimap<std::pair<std::int64_t, std::uint64_t>, std::vector<std::uint8_t>> q_;  // (due, seq)
    std::uint64_t seq_ = 0;
    std::int64_t last_due_ = 0;  // departure of the latest frame, for rate
};

}  // namespace nslab::impair
