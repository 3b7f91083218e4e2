// Fault injection for the reliability tests (tests/reliability/): stops `lab up` or `lab down`
// at an exact step instead of after a guessed sleep. NSLAB_FAULT is a comma-separated list of
// <stage>:<n>[:<whom>]: the process that reaches point <stage> for the n-th time
//   - self (default): SIGKILLs itself;
//   - owner: SIGKILLs the process given to set_owner() (the keeper's starter), waits until it
//     is gone, and carries on;
//   - both: does both, the owner first;
//   - stall: sleeps two seconds and carries on (room for a test to race another command).
// Unset, a point costs one test of a flag read once at start-up.
#pragma once

namespace nslab::fault {

extern const bool armed;
void hit(const char* stage);
// The process `owner` faults kill: a pidfd, or -1 once there is none.
void set_owner(int pidfd);

inline void point(const char* stage) {
    if (armed) hit(stage);
}

}  // namespace nslab::fault
