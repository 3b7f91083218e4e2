#include "util/fault.hpp"

#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstdlib>
#include <map>
#include <sstream>
#include <string>

namespace nslab::fault {

const bool armed = std::getenv("NSLAB_FAULT") != nullptr;

namespace {
int owner_fd = -1;
std::map<std::string, int> hits;  // per stage
}  // namespace

void set_owner(int pidfd) { owner_fd = pidfd; }

void hit(const char* stage) {
    const char* env = std::getenv("NSLAB_FAULT");
    if (!env) return;
    const int count = ++hits[stage];
    std::stringstream list(env);
    std::string spec;
    while (std::getline(list, spec, ',')) {
        std::stringstream parts(spec);
        std::string name, n, whom;
        std::getline(parts, name, ':');
        std::getline(parts, n, ':');
        std::getline(parts, whom, ':');
        if (name != stage || std::atoi(n.c_str()) != count) continue;
        if ((whom == "owner" || whom == "both") && owner_fd >= 0) {
            ::syscall(SYS_pidfd_send_signal, owner_fd, SIGKILL, nullptr, 0);
            pollfd p{owner_fd, POLLIN, 0};
            ::poll(&p, 1, 10000);  // readable once the owner has exited
        }
        // "stall" holds this process for two seconds: room for a test to race a concurrent command.
        if (whom == "stall") {
            ::usleep(2'000'000);
            continue;
        }
        if (whom != "owner") {
            ::kill(::getpid(), SIGKILL);
            ::pause();
        }
    }
}

}  // namespace nslab::fault
