#!/usr/bin/env bash
# `make test-containers`: builds callbacksim:local, brings docker-compose.yml up, runs Tests/ContainerTests
# (boto3 through the gateway, a killed orchestrator container, clean SIGTERM stops, experiments against the
# containers) and takes it all down (containers, network, volumes) even when a step fails. Needs a Docker
# engine, or root to set up podman.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/container-engine.sh
scripts/ensure-test-clients.sh
scripts/build-image.sh
start_compose_socket
ticker=""
if [ "$ENGINE" = podman ] && [ ! -S /run/systemd/private ]; then
  scripts/podman-health-ticker.sh 1 >/dev/null 2>&1 &
  ticker=$!
fi
cleanup() {
  $COMPOSE -p callbacksim-test -f docker-compose.yml down -v --remove-orphans >/dev/null 2>&1 || true
  if [ -n "$ticker" ]; then kill "$ticker" 2>/dev/null || true; fi
  if [ -n "$STARTED_SOCKET" ]; then kill "$STARTED_SOCKET" 2>/dev/null || true; fi
}
trap cleanup EXIT
# The experiments drive the containers from the release build the image was made of.
CALLBACKSIM_ENGINE="$ENGINE" CALLBACKSIM_COMPOSE="$COMPOSE" CALLBACKSIM_BIN="$PWD/.build/release" \
  python3 -m pytest -q Tests/ContainerTests
