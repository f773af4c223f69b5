#!/usr/bin/env bash
# Installs the Debian 12 packages ringcast needs to build, test and benchmark.
# Idempotent: prints nothing and touches nothing when every package is present.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config dpkg-dev
  liburing-dev libyaml-cpp-dev libspdlog-dev libfmt-dev libsimdjson-dev
  libgtest-dev libhiredis-dev libnats-dev nats-server libssl-dev libmicrohttpd-dev
  redis-server redis-tools python3 python3-redis procps iproute2
  clang libclang-rt-14-dev
  curl python3-yaml python3-seccomp systemd openssl
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "install-deps: installing ${missing[*]}"
sudo_cmd=()
[ "$(id -u)" -ne 0 ] && sudo_cmd=(sudo)
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# Debian's redis-server and nats-server packages may start system instances
# (6379, 4222) where systemd runs; ringcast's tests and benchmarks start their
# own on free ports and never need them.
