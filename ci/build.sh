#!/usr/bin/env bash
# Configures and builds nslab into ${BUILD_DIR:-build}.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${BUILD_DIR:-build}
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=${BUILD_TYPE:-RelWithDebInfo} -DNSLAB_WERROR=ON >/dev/null
cmake --build "$build" -j"$(nproc)"
