#!/usr/bin/env bash
# Installs what nslab needs to build and test, from Debian's archive only. Idempotent and quick
# when everything is already there.
set -euo pipefail
packages=(
  build-essential cmake pkg-config
  libmnl-dev nlohmann-json3-dev libgtest-dev libgmock-dev libbenchmark-dev
  iproute2 iputils-ping procps util-linux iperf3 tcpdump
  busybox-static  # root filesystems the rootfs tests build
  python3-dev python3-pybind11 pybind11-dev python3-pytest python3-pytest-xdist python3-jsonschema graphviz
  chromium  # lab graph --format html is checked in headless Chromium (about 520 MB)
  vagrant   # `vagrant validate` of vagrant/Vagrantfile; no VM runs here (about 110 MB)
  frr bird2
  uidmap    # newuidmap/newgidmap: rootless labs with subordinate ids (tests/python/test_rootless.py)
  clang libclang-rt-14-dev  # the topology fuzzer (ci/fuzz.sh): clang-14 with libFuzzer and sanitizers
  mininet   # its examples run under nslab-mn (tests/python/test_mininet.py), and the side-by-side bench; brings iperf (2)
  openssh-server ansible  # multi-host labs: sshd in the simulated machines, the playbook run against them (tests/python/test_multihost.py, test_deploy.py)
  vlan      # vconfig, which Mininet's vlanhost example calls (tests/python/test_mininet_vlan.py, in the VM)
  qemu-system-x86 kmod  # ci/vm-test (and busybox-static, above): the kernel matrix boots Debian kernels under qemu
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "ci/deps.sh: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # frr and bird2 would start their daemons on the host; tests run them only inside lab nodes.
  # A policy-rc.d that exits 101 tells invoke-rc.d to start nothing. One that was already there
  # (Docker images ship one) is left alone; ours is removed again, whatever apt-get does.
  policy=/usr/sbin/policy-rc.d
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\n# ci/deps.sh: start no service while installing\nexit 101\n' >"$policy"
    chmod 755 "$policy"
    trap 'rm -f "$policy"' EXIT
  fi
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
