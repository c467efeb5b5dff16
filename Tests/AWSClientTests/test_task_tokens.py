"""Every way a callback can be wrong, each raised by boto3 as the exception class AWS's own error gives."""
import json
import time

import pytest

from helpers import wait_for_end, well_formed_token


@pytest.fixture(scope="module")
def probe(topology):
    """A state machine whose task waits for a token it sends to a queue, timing out after 2 seconds."""
    sfn, sqs = topology.client("stepfunctions"), topology.client("sqs")
    url = sqs.create_queue(QueueName="token-probe")["QueueUrl"]
    definition = {
        "StartAt": "Wait for callback",
        "States": {"Wait for callback": {
            "Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken", "TimeoutSeconds": 2,
            "Parameters": {"QueueUrl": url, "MessageBody": {"token.$": "$$.Task.Token"}}, "End": True}},
    }
    arn = sfn.create_state_machine(
        name="TokenProbe", definition=json.dumps(definition),
        roleArn="arn:aws:iam::000000000000:role/probe")["stateMachineArn"]
    return arn, url


def started_task(sfn, sqs, probe):
    arn, url = probe
    execution = sfn.start_execution(stateMachineArn=arn)["executionArn"]
    for _ in range(50):
        messages = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1).get("Messages", [])
        if messages:
            sqs.delete_message(QueueUrl=url, ReceiptHandle=messages[0]["ReceiptHandle"])
            return execution, json.loads(messages[0]["Body"])["token"]
    raise AssertionError("the task's message never arrived")


def test_a_malformed_token_is_invalid_token(sfn):
    with pytest.raises(sfn.exceptions.InvalidToken):
        sfn.send_task_success(taskToken="not-a-token", output="{}")
    with pytest.raises(sfn.exceptions.InvalidToken):
        sfn.send_task_heartbeat(taskToken='"quoted"')


def test_a_well_formed_unknown_token_is_task_does_not_exist(sfn):
    with pytest.raises(sfn.exceptions.TaskDoesNotExist):
        sfn.send_task_failure(taskToken=well_formed_token(), error="E", cause="c")


def test_output_that_is_not_json_is_invalid_output_and_the_task_still_waits(sfn, sqs, probe):
    execution, token = started_task(sfn, sqs, probe)
    with pytest.raises(sfn.exceptions.InvalidOutput):
        sfn.send_task_success(taskToken=token, output="{not json")
    sfn.send_task_heartbeat(taskToken=token)
    sfn.send_task_success(taskToken=token, output=json.dumps({"ok": True}))
    description = wait_for_end(sfn, execution)
    assert description["status"] == "SUCCEEDED"
    assert json.loads(description["output"]) == {"ok": True}
    # Used once: the second answer is too late.
    with pytest.raises(sfn.exceptions.TaskTimedOut):
        sfn.send_task_success(taskToken=token, output="{}")


def test_a_token_past_its_timeout_is_task_timed_out(sfn, sqs, probe):
    execution, token = started_task(sfn, sqs, probe)
    description = wait_for_end(sfn, execution, timeout=15)
    assert description["status"] == "FAILED"
    assert description["error"] == "States.Timeout"
    with pytest.raises(sfn.exceptions.TaskTimedOut):
        sfn.send_task_success(taskToken=token, output="{}")
    with pytest.raises(sfn.exceptions.TaskTimedOut):
        sfn.send_task_heartbeat(taskToken=token)
