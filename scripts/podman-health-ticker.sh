#!/usr/bin/env bash
# Podman runs containers' health checks from systemd timers; where there is no systemd (this CI machine, most
# containers) no check ever runs and `depends_on: condition: service_healthy` waits forever. This runs them
# instead, every INTERVAL seconds, for every running container that has one, until killed.
INTERVAL="${1:-2}"
while true; do
  for container in $(podman ps --quiet --filter health=starting --filter health=healthy --filter health=unhealthy \
    2>/dev/null); do
    podman healthcheck run "$container" >/dev/null 2>&1 &
  done
  wait
  sleep "$INTERVAL"
done
