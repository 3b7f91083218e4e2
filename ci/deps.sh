#!/usr/bin/env bash
# Installs what nslab needs to build and test, from Debian's archive only. Idempotent and quick
# when everything is already there.
set -euo pipefail
packages=(
  build-essential cmake pkg-config
  libmnl-dev nlohmann-json3-dev libgtest-dev libgmock-dev libbenchmark-dev
  iproute2 iputils-ping procps util-linux
  python3-dev python3-pybind11 pybind11-dev python3-pytest
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "ci/deps.sh: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
