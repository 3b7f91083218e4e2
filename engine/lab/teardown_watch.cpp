#include "lab/teardown_watch.hpp"

#include <poll.h>

#include <algorithm>
#include <chrono>

#include "sys/process.hpp"

namespace nslab::lab {

namespace {
constexpr int kTickMs = 50;  // how often the count is refreshed while nothing exits
}

TeardownWatch::TeardownWatch(const State& st) : total_(st.nodes.size()) {
    if (st.boot_id != sys::boot_id()) return;
    sys::raise_fd_limit();  // one pidfd per node
    for (const auto& n : st.nodes)
        if (sys::Fd fd = sys::open_verified(n.init)) inits_.push_back(std::move(fd));
}

bool TeardownWatch::wait(int keeper_pidfd, int timeout_ms,
                         const std::function<void(const std::string&, std::size_t, std::size_t)>& progress) {
    using clock = std::chrono::steady_clock;
    const auto deadline = clock::now() + std::chrono::milliseconds(timeout_ms);
    std::size_t reported = static_cast<std::size_t>(-1);
    std::vector<pollfd> fds;
    for (;;) {
        // A pidfd turns readable when its process has exited; the exited ones leave the set.
        fds.clear();
        fds.push_back({keeper_pidfd, POLLIN, 0});
        for (const auto& fd : inits_) fds.push_back({fd.get(), POLLIN, 0});
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock::now()).count();
        int rc = ::poll(fds.data(), fds.size(), static_cast<int>(std::max<long long>(0, std::min<long long>(left, kTickMs))));
        if (rc > 0) {
            std::vector<sys::Fd> still;
            for (std::size_t i = 0; i < inits_.size(); ++i)
                if (!(fds[i + 1].revents & (POLLIN | POLLHUP | POLLERR))) still.push_back(std::move(inits_[i]));
            inits_ = std::move(still);
        }
        std::size_t exited = total_ - std::min(total_, inits_.size());
        if (exited != reported && progress) progress("nodes", exited, total_);
        reported = exited;
        if (fds[0].revents & (POLLIN | POLLHUP | POLLERR)) return true;
        if (left <= 0) return false;
    }
}

}  // namespace nslab::lab
