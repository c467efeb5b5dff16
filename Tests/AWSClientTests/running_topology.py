"""A topology for tests that drive real clients: `callbacksim up` on Unix sockets in a temporary folder, the gateway
on a free port. Shared by the AWS client tests and the console's browser tests."""
import json
import os
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import boto3
import botocore.config

import model_check

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(os.environ.get("CALLBACKSIM_BIN", ROOT / ".build" / "debug"))
CREDENTIALS = dict(region_name="us-east-1", aws_access_key_id="test", aws_secret_access_key="test")


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Topology:
    endpoint: str
    port: int
    data: str

    def cli(self, *arguments, check=True):
        """Runs `callbacksim` against this topology."""
        result = subprocess.run(
            [str(BIN / "callbacksim"), *arguments, "--data-dir", self.data], capture_output=True, text=True,
            timeout=120)
        if check:
            assert result.returncode == 0, result.stderr + result.stdout
        return result

    def client(self, service, **config):
        client = boto3.client(
            service, endpoint_url=self.endpoint, config=botocore.config.Config(**config), **CREDENTIALS)
        return model_check.watch(client)


def start_topology(*extra):
    data = tempfile.mkdtemp(prefix="cbs-aws-")
    port = free_port()
    result = subprocess.run(
        [str(BIN / "callbacksim"), "up", "--ipc", "--data-dir", data, "--gateway-port", str(port), *extra],
        capture_output=True, text=True, timeout=180)
    if result.returncode != 0:
        subprocess.run([str(BIN / "callbacksim"), "down", "--data-dir", data], capture_output=True)
        raise RuntimeError(f"callbacksim up failed: {result.stderr}{result.stdout}")
    endpoint = json.loads(result.stdout)["endpoint"]
    return Topology(endpoint=endpoint, port=port, data=data)


def stop_topology(topology):
    subprocess.run([str(BIN / "callbacksim"), "down", "--data-dir", topology.data], capture_output=True)
    shutil.rmtree(topology.data, ignore_errors=True)
