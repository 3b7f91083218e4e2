#!/usr/bin/env bash
# Provisions a Vagrant VM (vagrant/Vagrantfile) with the same scripts CI runs. Vagrant runs it
# as root inside the guest, with the checkout at /nslab.
set -euo pipefail
cd /nslab
ci/deps.sh
if [ "${NSLAB_VM_TESTS:-1}" = 1 ]; then
  # The box boots Debian 12's stock kernel (6.1), the kernel CI emulates for its kernel matrix,
  # so this VM runs the kernel-dependent suite directly, with the scripts the emulated VM runs
  # (ci/vm/prepare.sh, ci/vm/run-suite.py on ci/vm/suite.txt), instead of booting a VM inside.
  NSLAB_VM_MATRIX=0 ci/test.sh   # prints "N passed, N failed" last; fails the provisioning on a failure
  ci/vm/prepare.sh
  NSLAB_REQUIRE_ROOT=1 NSLAB_EXPECT_NETEM=1 NSLAB_EXPECT_ALL_KINDS=1 ci/vm/run-suite.py --suite ci/vm/suite.txt
else
  ci/build.sh
fi
if [ -n "${NSLAB_PEER:-}" ]; then
  ping -c1 -W5 "$NSLAB_PEER"  # the two VMs see each other on the private network
fi
