"""`callbacksim up --external api-simulator`: the topology without its api-simulator, and the README's own boto3
worker (examples/worker.py, run as it is) answering the seed workflow's callbacks through the gateway."""
import json
import os
import re
import subprocess
import sys
import time

import pytest

from conftest import ROOT, start_topology, stop_topology
from helpers import history, machine_arn, wait_for_end

WORKER = ROOT / "examples" / "worker.py"


@pytest.fixture(scope="module")
def external():
    started = start_topology("--external", "api-simulator")
    yield started
    stop_topology(started)


def test_the_readme_shows_the_worker_as_it_is():
    readme = (ROOT / "README.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", readme, re.S)
    assert WORKER.read_text() in blocks


def test_the_users_worker_answers_the_seed_workflow(external):
    status = json.loads(external.cli("status").stdout)
    assert {s["name"]: s["health"] for s in status}["api-simulator"] == "external"
    worker = subprocess.Popen([sys.executable, str(WORKER)], env=dict(os.environ, AWS_ENDPOINT_URL=external.endpoint),
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        sfn, logs = external.client("stepfunctions"), external.client("logs")
        arn = machine_arn(sfn, "WorkflowAsyncAPICallbackPattern")
        runs = {outcome: sfn.start_execution(stateMachineArn=arn, input=json.dumps(
            {"waitTime": 1, "status": outcome}))["executionArn"] for outcome in ["success", "failure"]}
        for outcome, execution in runs.items():
            assert wait_for_end(sfn, execution, timeout=60)["status"] == "SUCCEEDED"
            entered = [e["stateEnteredEventDetails"]["name"] for e in history(sfn, execution)
                       if "stateEnteredEventDetails" in e]
            expected = "Success" if outcome == "success" else "Error"
            assert entered[-1] == f"SNS Publish - Send {expected} Notification"
        texts = []
        for _ in range(50):
            texts = [e["message"] for e in logs.filter_log_events(
                logGroupName="/aws/lambda/WorkflowResponseLogger")["events"]]
            if len(texts) >= 2:
                break
            time.sleep(0.2)
        assert any("API Executed Successfully" in t for t in texts) and any("API Failed" in t for t in texts)
        assert worker.poll() is None, worker.stdout.read()
    finally:
        worker.terminate()
        worker.wait(timeout=30)
