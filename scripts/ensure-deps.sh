#!/usr/bin/env bash
# Installs what the build needs when it is missing: libzmq's headers (Debian's libzmq3-dev) and pkg-config.
set -euo pipefail
if command -v pkg-config >/dev/null 2>&1 && pkg-config --exists libzmq; then
  exit 0
fi
echo "ensure-deps: libzmq not found through pkg-config; installing libzmq3-dev and pkg-config with apt-get" >&2
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq libzmq3-dev pkg-config >/dev/null
pkg-config --exists libzmq
