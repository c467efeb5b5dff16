"""docker-compose.yml in real containers, from the image `make image` builds: the health checks gate the start,
the seed scenario runs through the published gateway with boto3 and from the cli service inside the network, the
orchestrator's container is killed (kill -9 of its process) and restarted while 20 executions wait, and every
container stops cleanly on SIGTERM. `scripts/test-containers.sh` runs this (`make test-containers`), and takes
everything down whatever happens."""
import json
import os
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import boto3
import pytest

ROOT = Path(__file__).resolve().parents[2]
ENGINE = os.environ.get("CALLBACKSIM_ENGINE", "podman")
COMPOSE = os.environ.get("CALLBACKSIM_COMPOSE", "docker-compose").split()
PROJECT = "callbacksim-test"
SEED = "WorkflowAsyncAPICallbackPattern"
LOG_GROUP = "/aws/lambda/WorkflowResponseLogger"
LONG_RUNNING = ["orchestrator", "queue-broker", "api-simulator", "callback-sender", "notification-logger",
                "aws-gateway"]
EXPECTED = {"success": ("SNS Publish - Send Success Notification", "API Executed Successfully"),
            "failure": ("SNS Publish - Send Error Notification", "API Failed")}


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


PORT = free_port()
ENV = {**os.environ, "CALLBACKSIM_PUBLISHED_PORT": str(PORT)}


def compose(*arguments, check=True, timeout=300):
    result = subprocess.run(COMPOSE + ["-p", PROJECT, "-f", str(ROOT / "docker-compose.yml"), *arguments],
                            capture_output=True, text=True, env=ENV, timeout=timeout)
    if check:
        assert result.returncode == 0, f"compose {' '.join(arguments)}:\n{result.stdout}{result.stderr}"
    return result


def engine(*arguments):
    return subprocess.run([ENGINE, *arguments], capture_output=True, text=True, timeout=120)


def container(service):
    identifier = compose("ps", "-q", service).stdout.strip()
    assert identifier, f"no container for {service}"
    return identifier


def inspect(service):
    return json.loads(engine("inspect", container(service)).stdout)[0]


@pytest.fixture(scope="module")
def stack():
    compose("down", "-v", "--remove-orphans", check=False)
    try:
        compose("up", "-d")
        yield f"http://127.0.0.1:{PORT}"
    except BaseException:
        print(compose("logs", "--tail", "40", check=False).stdout)
        raise
    finally:
        compose("down", "-v", "--remove-orphans", check=False)


@pytest.fixture(scope="module")
def clients(stack):
    config = dict(endpoint_url=stack, region_name="us-east-1", aws_access_key_id="test", aws_secret_access_key="test")
    return boto3.client("stepfunctions", **config), boto3.client("logs", **config)


def machine_arn(sfn):
    return next(m["stateMachineArn"] for m in sfn.list_state_machines()["stateMachines"] if m["name"] == SEED)


def ended(sfn, execution, timeout=120):
    deadline = time.time() + timeout
    while True:
        description = sfn.describe_execution(executionArn=execution)
        if description["status"] != "RUNNING" or time.time() > deadline:
            return description
        time.sleep(0.5)


def check_outcome(sfn, logs, execution, status):
    """The execution succeeded along the path AWS takes for `status`, and its notification is in the log."""
    assert ended(sfn, execution)["status"] == "SUCCEEDED"
    events = [e for page in sfn.get_paginator("get_execution_history").paginate(executionArn=execution)
              for e in page["events"]]
    entered = [e["stateEnteredEventDetails"]["name"] for e in events if "stateEnteredEventDetails" in e]
    last_state, text = EXPECTED[status]
    assert entered[-1] == last_state
    published = [json.loads(e["taskSucceededEventDetails"]["output"])["MessageId"] for e in events
                 if e["type"] == "TaskSucceeded" and e["taskSucceededEventDetails"]["resourceType"] == "sns"]
    assert len(published) == 1
    for _ in range(100):
        found = logs.filter_log_events(logGroupName=LOG_GROUP, filterPattern=f'"{published[0]}"')["events"]
        if found:
            break
        time.sleep(0.2)
    assert len(found) == 1 and text in found[0]["message"]


def test_the_compose_file_is_valid_for_the_compose_tool():
    result = compose("config", "-q")
    assert result.stderr.strip() == "" or "WARNING" not in result.stderr


def test_each_process_has_its_own_container_healthy_unprivileged_and_only_the_gateway_is_published(stack):
    for service in LONG_RUNNING:
        details = inspect(service)
        assert details["State"]["Running"], service
        assert details["State"]["Health"]["Status"] == "healthy", service
        assert details["Config"]["User"] == "10001:10001", service
        published = {port: bindings for port, bindings in (details["NetworkSettings"]["Ports"] or {}).items()
                     if bindings}
        if service == "aws-gateway":
            assert list(published) == ["4566/tcp"]
            assert published["4566/tcp"][0]["HostIp"] == "127.0.0.1"
        else:
            assert published == {}, service
    # The image has no shell.
    assert engine("run", "--rm", "--entrypoint", "/bin/sh", "callbacksim:local", "-c", "true").returncode != 0


def test_the_seed_scenario_through_the_published_gateway_with_boto3(clients):
    sfn, logs = clients
    arn = machine_arn(sfn)
    started = [(sfn.start_execution(stateMachineArn=arn, input=json.dumps({"waitTime": 1, "status": status}))
                ["executionArn"], status) for status in EXPECTED]
    for execution, status in started:
        check_outcome(sfn, logs, execution, status)


def test_the_gateway_container_serves_the_console(stack):
    """The console's files ship in the image's resource bundle: the page, its scripts and the layout engine."""
    for path, kind in [("/console/", "text/html"), ("/console/app.js", "text/javascript"),
                       ("/console/vendor/dagre.min.js", "text/javascript")]:
        with urllib.request.urlopen(f"http://127.0.0.1:{PORT}{path}", timeout=10) as reply:
            assert reply.status == 200 and reply.headers["Content-Type"].startswith(kind), path
            assert len(reply.read()) > 100, path


def test_the_cli_service_runs_the_demo_inside_the_network(stack):
    result = compose("run", "--rm", "cli", "demo")
    assert "demo: both outcomes are right" in result.stdout, result.stdout + result.stderr


def test_killing_the_orchestrator_container_loses_none_of_20_waiting_executions(clients):
    sfn, logs = clients
    arn = machine_arn(sfn)
    statuses = ["success", "failure"] * 10
    started = [sfn.start_execution(stateMachineArn=arn, input=json.dumps({"waitTime": 6, "status": status}))
               ["executionArn"] for status in statuses]
    # Wait until every one is paused on its task token.
    deadline = time.time() + 60
    while time.time() < deadline:
        waiting = sum(1 for execution in started if any(
            e["type"] == "TaskSubmitted" for e in sfn.get_execution_history(executionArn=execution)["events"]))
        if waiting == len(started):
            break
        time.sleep(0.3)
    assert waiting == len(started)
    before = inspect("orchestrator")
    os.kill(before["State"]["Pid"], 9)
    # The restart policy brings it back; a second start is only a fallback for engines that do not.
    deadline = time.time() + 30
    while time.time() < deadline:
        now = inspect("orchestrator")
        if now["State"]["Running"] and now["State"]["Pid"] != before["State"]["Pid"]:
            assert now["RestartCount"] == before["RestartCount"] + 1
            break
        time.sleep(0.3)
    else:
        engine("start", container("orchestrator"))
    for execution, status in zip(started, statuses):
        check_outcome(sfn, logs, execution, status)


def test_sigterm_stops_every_container_cleanly(stack):
    started = time.time()
    compose("stop", "--timeout", "10")
    assert time.time() - started < 10 * len(LONG_RUNNING)
    for service in LONG_RUNNING:
        state = inspect(service)["State"]
        assert not state["Running"] and state["ExitCode"] == 0, (service, state)
