#!/usr/bin/env bash
# Provisions a Vagrant VM (vagrant/Vagrantfile) with the same scripts CI runs. Vagrant runs it
# as root inside the guest, with the checkout at /nslab.
set -euo pipefail
cd /nslab
ci/deps.sh
if [ "${NSLAB_VM_TESTS:-1}" = 1 ]; then
  ci/test.sh               # prints "N passed, N failed" last; fails the provisioning on a failure
else
  ci/build.sh
fi
if [ -n "${NSLAB_PEER:-}" ]; then
  ping -c1 -W5 "$NSLAB_PEER"  # the two VMs see each other on the private network
fi
