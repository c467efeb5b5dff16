"""A running topology for the AWS client tests: `callbacksim up` on Unix sockets in a temporary folder, the gateway
on a free port, and boto3 clients pointed at it, each reply checked against botocore's model."""
import pytest

import model_check
from running_topology import BIN, CREDENTIALS, ROOT, Topology, free_port, start_topology, stop_topology  # noqa: F401


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
