#!/usr/bin/env bash
# The main job: install, build, bring up the triangle lab, show it, ping across it.
# The lab stays up for you to explore; `build/cli/lab down triangle` removes it.
set -euo pipefail
cd "$(dirname "$0")/.."
[ "$(id -u)" = 0 ] || { echo "ci/demo.sh: run as root (labs create namespaces)"; exit 1; }
ci/deps.sh
ci/build.sh
lab=build/cli/lab
topo=${1:-topologies/triangle.json}
name=$(sed -n 's/^ *"name": *"\([^"]*\)".*/\1/p' "$topo" | head -1)
if "$lab" status 2>/dev/null | grep -q "^$name "; then "$lab" down "$name"; fi
"$lab" up "$topo"
echo
"$lab" status "$name"
echo
echo "\$ lab exec $name r1 -- ping -c1 10.0.0.3"
"$lab" exec "$name" r1 -- ping -c1 -W2 10.0.0.3
echo
echo "The lab is up. Try: $lab shell $name r1   |   ip netns exec $name.r2 ip route   |   $lab down $name"
