#!/usr/bin/env bash
# Builds the topology fuzzer (tests/fuzz/, clang + libFuzzer + ASan/UBSan) into build-fuzz and
# runs it for ${1:-60} seconds from a seed corpus: the example topologies and every row of the
# unit tests' bad-input table. Exits non-zero on any crash, hang (10 s per input), leak or
# sanitizer report; the offending input is kept in build-fuzz/artifacts/.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-60}
build=${FUZZ_BUILD_DIR:-build-fuzz}
CXX=clang++ cmake -S tests/fuzz -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" -j2 >/dev/null
seeds="$build/seeds"
rm -rf "$seeds" && mkdir -p "$seeds" "$build/corpus" "$build/artifacts"
cp topologies/*.json tests/python/topologies/*.json tests/fuzz/regressions/* "$seeds"/  # regressions: inputs that once crashed
"$build/bad_table_seeds" "$seeds"
# New inputs go into corpus/ (kept between runs); seeds/ is read only.
exec "$build/fuzz_topology" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -max_len=8192 \
  -dict=tests/fuzz/topology.dict -artifact_prefix="$build/artifacts/" -print_final_stats=1 \
  "$build/corpus" "$seeds"
