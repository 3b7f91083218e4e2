#include "node/init_light.hpp"

#include <sched.h>
#include <signal.h>
#include <sys/mman.h>

#include <cerrno>
#include <map>
#include <mutex>
#include <optional>
#include <vector>

#include "node/detail/init_recipe.hpp"
#include "node/init.hpp"
#include "util/error.hpp"

namespace nslab::node {

namespace {

constexpr std::size_t kStack = 64 * 1024;
constexpr std::size_t kGuard = 4096;
constexpr std::size_t kSlot = kStack + kGuard;
constexpr std::size_t kSlotsPerChunk = 256;

#ifndef MADV_GUARD_INSTALL
#define MADV_GUARD_INSTALL 102  // Linux 6.13
#endif

// Init stacks, carved from chunks of 256. A mapping and a PROT_NONE guard of its own per
// stack made two VMAs per node in the keeper's address space, which every init shares; each
// init's exit walks them all (acct_collect), so tearing down 10,000 nodes took seconds of
// that alone. Where the kernel has guard regions (MADV_GUARD_INSTALL, 6.13) a guard splits
// nothing and a chunk is one VMA; elsewhere each guard is an mprotect, as before.
class StackChunks {
public:
    struct Slot {
        void* chunk;
        std::size_t index;
    };

    Slot take() {
        std::lock_guard<std::mutex> lock(mu_);
        for (auto& [base, c] : chunks_)
            if (!c.free.empty()) return take_from(base, c);
        void* base = ::mmap(nullptr, kSlot * kSlotsPerChunk, PROT_READ | PROT_WRITE,
                            MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK | MAP_NORESERVE, -1, 0);
        if (base == MAP_FAILED) throw SystemError("map stacks for node inits", errno);
        // 17 MiB of stacks would get transparent huge pages: 2 MiB resident for each 30 inits
        // that touch a few KiB of theirs.
        ::madvise(base, kSlot * kSlotsPerChunk, MADV_NOHUGEPAGE);
        Chunk c;
        c.guarded.assign(kSlotsPerChunk, false);
        for (std::size_t i = kSlotsPerChunk; i-- > 0;) c.free.push_back(i);
        return take_from(base, chunks_.emplace(base, std::move(c)).first->second);
    }

    // The top of the stack (it grows down).
    static char* top(const Slot& s) { return static_cast<char*>(s.chunk) + (s.index + 1) * kSlot; }

    // Only once the init is dead (or never ran): the stack is its own.
    void give_back(const Slot& s) noexcept {
        std::lock_guard<std::mutex> lock(mu_);
        auto it = chunks_.find(s.chunk);
        if (it == chunks_.end()) return;
        it->second.free.push_back(s.index);
        if (it->second.free.size() == kSlotsPerChunk) {
            ::munmap(s.chunk, kSlot * kSlotsPerChunk);
            chunks_.erase(it);
        } else {
            ::madvise(static_cast<char*>(s.chunk) + s.index * kSlot + kGuard, kStack, MADV_DONTNEED);
        }
    }

private:
    struct Chunk {
        std::vector<std::size_t> free;
        std::vector<bool> guarded;  // a slot's guard is installed when it is first taken
    };
    Slot take_from(void* base, Chunk& c) {
        Slot s{base, c.free.back()};
        c.free.pop_back();
        if (!c.guarded[s.index]) {
            char* guard = static_cast<char*>(base) + s.index * kSlot;  // the stack grows down onto it
            if (::madvise(guard, kGuard, MADV_GUARD_INSTALL) < 0) ::mprotect(guard, kGuard, PROT_NONE);
            c.guarded[s.index] = true;
        }
        return s;
    }
    std::mutex mu_;
    std::map<void*, Chunk> chunks_;
};

StackChunks& stacks() {
    static StackChunks* s = new StackChunks;  // never destroyed: inits may outlive statics
    return *s;
}

}  // namespace

// The recipe's plan, built by the keeper before the clone and read, never written, by the
// child until it reports; and the child's stack.
struct LightInit {
    InitPlan plan;
    std::optional<StackChunks::Slot> stack;
};

void LightInitDeleter::operator()(LightInit* p) const noexcept {
    if (p->stack) stacks().give_back(*p->stack);
    delete p;
}

namespace {

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
    p->stack = stacks().take();
    // The cgroup namespace is made by the child once released (as the forked init does); a
    // light init never has a time namespace.
    unsigned long flags = (clone_flags(node.namespaces) & ~static_cast<unsigned long>(CLONE_NEWCGROUP)) | CLONE_VM | SIGCHLD;
    char* top = StackChunks::top(*p->stack);
    int pid = ::clone(light_main, top, static_cast<int>(flags), p.get());
    if (pid < 0) throw SystemError("clone the init of node " + node.name, errno);
    out = std::move(p);
    return pid;
}

}  // namespace nslab::node
