#!/usr/bin/env bash
# Readies a kernel for the kernel-dependent suite (ci/vm/suite.txt): loads the modules whose
# paths it tests and enables the cgroup v2 controllers memory, pids and cpu for child cgroups.
# Shared by the emulated VM (ci/vm/guest.py) and the Vagrant VM (vagrant/provision.sh), so
# both run the suite on the same footing. Exits non-zero when the kernel cannot do it.
set -uo pipefail
status=0
# Autoloading would find most of these too; loading them here makes a missing one visible.
# The interface kinds of `interfaces` too: tun for /dev/net/tun, which a system with udev or
# kmod static nodes has at boot and this VM's init does not make by itself.
for m in sch_netem sch_tbf sch_htb ifb veth bridge dummy 8021q vrf macvlan vxlan tun \
         bonding ip_gre ipip ip6_gre ip6_tunnel sit wireguard; do
    modprobe "$m" || { echo "prepare: kernel $(uname -r) has no module $m" >&2; status=1; }
done
cg=/sys/fs/cgroup
if [ ! -f "$cg/cgroup.controllers" ]; then
    echo "prepare: no cgroup v2 hierarchy at $cg" >&2
    exit 1
fi
for c in memory pids cpu; do
    # The root cgroup is exempt from "no internal processes", so this works with PID 1 in it.
    if ! grep -qw "$c" "$cg/cgroup.controllers" || ! echo "+$c" >"$cg/cgroup.subtree_control"; then
        echo "prepare: cannot enable the cgroup v2 $c controller" >&2
        status=1
    fi
done
echo "prepare: linux $(uname -r); cgroup v2 controllers enabled for children: $(cat "$cg/cgroup.subtree_control")"
exit $status
