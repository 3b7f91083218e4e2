// The progress line of `lab up`/`lab down` on a terminal: stage, count and rate, redrawn in
// place on standard error and erased when done. Off the terminal nothing is drawn, so scripts
// and logs only see the results.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>

namespace nslab::cli {

class ProgressLine {
public:
    // `verb` starts the line ("lab up big"); enabled only when standard error is a terminal.
    explicit ProgressLine(std::string verb);
    ~ProgressLine();
    ProgressLine(const ProgressLine&) = delete;
    ProgressLine& operator=(const ProgressLine&) = delete;

    bool enabled() const { return enabled_; }
    void update(const std::string& stage, std::size_t done, std::size_t total);
    void clear();

    // "nodes 640/1000 (2130/s)": items over the time since the stage began (the end of the
    // previous one).
    static std::string format(const std::string& stage, std::size_t done, std::size_t total, double seconds);

private:
    using clock = std::chrono::steady_clock;
    std::string verb_, stage_;
    bool enabled_ = false, drawn_ = false;
    clock::time_point stage_start_, last_draw_, last_report_;
};

}  // namespace nslab::cli
