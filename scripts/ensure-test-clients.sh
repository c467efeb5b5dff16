#!/usr/bin/env bash
# Installs the real AWS clients the gateway's tests drive, when missing: boto3, the AWS CLI and pytest from PyPI,
# and botocore 1.29.165's SQS model (the last of the query protocol, which older SDKs still speak); PyYAML and
# kubernetes-validate for the deployment files' checks; moto's server, the other emulator `bench --endpoint` is
# tested against; and the console's real browser: Debian's chromium and chromium-driver, driven by Selenium from
# PyPI, and Node.js for the console scripts' unit tests.
set -euo pipefail
cd "$(dirname "$0")/.."
missing=()
python3 -c "import boto3" 2>/dev/null || missing+=(boto3)
python3 -c "import pytest" 2>/dev/null || missing+=(pytest)
python3 -c "import yaml" 2>/dev/null || missing+=(pyyaml)
python3 -c "import kubernetes_validate" 2>/dev/null || missing+=(kubernetes-validate)
python3 -c "import selenium" 2>/dev/null || missing+=(selenium)
python3 -c "import moto.server, flask_cors" 2>/dev/null || missing+=("moto[server]")
command -v aws >/dev/null 2>&1 || missing+=(awscli)
packages=()
command -v chromium >/dev/null 2>&1 || packages+=(chromium)
command -v chromedriver >/dev/null 2>&1 || packages+=(chromium-driver)
command -v node >/dev/null 2>&1 || packages+=(nodejs)
if [ ${#packages[@]} -gt 0 ]; then
  echo "ensure-test-clients: installing ${packages[*]} with apt-get" >&2
  sudo=$([ "$(id -u)" -eq 0 ] || echo sudo)
  $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${packages[@]}" >/dev/null
fi
if [ ${#missing[@]} -gt 0 ]; then
  echo "ensure-test-clients: installing ${missing[*]} with pip" >&2
  python3 -m pip install -q "${missing[@]}"
fi
model=.build/legacy-sqs-model/sqs/2012-11-05/service-2.json
if [ ! -f "$model" ]; then
  echo "ensure-test-clients: fetching botocore 1.29.165's SQS model (query protocol)" >&2
  scratch=$(mktemp -d)
  python3 -m pip download -q --no-deps -d "$scratch" botocore==1.29.165
  mkdir -p "$(dirname "$model")"
  python3 - "$scratch" "$model" <<'PY'
import glob, sys, zipfile
wheel = glob.glob(sys.argv[1] + "/botocore-1.29.165-*.whl")[0]
with zipfile.ZipFile(wheel) as archive:
    open(sys.argv[2], "wb").write(archive.read("botocore/data/sqs/2012-11-05/service-2.json"))
PY
  rm -rf "$scratch"
fi
