// Private to topology/: union-find over node indices, for switches joined into one segment.
#pragma once

#include <cstddef>
#include <numeric>
#include <vector>

namespace nslab::topo::detail {

class DisjointSets {
public:
    explicit DisjointSets(std::size_t n) : parent_(n) { std::iota(parent_.begin(), parent_.end(), std::size_t{0}); }
    std::size_t find(std::size_t x) {
        while (parent_[x] != x) x = parent_[x] = parent_[parent_[x]];
        return x;
    }
    // False when a and b were already joined.
    bool join(std::size_t a, std::size_t b) {
        a = find(a), b = find(b);
        if (a == b) return false;
        parent_[b] = a;
        return true;
    }

private:
    std::vector<std::size_t> parent_;
};

}  // namespace nslab::topo::detail
