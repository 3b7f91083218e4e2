#include "progress.hpp"

#include <unistd.h>

#include <cstdio>

namespace nslab::cli {

namespace {
// Redraws closer together than this only flicker; the end of a stage is always drawn.
constexpr auto kRedraw = std::chrono::milliseconds(50);
}

ProgressLine::ProgressLine(std::string verb)
    : verb_(std::move(verb)), enabled_(::isatty(STDERR_FILENO) == 1), stage_start_(clock::now()),
      last_report_(stage_start_) {}

ProgressLine::~ProgressLine() { clear(); }

std::string ProgressLine::format(const std::string& stage, std::size_t done, std::size_t total, double seconds) {
    char buf[160];
    if (seconds > 0 && done > 0)
        std::snprintf(buf, sizeof buf, "%s %zu/%zu (%.0f/s)", stage.c_str(), done, total, done / seconds);
    else
        std::snprintf(buf, sizeof buf, "%s %zu/%zu", stage.c_str(), done, total);
    return buf;
}

void ProgressLine::update(const std::string& stage, std::size_t done, std::size_t total) {
    auto now = clock::now();
    if (stage != stage_) {
        stage_ = stage;
        stage_start_ = last_report_;  // the previous stage ended with its last report
    }
    last_report_ = now;
    if (!enabled_ || (drawn_ && done != total && now - last_draw_ < kRedraw)) return;
    double s = std::chrono::duration<double>(now - stage_start_).count();
    std::fprintf(stderr, "\r\033[K%s: %s", verb_.c_str(), format(stage, done, total, s).c_str());
    std::fflush(stderr);
    drawn_ = true;
    last_draw_ = now;
}

void ProgressLine::clear() {
    if (!drawn_) return;
    std::fprintf(stderr, "\r\033[K");
    std::fflush(stderr);
    drawn_ = false;
}

}  // namespace nslab::cli
