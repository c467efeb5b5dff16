#!/usr/bin/env bash
# Installs what the build and the tests need when it is missing: libzmq's and zstd's headers (Debian's libzmq3-dev,
# libzstd-dev) and pkg-config; and, as root, iproute2 and iptables for the network-namespace experiments.
set -euo pipefail
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
packages=()
if ! command -v pkg-config >/dev/null 2>&1 || ! pkg-config --exists libzmq; then
  packages+=(libzmq3-dev pkg-config)
fi
if ! pkg-config --exists libzstd 2>/dev/null; then
  packages+=(libzstd-dev)
fi
if [ "$(id -u)" -eq 0 ]; then
  command -v ip >/dev/null 2>&1 || [ -x /usr/sbin/ip ] || packages+=(iproute2)
  command -v iptables >/dev/null 2>&1 || [ -x /usr/sbin/iptables ] || packages+=(iptables)
fi
[ ${#packages[@]} -eq 0 ] && exit 0
echo "ensure-deps: installing ${packages[*]} with apt-get" >&2
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${packages[@]}" >/dev/null
pkg-config --exists libzmq libzstd
