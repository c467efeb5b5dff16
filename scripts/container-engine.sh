# Sourced by the container scripts: picks the container engine and the compose tool and makes them work.
# Sets ENGINE (docker or podman) and COMPOSE (the compose command). With a Docker engine running, that is used
# as it is. Otherwise rootful podman (installed with apt-get when missing, as root) with runc and
# deploy/podman/containers.conf, and docker-compose 1.29 talking to podman's Docker-compatible API socket, which
# `start_compose_socket` starts when it is not running (and sets STARTED_SOCKET to its pid). The socket is
# callbacksim's own (not podman's default, which a user's own service may hold), and a service left on it by
# another clone, or started with another config, is replaced: its containers would miss this clone's ulimits.
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if docker info >/dev/null 2>&1; then
  ENGINE=docker
  if docker compose version >/dev/null 2>&1; then COMPOSE="docker compose"; else COMPOSE="docker-compose"; fi
else
  if [ "$(id -u)" -ne 0 ]; then
    echo "container-engine: no Docker engine, and podman is set up here only as root" >&2
    return 1 2>/dev/null || exit 1
  fi
  packages=()
  command -v podman >/dev/null 2>&1 || packages+=(podman)
  command -v runc >/dev/null 2>&1 || [ -x /usr/sbin/runc ] || packages+=(runc)
  command -v docker-compose >/dev/null 2>&1 || packages+=(docker-compose)
  if [ ${#packages[@]} -gt 0 ]; then
    echo "container-engine: installing ${packages[*]} with apt-get" >&2
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${packages[@]}" >/dev/null
  fi
  export CONTAINERS_CONF="$REPO/deploy/podman/containers.conf"
  ENGINE=podman
  PODMAN_SOCKET=/run/callbacksim/podman.sock
  export DOCKER_HOST="unix://$PODMAN_SOCKET"
  COMPOSE="docker-compose"
fi

podman_service_answers() {
  curl -sf --unix-socket "$PODMAN_SOCKET" http://d/_ping >/dev/null 2>&1
}

start_compose_socket() {
  STARTED_SOCKET=""
  [ "$ENGINE" = podman ] || return 0
  local pidfile="${PODMAN_SOCKET%.sock}.pid" running=""
  running="$(cat "$pidfile" 2>/dev/null || true)"
  if podman_service_answers; then
    if [ -n "$running" ] && tr '\0' '\n' <"/proc/$running/environ" 2>/dev/null | grep -qxF "CONTAINERS_CONF=$CONTAINERS_CONF"; then
      return 0
    fi
    echo "container-engine: replacing a podman service on $PODMAN_SOCKET started with another config" >&2
    if [ -n "$running" ]; then kill "$running" 2>/dev/null || true; fi
    for _ in $(seq 50); do podman_service_answers || break; sleep 0.1; done
    if podman_service_answers; then
      echo "container-engine: could not stop the service on $PODMAN_SOCKET (pid file: $pidfile)" >&2
      return 1
    fi
  fi
  rm -f "$PODMAN_SOCKET"
  mkdir -p "$(dirname "$PODMAN_SOCKET")"
  nohup podman system service --time=0 "$DOCKER_HOST" </dev/null >/tmp/callbacksim-podman-service.log 2>&1 &
  STARTED_SOCKET=$!
  echo "$STARTED_SOCKET" >"$pidfile"
  for _ in $(seq 100); do
    podman_service_answers && return 0
    sleep 0.1
  done
  echo "container-engine: podman's API socket did not come up (see /tmp/callbacksim-podman-service.log)" >&2
  return 1
}
