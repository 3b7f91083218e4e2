#!/usr/bin/env bash
# Builds the C++ tests with AddressSanitizer and UndefinedBehaviorSanitizer into build-asan and
# runs them. `ci/asan.sh` (CI's gating tier): the unit tests only, which is all this build
# compiles. `ci/asan.sh all` (ci/extended): also the root integration tests, with `lab` and
# `nslab-keeper` built under the sanitizers too. Any report fails the run. JUnit XML goes to
# build-asan/asan-*.xml.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${ASAN_BUILD_DIR:-build-asan}
san="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer"
# libstdc++'s <regex> draws false -Wmaybe-uninitialized warnings at -O1 with the sanitizers.
quiet="-Wno-maybe-uninitialized"
# -O1 -g1: quick to compile, line numbers in reports. No Python or benchmarks: not tested here.
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Sanitize -DCMAKE_CXX_FLAGS="-O1 -g1 $san $quiet" \
  -DCMAKE_EXE_LINKER_FLAGS="$san" -DNSLAB_PYTHON=OFF -DNSLAB_BENCH=OFF >/dev/null
targets=(nslab_unit)
[ "${1:-}" = all ] && targets+=(nslab_integration lab nslab-keeper)
cmake --build "$build" -j2 --target "${targets[@]}" >/dev/null
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:strict_string_checks=1:detect_stack_use_after_return=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
rc=0
"$build/tests/nslab_unit" --gtest_brief=1 --gtest_output="xml:$build/asan-unit.xml" || rc=1
if [ "${1:-}" = all ]; then
  # The integration tests find `lab` and the keeper in this build (NSLAB_BUILD_DIR). They make
  # labs: under the shared machine's root lock when one is named, and only while they run.
  ${NSLAB_ROOT_LOCK:+flock "$NSLAB_ROOT_LOCK"} "$build/tests/nslab_integration" --gtest_brief=1 --gtest_output="xml:$build/asan-integration.xml" || rc=1
fi
exit $rc
