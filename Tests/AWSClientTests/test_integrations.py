"""The callback pattern in the shapes users build it beyond the sample: a parent that starts a child and waits
for it (.sync, .sync:2), or for the child's callback (.waitForTaskToken, answered by aws-sdk:sfn:sendTaskSuccess),
and AWS SDK integrations with SQS and SNS."""
import json

import pytest

from helpers import history, wait_for_end

ROLE = "arn:aws:iam::000000000000:role/test"


def create(sfn, name, definition):
    return sfn.create_state_machine(name=name, definition=json.dumps(definition), roleArn=ROLE)["stateMachineArn"]


@pytest.fixture(scope="module")
def child(topology):
    sfn = topology.client("stepfunctions")
    return create(sfn, "Child", {"StartAt": "Double", "States": {"Double": {
        "Type": "Pass", "Parameters": {"doubled.$": "States.MathAdd($.n, $.n)"}, "End": True}}})


@pytest.mark.parametrize("suffix, parsed", [(".sync", False), (".sync:2", True)])
def test_a_parent_waits_for_its_child(sfn, child, suffix, parsed):
    parent = create(sfn, f"Parent{'2' if parsed else '1'}", {"StartAt": "Run child", "States": {"Run child": {
        "Type": "Task", "Resource": f"arn:aws:states:::states:startExecution{suffix}",
        "Parameters": {"StateMachineArn": child, "Input": {"n.$": "$.n",
                                                           "AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID.$": "$$.Execution.Id"}},
        "ResultSelector": {"output.$": "$.Output", "status.$": "$.Status", "child.$": "$.ExecutionArn"},
        "End": True}}})
    execution = sfn.start_execution(stateMachineArn=parent, input=json.dumps({"n": 21}))["executionArn"]
    result = json.loads(wait_for_end(sfn, execution)["output"])
    assert result["status"] == "SUCCEEDED"
    assert (result["output"] if parsed else json.loads(result["output"])) == {"doubled": 42}
    started = sfn.describe_execution(executionArn=result["child"])
    assert started["stateMachineArn"] == child
    assert json.loads(started["input"])["AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID"] == execution
    types = [e["type"] for e in history(sfn, execution)]
    assert types[types.index("TaskScheduled"):types.index("TaskSucceeded") + 1] == [
        "TaskScheduled", "TaskStarted", "TaskSubmitted", "TaskSucceeded"]


def test_a_failing_child_fails_the_parents_task(sfn):
    failing = create(sfn, "FailingChild", {"StartAt": "F", "States": {"F": {"Type": "Fail", "Error": "Broken"}}})
    parent = create(sfn, "ParentOfFailure", {"StartAt": "Run", "States": {"Run": {
        "Type": "Task", "Resource": "arn:aws:states:::states:startExecution.sync:2",
        "Parameters": {"StateMachineArn": failing}, "End": True}}})
    description = wait_for_end(sfn, sfn.start_execution(stateMachineArn=parent)["executionArn"])
    assert description["status"] == "FAILED" and description["error"] == "States.TaskFailed"
    assert json.loads(description["cause"])["Error"] == "Broken"


def test_a_child_answers_its_parents_token_through_the_sdk_integration(sfn):
    answering = create(sfn, "AnsweringChild", {"StartAt": "Answer", "States": {"Answer": {
        "Type": "Task", "Resource": "arn:aws:states:::aws-sdk:sfn:sendTaskSuccess",
        "Parameters": {"TaskToken.$": "$.token", "Output.$": "States.JsonToString($.reply)"}, "End": True}}})
    parent = create(sfn, "WaitingParent", {"StartAt": "Ask", "States": {"Ask": {
        "Type": "Task", "Resource": "arn:aws:states:::states:startExecution.waitForTaskToken",
        "Parameters": {"StateMachineArn": answering, "Input": {"token.$": "$$.Task.Token", "reply": {"ok": True}}},
        "End": True}}})
    description = wait_for_end(sfn, sfn.start_execution(stateMachineArn=parent)["executionArn"])
    assert description["status"] == "SUCCEEDED" and json.loads(description["output"]) == {"ok": True}
    # The same integration with a token nobody issued fails with the SDK's error name.
    stray = create(sfn, "StrayAnswer", {"StartAt": "Answer", "States": {"Answer": {
        "Type": "Task", "Resource": "arn:aws:states:::aws-sdk:sfn:sendTaskSuccess",
        "Parameters": {"TaskToken": "AQnotatoken", "Output": "{}"},
        "Catch": [{"ErrorEquals": ["Sfn.InvalidTokenException"], "Next": "Caught"}], "End": True},
        "Caught": {"Type": "Pass", "End": True}}})
    caught = wait_for_end(sfn, sfn.start_execution(stateMachineArn=stray)["executionArn"])
    assert caught["status"] == "SUCCEEDED"


def test_sdk_integrations_with_sqs_and_sns(sfn, sqs, sns):
    url = sqs.create_queue(QueueName="sdk-target")["QueueUrl"]
    topic = sns.create_topic(Name="sdk-topic")["TopicArn"]
    machine = create(sfn, "SdkCalls", {"StartAt": "Url", "States": {
        "Url": {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:sqs:getQueueUrl",
                "Parameters": {"QueueName": "sdk-target"}, "ResultPath": "$.queue", "Next": "Send"},
        "Send": {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:sqs:sendMessage",
                 "Parameters": {"QueueUrl.$": "$.queue.QueueUrl", "MessageBody": "via the SDK integration"},
                 "ResultPath": "$.sent", "Next": "Publish"},
        "Publish": {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:sns:publish",
                    "Parameters": {"TopicArn": topic, "Message": "published"}, "ResultPath": "$.published",
                    "Next": "Missing"},
        "Missing": {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:sqs:getQueueUrl",
                    "Parameters": {"QueueName": "no-such-queue"},
                    "Catch": [{"ErrorEquals": ["Sqs.QueueDoesNotExistException"], "ResultPath": "$.error",
                               "Next": "Done"}], "End": True},
        "Done": {"Type": "Pass", "End": True}}})
    description = wait_for_end(sfn, sfn.start_execution(stateMachineArn=machine)["executionArn"])
    assert description["status"] == "SUCCEEDED", description
    output = json.loads(description["output"])
    assert output["queue"]["QueueUrl"].endswith("/000000000000/sdk-target")
    assert "MessageId" in output["sent"] and "MessageId" in output["published"]
    assert output["error"]["Error"] == "Sqs.QueueDoesNotExistException"
    assert sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1)["Messages"][0]["Body"] == "via the SDK integration"


def test_an_operation_callbacksim_does_not_serve_is_refused_at_creation(sfn):
    with pytest.raises(sfn.exceptions.InvalidDefinition):
        create(sfn, "NoSuchSqsCall", {"StartAt": "T", "States": {"T": {
            "Type": "Task", "Resource": "arn:aws:states:::aws-sdk:sqs:addPermission",
            "Parameters": {"QueueUrl": "q"}, "End": True}}})
