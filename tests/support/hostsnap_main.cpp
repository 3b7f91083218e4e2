// support_hostsnap: prints the C++ host snapshot as "kind: line" lines, as
// `python3 tests/support/nslab_testing.py` prints the Python one. tests/reliability/test_support.py
// runs both and requires the same lines (not named nslab_*: the snapshot lists processes whose
// name starts with "nslab", and this one must not list itself).
#include <cstdio>

#include "nslab_testing.hpp"

int main() {
    for (const auto& l : nslab_testing::HostSnapshot::take().lines()) std::printf("%s\n", l.c_str());
    return 0;
}
