#include "node/init_light.hpp"

#include <sched.h>
#include <signal.h>
#include <sys/mman.h>

#include <cerrno>

#include "node/detail/init_recipe.hpp"
#include "node/init.hpp"
#include "util/error.hpp"

namespace nslab::node {

// The recipe's plan, built by the keeper before the clone and read, never written, by the
// child until it reports; and the child's stack.
struct LightInit {
    InitPlan plan;
    void* stack = nullptr;
    std::size_t stack_size = 0;
};

void LightInitDeleter::operator()(LightInit* p) const noexcept {
    // Only once the init is dead (or never ran): the stack is its own.
    if (p->stack) ::munmap(p->stack, p->stack_size);
    delete p;
}

namespace {

constexpr std::size_t kStack = 64 * 1024;
constexpr std::size_t kGuard = 4096;

__attribute__((no_sanitize("address", "undefined"), noinline)) int light_main(void* arg) {
    run_init(static_cast<const LightInit*>(arg)->plan);
}

}  // namespace

bool light_init_possible(const topo::Node& node) {
    return raw_init_recipe() && node.rootfs.empty() && node.private_dirs.empty() && node.files.empty() &&
           node.mounts.empty() &&
           !(node.namespaces & topo::NS_TIME);
}

pid_t clone_light_init(const topo::Node& node, const Sysctls& sysctls, int keeper_pidfd, int go_fd, int report_fd,
                       std::uint32_t index, LightInitPtr& out) {
    if (!raw_init_recipe()) throw Error("node " + node.name + ": no light init on this architecture");
    LightInitPtr p(new LightInit);
    p->plan = make_init_plan(node, sysctls, keeper_pidfd, go_fd, report_fd, index);
    void* stack = ::mmap(nullptr, kStack + kGuard, PROT_READ | PROT_WRITE,
                         MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK | MAP_NORESERVE, -1, 0);
    if (stack == MAP_FAILED) throw SystemError("map a stack for the init of node " + node.name, errno);
    p->stack = stack;
    p->stack_size = kStack + kGuard;
    ::mprotect(stack, kGuard, PROT_NONE);  // the stack grows down onto this
    // The cgroup namespace is made by the child once released (as the forked init does); a
    // light init never has a time namespace.
    unsigned long flags = (clone_flags(node.namespaces) & ~static_cast<unsigned long>(CLONE_NEWCGROUP)) | CLONE_VM | SIGCHLD;
    char* top = static_cast<char*>(stack) + kStack + kGuard;
    int pid = ::clone(light_main, top, static_cast<int>(flags), p.get());
    if (pid < 0) throw SystemError("clone the init of node " + node.name, errno);
    out = std::move(p);
    return pid;
}

}  // namespace nslab::node
