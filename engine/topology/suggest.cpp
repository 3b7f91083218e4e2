#include "topology/suggest.hpp"

#include <algorithm>
#include <cctype>
#include <vector>

namespace nslab::topo::detail {

namespace {

char lower(char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); }

// Beyond this many edits a candidate is another word, not a typo: one edit for very short
// words (where two edits reach almost anything), else two, or a third of longer words.
std::size_t max_typo_distance(std::string_view word) {
    if (word.size() <= 2) return 1;
    return std::max<std::size_t>(2, word.size() / 3);
}

// Long lists (a lab's thousand nodes) would drown the message.
constexpr std::size_t kMaxListed = 20;

}  // namespace

std::size_t edit_distance(std::string_view a, std::string_view b) {
    const std::size_t n = a.size(), m = b.size();
    std::vector<std::vector<std::size_t>> d(n + 1, std::vector<std::size_t>(m + 1));
    for (std::size_t i = 0; i <= n; ++i) d[i][0] = i;
    for (std::size_t j = 0; j <= m; ++j) d[0][j] = j;
    for (std::size_t i = 1; i <= n; ++i) {
        for (std::size_t j = 1; j <= m; ++j) {
            std::size_t cost = lower(a[i - 1]) == lower(b[j - 1]) ? 0 : 1;
            d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
            if (i > 1 && j > 1 && lower(a[i - 1]) == lower(b[j - 2]) && lower(a[i - 2]) == lower(b[j - 1]))
                d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
        }
    }
    return d[n][m];
}

std::optional<std::string_view> closest(std::string_view word, std::span<const std::string_view> known) {
    std::optional<std::string_view> best;
    std::size_t best_distance = max_typo_distance(word) + 1;
    bool tie = false;
    for (std::string_view candidate : known) {
        std::size_t d = edit_distance(word, candidate);
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
    if (auto c = closest(word, known)) return "; did you mean \"" + std::string(*c) + "\"?";
    if (known.empty()) return "; there are no " + std::string(plural);
    std::string s = "; known " + std::string(plural) + ": ";
    for (std::size_t i = 0; i < known.size() && i < kMaxListed; ++i) {
        if (i > 0) s += ", ";
        s += known[i];
    }
    if (known.size() > kMaxListed) s += ", ... (" + std::to_string(known.size()) + " in all)";
    return s;
}

}  // namespace nslab::topo::detail
