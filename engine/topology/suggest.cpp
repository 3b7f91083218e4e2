#include "topology/detail/suggest.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <utility>

namespace nslab::topo::detail {

namespace {

char lower(char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); }

// Beyond this many edits a candidate is another word, not a typo: one edit for very short
// words (where two edits reach almost anything), else two, or a third of longer words.
std::size_t max_typo_distance(std::size_t length) {
    if (length <= 2) return 1;
    return std::max<std::size_t>(2, length / 3);
}

// Long lists (a lab's thousand nodes) would drown the message.
constexpr std::size_t kMaxListed = 20;

// What all of a Suggester's searches may cost together, in distance cells (one per trie node
// visited and word character): about a tenth of a second. A typo of a name in a 100,000-node
// lab costs a few thousand, so some 10,000 of them are answered before the budget runs out.
constexpr std::size_t kSearchBudget = std::size_t{1} << 26;

std::string guess(std::string_view candidate) { return "; did you mean \"" + std::string(candidate) + "\"?"; }

std::string listing(std::span<const std::string_view> known, std::string_view plural) {
    if (known.empty()) return "; there are no " + std::string(plural);
    std::string s = "; known " + std::string(plural) + ": ";
    for (std::size_t i = 0; i < known.size() && i < kMaxListed; ++i) {
        if (i > 0) s += ", ";
        s += known[i];
    }
    if (known.size() > kMaxListed) s += ", ... (" + std::to_string(known.size()) + " in all)";
    return s;
}

}  // namespace

// Three rows (this one, the one above, and the one above that for transpositions) along the
// shorter string, and only the cells within `limit` of the diagonal: a cell further off is at
// least its distance from the diagonal, so over the limit whatever the letters.
std::size_t edit_distance(std::string_view a, std::string_view b, std::size_t limit) {
    if (a.size() < b.size()) std::swap(a, b);
    const std::size_t n = a.size(), m = b.size();
    limit = std::min(limit, n);  // no distance is larger, and limit + 1 cannot overflow
    const std::size_t over = limit + 1;
    if (n - m > limit) return over;
    std::array<std::size_t, 3 * (kMaxSuggestedWord + 1)> small;
    std::vector<std::size_t> large;
    std::size_t* cells = small.data();
    if (m > kMaxSuggestedWord) {
        large.resize(3 * (m + 1));
        cells = large.data();
    }
    std::fill(cells, cells + 3 * (m + 1), over);
    std::size_t *older = cells, *prev = cells + (m + 1), *cur = cells + 2 * (m + 1);
    for (std::size_t j = 0; j <= std::min(m, limit); ++j) prev[j] = j;
    std::size_t prev_min = 0;
    for (std::size_t i = 1; i <= n; ++i) {
        const std::size_t lo = i > limit ? i - limit : 1, hi = std::min(m, i + limit);
        cur[lo - 1] = lo == 1 && i <= limit ? i : over;
        std::size_t row_min = cur[lo - 1];
        const char ai = lower(a[i - 1]);
        for (std::size_t j = lo; j <= hi; ++j) {
            const char bj = lower(b[j - 1]);
            std::size_t v = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ai == bj ? 0 : 1)});
            if (i > 1 && j > 1 && ai == lower(b[j - 2]) && lower(a[i - 2]) == bj) v = std::min(v, older[j - 2] + 1);
            cur[j] = std::min(v, over);
            row_min = std::min(row_min, cur[j]);
        }
        if (hi < m) cur[hi + 1] = over;
        // No later cell is below the smallest of this row, nor (through a transposition) below
        // one more than the smallest of the row above: past the limit now, past it at the end.
        if (row_min > limit && prev_min + 1 > limit) return over;
        older = std::exchange(prev, std::exchange(cur, older));
        prev_min = row_min;
    }
    return prev[m];
}

std::optional<std::string_view> closest(std::string_view word, std::span<const std::string_view> known) {
    if (word.size() > kMaxSuggestedWord) return std::nullopt;
    std::optional<std::string_view> best;
    std::size_t best_distance = max_typo_distance(word.size()) + 1;
    bool tie = false;
    for (std::string_view candidate : known) {
        // Further than the best so far, a candidate can neither win nor tie: stop counting there.
        std::size_t d = edit_distance(word, candidate, best ? best_distance : best_distance - 1);
        if (d < best_distance) {
            best = candidate;
            best_distance = d;
            tie = false;
        } else if (d == best_distance && best) {
            tie = true;
        }
    }
    if (tie) return std::nullopt;
    return best;
}

std::string did_you_mean(std::string_view word, std::span<const std::string_view> known, std::string_view plural) {
    if (auto c = closest(word, known)) return guess(*c);
    return listing(known, plural);
}

Suggester::Suggester(std::vector<std::string_view> known) : known_(std::move(known)) {
    trie_.push_back(TrieNode{kNone, kNone, kNone, 0, UINT32_MAX, 0, 0});
    // A longer candidate is further than the typo limit from every word closest() considers.
    const std::size_t longest = kMaxSuggestedWord + max_typo_distance(kMaxSuggestedWord);
    for (std::size_t k = 0; k < known_.size(); ++k) {
        if (known_[k].size() > longest) continue;
        const auto length = static_cast<std::uint32_t>(known_[k].size());
        auto note_length = [&](TrieNode& t) {
            t.shortest = std::min(t.shortest, length);
            t.longest = std::max(t.longest, length);
        };
        std::uint32_t at = 0;
        note_length(trie_[0]);
        for (char ch : known_[k]) {
            const char c = lower(ch);
            std::uint32_t kid = trie_[at].first_child;
            while (kid != kNone && trie_[kid].c != c) kid = trie_[kid].next_sibling;
            if (kid == kNone) {
                kid = static_cast<std::uint32_t>(trie_.size());
                trie_.push_back(TrieNode{kNone, trie_[at].first_child, kNone, 0, UINT32_MAX, 0, c});
                trie_[at].first_child = kid;
            }
            at = kid;
            note_length(trie_[at]);
        }
        if (trie_[at].words++ == 0) trie_[at].word = static_cast<std::uint32_t>(k);
        depth_ = std::max(depth_, known_[k].size());
    }
}

// Depth first through the trie, one row of the distance table per trie node: the row of a node
// is the row of its parent extended by one letter, so shared prefixes are computed once. A
// subtree is skipped when none of its rows can come back under the limit, or when all its
// candidates are too much longer or shorter than the word.
std::optional<std::string_view> Suggester::closest(std::string_view word) {
    if (word.size() > kMaxSuggestedWord || spent_ > kSearchBudget) return std::nullopt;
    std::string w;
    for (char ch : word) w += lower(ch);
    const std::size_t m = w.size(), width = m + 1, limit = max_typo_distance(m);
    std::vector<std::size_t> rows((depth_ + 1) * width), mins(depth_ + 1);
    std::vector<char> path(depth_ + 1);
    for (std::size_t j = 0; j <= m; ++j) rows[j] = j;
    std::uint32_t best = kNone;
    std::size_t best_distance = limit + 1;
    bool tie = false;
    // Distances above this neither win nor tie.
    auto bound = [&] { return best != kNone ? best_distance : limit; };
    auto lengths_in_reach = [&](const TrieNode& t) { return t.longest + bound() >= m && t.shortest <= m + bound(); };
    if (trie_[0].words > 0 && m <= limit) {  // the empty candidate, m edits away
        best = trie_[0].word;
        best_distance = m;
        tie = trie_[0].words > 1;
    }
    std::vector<std::pair<std::uint32_t, std::size_t>> todo;  // (trie node, depth)
    for (std::uint32_t kid = trie_[0].first_child; kid != kNone; kid = trie_[kid].next_sibling) todo.emplace_back(kid, 1);
    while (!todo.empty()) {
        auto [at, d] = todo.back();
        todo.pop_back();
        const TrieNode& node = trie_[at];
        if (!lengths_in_reach(node)) continue;
        if ((spent_ += width) > kSearchBudget) return std::nullopt;
        path[d] = node.c;
        std::size_t* row = &rows[d * width];
        const std::size_t* up = row - width;
        row[0] = d;
        std::size_t row_min = d;
        for (std::size_t j = 1; j <= m; ++j) {
            std::size_t v = std::min({up[j] + 1, row[j - 1] + 1, up[j - 1] + (node.c == w[j - 1] ? 0 : 1)});
            if (d > 1 && j > 1 && node.c == w[j - 2] && path[d - 1] == w[j - 1]) v = std::min(v, (up - width)[j - 2] + 1);
            row[j] = v;
            row_min = std::min(row_min, v);
        }
        mins[d] = row_min;
        if (node.words > 0) {
            if (row[m] < best_distance) {
                best = node.word;
                best_distance = row[m];
                tie = node.words > 1;
            } else if (row[m] == best_distance && best != kNone) {
                tie = true;
            }
        }
        // As in edit_distance(): the rows below stay at or above this bound.
        const std::size_t reach = std::min(row_min, mins[d - 1] + 1);
        if (reach > bound()) continue;
        for (std::uint32_t kid = node.first_child; kid != kNone; kid = trie_[kid].next_sibling) todo.emplace_back(kid, d + 1);
    }
    if (tie || best == kNone) return std::nullopt;
    return known_[best];
}

std::string Suggester::did_you_mean(std::string_view word, std::string_view plural) {
    auto [it, fresh] = answered_.try_emplace(std::string(word));
    if (fresh) it->second = closest(word);
    return it->second ? guess(*it->second) : listing(known_, plural);
}

}  // namespace nslab::topo::detail
