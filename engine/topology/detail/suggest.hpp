// Private to topology/: "did you mean" for misspelt keys, node names, interfaces and values.
// Every suggestion costs a bounded amount of work, so a broken or hostile file cannot make
// validation slow: words longer than any name get no guess, a distance stops being counted once
// it is too large to be a typo, and a large candidate set (a lab's nodes) is searched through an
// index instead of compared with the word one by one.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace nslab::topo::detail {

// No key, kind or name a topology may use is this long, so a longer word is no typo of one.
// Without the cap an 8 MB key cost 10 s and a gigabyte of edit-distance matrix.
inline constexpr std::size_t kMaxSuggestedWord = 64;

// Optimal-string-alignment distance, case-insensitive: a swapped pair of letters costs one edit,
// since "endpionts" is a typo of "endpoints", not a different word. Counting stops beyond
// `limit`: any distance larger than it comes back as limit + 1.
std::size_t edit_distance(std::string_view a, std::string_view b, std::size_t limit = SIZE_MAX);

// The one candidate close enough to be a typo of `word`, if exactly one is closest.
std::optional<std::string_view> closest(std::string_view word, std::span<const std::string_view> known);

// `; did you mean "links"?` when one candidate is close, else `; known keys: a, b, c` (or
// `; there are no <plural>`), to be appended to a message.
std::string did_you_mean(std::string_view word, std::span<const std::string_view> known, std::string_view plural);

// closest() and did_you_mean() over one large set asked many times (a lab's node names, for
// every unknown endpoint), with the same answers: the candidates sit in a trie, so a search
// visits only the prefixes still within reach of the word, and each word is searched once.
// All searches together have a fixed budget; once it is spent, the remaining words get no
// guess (only the list), so no file can make suggestions cost more than a fraction of a second.
class Suggester {
public:
    // The strings viewed must outlive the Suggester.
    explicit Suggester(std::vector<std::string_view> known);

    std::optional<std::string_view> closest(std::string_view word);
    std::string did_you_mean(std::string_view word, std::string_view plural);

private:
    struct TrieNode {
        std::uint32_t first_child, next_sibling;
        std::uint32_t word;               // index into known_ of a candidate ending here, or kNone
        std::uint32_t words;              // how many end here (candidates differing only in case)
        std::uint32_t shortest, longest;  // lengths of the candidates at and below this node
        char c;                           // lower-cased
    };
    static constexpr std::uint32_t kNone = UINT32_MAX;

    std::vector<std::string_view> known_;
    std::vector<TrieNode> trie_;  // [0] is the root
    std::size_t depth_ = 0;       // of the deepest candidate
    std::size_t spent_ = 0;       // distance cells computed so far, by all searches
    std::unordered_map<std::string, std::optional<std::string_view>> answered_;
};

}  // namespace nslab::topo::detail
