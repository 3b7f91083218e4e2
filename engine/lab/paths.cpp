#include "lab/paths.hpp"

#include <cstdlib>

namespace nslab::lab {

namespace {
std::string env_or(const char* var, const char* fallback) {
    const char* v = std::getenv(var);
    return v && *v ? v : fallback;
}
}  // namespace

std::string run_dir() { return env_or("NSLAB_RUN_DIR", "/run/nslab"); }
std::string netns_dir() { return env_or("NSLAB_NETNS_DIR", "/run/netns"); }
std::string lab_dir(const std::string& lab) { return run_dir() + "/" + lab; }
std::string state_file(const std::string& lab) { return lab_dir(lab) + "/state.json"; }
std::string topology_file(const std::string& lab) { return lab_dir(lab) + "/topology.json"; }
std::string log_dir(const std::string& lab) { return lab_dir(lab) + "/logs"; }
std::string keeper_log(const std::string& lab) { return lab_dir(lab) + "/keeper.log"; }
std::string pin_path(const std::string& lab, const std::string& node) { return netns_dir() + "/" + lab + "." + node; }

}  // namespace nslab::lab
