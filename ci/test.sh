#!/usr/bin/env bash
# Every test: install, build, run the unit and the privileged integration tests, check that
# the host is left as it was. Prints "N passed, N failed" last; exits non-zero on any failure.
set -uo pipefail
cd "$(dirname "$0")/.."
ci/deps.sh
ci/build.sh || { echo "0 passed, 1 failed"; exit 1; }
# Tests that need root must run, not skip, in CI.
if [ "${CI:-}" = true ] || [ "$(id -u)" = 0 ]; then export NSLAB_REQUIRE_ROOT=1; fi
exec /usr/bin/python3 ci/run_tests.py "$@"
