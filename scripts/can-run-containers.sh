#!/usr/bin/env bash
# Whether `make test` can run the container tests here: a Docker engine answers, or we are root on a machine
# where podman is installed or installable with apt-get. Says plainly why not when it cannot.
if docker info >/dev/null 2>&1; then exit 0; fi
if [ "$(id -u)" -ne 0 ]; then
  echo "make test: SKIPPED the container tests: no Docker engine answers and podman is set up here only as root" >&2
  exit 1
fi
if command -v podman >/dev/null 2>&1 || apt-cache show podman >/dev/null 2>&1; then exit 0; fi
echo "make test: SKIPPED the container tests: no Docker engine, and podman is neither installed nor installable" >&2
exit 1
