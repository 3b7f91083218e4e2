#!/usr/bin/env bash
# Brings up each routing-daemon topology of tests/python/topologies with the lab CLI, waits
# (at most 60 s) until every router pings every other router's loopback, checks that vtysh or
# birdc answers in each node and shows Full OSPF neighbours and OSPF-learned loopbacks, takes
# the lab down and checks that none of its daemons is left. Exits non-zero on any failure.
#
#   tests/python/check_daemons.sh                        # frr, bird and mixed
#   tests/python/check_daemons.sh frr-ospf-line          # just one (file name without .json)
#   BUILD_DIR=build-asan tests/python/check_daemons.sh   # another build's lab (as the Python tests
#                                                        # take it: tests/support/nslab_testing.py)
#
# Needs root. Without FRR or BIRD it skips (exit 0) unless NSLAB_REQUIRE_ROOT=1, where that fails.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=${BUILD_DIR:-build}
[[ $build = /* ]] || build=$root/$build   # relative to the checkout, as ci/build.sh takes it
lab=$build/cli/lab
topodir=$here/topologies
timeout=60
loopbacks=(10.0.0.1 10.0.0.2 10.0.0.3)
routers=(r1 r2 r3)
birdc=(/usr/sbin/birdc -s /run/bird/bird.ctl)
vtysh=/usr/bin/vtysh

[ "$(id -u)" = 0 ] || { echo "check_daemons: run as root (labs create namespaces)"; exit 1; }
[ -x "$lab" ] || { echo "check_daemons: no lab binary at $lab (cmake --build build --target lab)"; exit 1; }

missing=()
for b in /usr/lib/frr/zebra /usr/lib/frr/ospfd "$vtysh" /usr/sbin/bird /usr/sbin/birdc; do
  [ -x "$b" ] || missing+=("$b")
done
if ((${#missing[@]})); then
  if [ "${NSLAB_REQUIRE_ROOT:-}" = 1 ]; then
    echo "check_daemons: FAIL: not installed: ${missing[*]} (ci/deps.sh installs frr bird2)"; exit 1
  fi
  echo "check_daemons: SKIP: not installed: ${missing[*]} (ci/deps.sh installs frr bird2)"; exit 0
fi

if (($#)); then topos=("$@"); else topos=(frr-ospf-line bird-ospf-line mixed-ospf-line); fi

current=""
cleanup() { [ -n "$current" ] && "$lab" down "$current" >/dev/null 2>&1; current=""; }
trap cleanup EXIT
trap 'cleanup; exit 130' INT TERM

# "pid:starttime comm" of every routing daemon on the machine (zombies excluded).
daemons() {
  local d stat rest
  for d in /proc/[0-9]*; do
    stat=$(cat "$d/stat" 2>/dev/null) || continue
    local comm=${stat#*(}; comm=${comm%)*}
    case $comm in zebra|ospfd|watchfrr|staticd|mgmtd|bird) ;; *) continue ;; esac
    rest=${stat##*) }
    set -- $rest
    [ "$1" = Z ] && continue
    echo "${d#/proc/}:${20} $comm"
  done
}

ex() { "$lab" exec "$name" "$@"; }

all_ping() {
  local i j
  for i in 0 1 2; do
    for j in 0 1 2; do
      [ $i = $j ] && continue
      ex "${routers[$i]}" -- ping -c1 -W1 "${loopbacks[$j]}" >/dev/null 2>&1 || return 1
    done
  done
}

# check_node NODE: vtysh or birdc answers, shows Full neighbours and the other loopbacks as OSPF routes.
check_node() {
  local node=$1 out j ok=0
  if ex "$node" -- test -S /run/bird/bird.ctl; then
    out=$(ex "$node" -- "${birdc[@]}" show ospf neighbors 2>&1) || { echo "  $node: birdc failed: $out"; return 1; }
    grep -q 'Full' <<<"$out" || { echo "  $node: no Full neighbour in birdc:"; echo "$out"; ok=1; }
    out=$(ex "$node" -- "${birdc[@]}" show route protocol ospf1 2>&1) || { echo "  $node: birdc failed: $out"; return 1; }
    for j in 0 1 2; do
      [ "${routers[$j]}" = "$node" ] && continue
      grep -Eq "^${loopbacks[$j]//./\\.}/32 +unicast \[ospf1" <<<"$out" ||
        { echo "  $node: ${loopbacks[$j]}/32 is no OSPF route in BIRD:"; echo "$out"; ok=1; }
    done
    echo "  $node: BIRD ok ($(ex "$node" -- "${birdc[@]}" show status | grep -o 'Router ID is [0-9.]*'))"
  elif ex "$node" -- test -S /var/run/frr/zebra.vty; then
    out=$(ex "$node" -- "$vtysh" -c 'show ip ospf neighbor' 2>&1) || { echo "  $node: vtysh failed: $out"; return 1; }
    grep -q 'Full' <<<"$out" || { echo "  $node: no Full neighbour in vtysh:"; echo "$out"; ok=1; }
    out=$(ex "$node" -- "$vtysh" -c 'show ip route ospf' 2>&1) || { echo "  $node: vtysh failed: $out"; return 1; }
    for j in 0 1 2; do
      [ "${routers[$j]}" = "$node" ] && continue
      grep -Eq "^O>\* ${loopbacks[$j]//./\\.}/32 " <<<"$out" ||
        { echo "  $node: ${loopbacks[$j]}/32 is no selected OSPF route in zebra:"; echo "$out"; ok=1; }
    done
    echo "  $node: FRR ok (router-id $(ex "$node" -- "$vtysh" -c 'show ip ospf' | grep -o 'Router ID: [0-9.]*' | cut -d' ' -f3))"
  else
    echo "  $node: neither BIRD's nor FRR's control socket exists"; return 1
  fi
  return $ok
}

passed=0 failed=0
for topo in "${topos[@]}"; do
  file=$topodir/${topo%.json}.json
  name=chk-${topo%.json}
  name=${name:0:26}-$$
  echo "== $topo (lab $name)"
  before=$(daemons)
  t0=$(date +%s.%N)
  if ! "$lab" up "$file" --name "$name" -q; then
    echo "  FAIL: lab up"; failed=$((failed + 1)); continue
  fi
  current=$name
  t_up=$(date +%s.%N)
  ok=1
  deadline=$(( $(date +%s) + timeout ))
  until all_ping; do
    if (( $(date +%s) >= deadline )); then ok=0; break; fi
    sleep 0.2
  done
  t_conv=$(date +%s.%N)
  if ((ok)); then
    awk -v a="$t0" -v b="$t_up" -v c="$t_conv" 'BEGIN {
      printf "  every router reaches every loopback %.1f s after lab up returned (lab up took %.2f s)\n", c - b, b - a }'
  else
    echo "  FAIL: loopbacks not all reachable after ${timeout} s"
    "$lab" status "$name" --routes
  fi
  for node in "${routers[@]}"; do check_node "$node" || ok=0; done
  # The daemons of this lab, by host PID, seen through the nodes' network namespaces.
  mine=$(for node in "${routers[@]}"; do ip netns pids "$name.$node" 2>/dev/null; done | sort -u)
  lab_daemons=$(daemons | while read -r id comm; do grep -qx "${id%%:*}" <<<"$mine" && echo "$id $comm"; done)
  [ -n "$lab_daemons" ] || { echo "  FAIL: found no daemon process of the lab"; ok=0; }
  if ! "$lab" down "$name" >/dev/null; then echo "  FAIL: lab down"; ok=0; fi
  current=""
  # Nothing of the lab's daemons left, and no new daemon on the host.
  after=$(daemons)
  left=$(comm -12 <(sort <<<"$lab_daemons") <(sort <<<"$after"))
  new=$(comm -13 <(sort <<<"$before") <(sort <<<"$after") | while read -r id comm; do
          [ "$(readlink "/proc/${id%%:*}/ns/pid" 2>/dev/null)" = "$(readlink /proc/self/ns/pid)" ] && echo "$id $comm"
        done)
  if [ -n "$left$new" ]; then echo "  FAIL: daemons left after lab down: $left $new"; ok=0; fi
  if ((ok)); then echo "  PASS"; passed=$((passed + 1)); else echo "  FAIL"; failed=$((failed + 1)); fi
done
echo "check_daemons: $passed passed, $failed failed"
((failed == 0))
