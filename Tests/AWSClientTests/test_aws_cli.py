"""The AWS CLI, as users type it, against the gateway."""
import json
import os
import subprocess

import pytest

from conftest import CREDENTIALS


def aws(topology, *arguments):
    environment = dict(os.environ, AWS_ACCESS_KEY_ID=CREDENTIALS["aws_access_key_id"],
                       AWS_SECRET_ACCESS_KEY=CREDENTIALS["aws_secret_access_key"],
                       AWS_DEFAULT_REGION=CREDENTIALS["region_name"], AWS_PAGER="")
    return subprocess.run(["aws", "--endpoint-url", topology.endpoint, "--output", "json", *arguments],
                          capture_output=True, text=True, env=environment, timeout=60)


def test_the_seed_state_machine_is_listed_and_started(topology):
    listed = aws(topology, "stepfunctions", "list-state-machines")
    assert listed.returncode == 0, listed.stderr
    names = [m["name"] for m in json.loads(listed.stdout)["stateMachines"]]
    assert "WorkflowAsyncAPICallbackPattern" in names and "WorkflowExternalAsyncAPISimulator" in names
    arn = next(m["stateMachineArn"] for m in json.loads(listed.stdout)["stateMachines"]
               if m["name"] == "WorkflowAsyncAPICallbackPattern")
    started = aws(topology, "stepfunctions", "start-execution", "--state-machine-arn", arn,
                  "--input", json.dumps({"waitTime": 0, "status": "success"}))
    assert started.returncode == 0, started.stderr
    assert json.loads(started.stdout)["executionArn"].startswith("arn:aws:states:us-east-1:000000000000:execution:")


def test_sqs_through_the_cli_and_its_error_text(topology):
    created = aws(topology, "sqs", "create-queue", "--queue-name", "cli-queue")
    assert created.returncode == 0, created.stderr
    url = json.loads(created.stdout)["QueueUrl"]
    assert aws(topology, "sqs", "send-message", "--queue-url", url, "--message-body", "hi").returncode == 0
    received = aws(topology, "sqs", "receive-message", "--queue-url", url)
    assert json.loads(received.stdout)["Messages"][0]["Body"] == "hi"
    missing = aws(topology, "sqs", "get-queue-url", "--queue-name", "nope")
    assert missing.returncode == 255
    assert ("An error occurred (AWS.SimpleQueueService.NonExistentQueue) when calling the GetQueueUrl operation"
            in missing.stderr)


def test_a_token_error_through_the_cli(topology):
    failed = aws(topology, "stepfunctions", "send-task-success", "--task-token", "nope", "--task-output", "{}")
    assert failed.returncode == 255
    assert "An error occurred (InvalidToken) when calling the SendTaskSuccess operation" in failed.stderr


def test_lambda_and_logs_through_the_cli(topology, tmp_path):
    out = tmp_path / "out.json"
    invoked = aws(topology, "lambda", "invoke", "--function-name", "WorkflowResponseLogger",
                  "--payload", json.dumps({"Records": []}), str(out))
    assert invoked.returncode == 0, invoked.stderr
    assert json.loads(invoked.stdout)["FunctionError"] == "Unhandled"
    assert json.loads(out.read_text())["errorType"] == "TypeError"
    groups = aws(topology, "logs", "describe-log-groups")
    assert json.loads(groups.stdout)["logGroups"][0]["logGroupName"] == "/aws/lambda/WorkflowResponseLogger"
