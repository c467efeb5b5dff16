"""A running topology for the AWS client tests: `callbacksim up` on Unix sockets in a temporary folder, the gateway
on a free port, and boto3 clients pointed at it, each reply checked against botocore's model."""
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
import pytest

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


@pytest.fixture(scope="session")
def topology():
    started = start_topology()
    yield started
    stop_topology(started)


@pytest.fixture
def sfn(topology):
    # StartSyncExecution and TestState go to `sync-<host>` unless told not to, as with LocalStack.
    return topology.client("stepfunctions", inject_host_prefix=False)


@pytest.fixture
def sqs(topology):
    return topology.client("sqs")


@pytest.fixture
def sns(topology):
    return topology.client("sns")


@pytest.fixture
def logs(topology):
    return topology.client("logs")


@pytest.fixture
def lambda_client(topology):
    return topology.client("lambda")


@pytest.fixture(autouse=True)
def replies_fit_the_model():
    """Every reply a test received fits AWS's model of its operation."""
    model_check.problems.clear()
    yield
    problems = list(model_check.problems)
    model_check.problems.clear()
    assert problems == [], "replies that do not fit AWS's model:\n" + "\n".join(problems)
