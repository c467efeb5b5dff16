"""Step Functions operations beyond the callback itself, through boto3: revisions, deletion, validation,
TestState, synchronous EXPRESS executions, redrive, tags, and paging."""
import json
import time

import pytest

from helpers import history, wait_for_end

ROLE = "arn:aws:iam::000000000000:role/test"


def machine(sfn, name, states, start, kind="STANDARD", **extra):
    definition = json.dumps({"StartAt": start, "States": states, **extra})
    return sfn.create_state_machine(name=name, definition=definition, roleArn=ROLE, type=kind)["stateMachineArn"]


def test_an_update_leaves_running_executions_on_their_revision(sfn):
    arn = machine(sfn, "Revised", {"Wait": {"Type": "Wait", "Seconds": 1, "Next": "Done"},
                                   "Done": {"Type": "Pass", "Result": "v1", "End": True}}, "Wait")
    first_revision = sfn.describe_state_machine(stateMachineArn=arn)["revisionId"]
    old = sfn.start_execution(stateMachineArn=arn)["executionArn"]
    updated = sfn.update_state_machine(stateMachineArn=arn, definition=json.dumps(
        {"StartAt": "Done", "States": {"Done": {"Type": "Pass", "Result": "v2", "End": True}}}))
    assert updated["revisionId"] != first_revision
    new = sfn.start_execution(stateMachineArn=arn)["executionArn"]
    assert json.loads(wait_for_end(sfn, old)["output"]) == "v1"
    assert json.loads(wait_for_end(sfn, new)["output"]) == "v2"
    described = sfn.describe_state_machine_for_execution(executionArn=old)
    assert described["revisionId"] == first_revision and '"v1"' in described["definition"]
    with pytest.raises(sfn.exceptions.ClientError) as refused:
        sfn.update_state_machine(stateMachineArn=arn)
    assert refused.value.response["Error"]["Code"] == "MissingRequiredParameter"


def test_a_deleted_machine_lets_its_running_execution_finish(sfn):
    arn = machine(sfn, "Doomed", {"Wait": {"Type": "Wait", "Seconds": 1, "End": True}}, "Wait")
    running = sfn.start_execution(stateMachineArn=arn)["executionArn"]
    sfn.delete_state_machine(stateMachineArn=arn)
    assert sfn.describe_state_machine(stateMachineArn=arn)["status"] == "DELETING"
    with pytest.raises(sfn.exceptions.StateMachineDeleting):
        sfn.start_execution(stateMachineArn=arn)
    assert wait_for_end(sfn, running)["status"] == "SUCCEEDED"
    with pytest.raises(sfn.exceptions.StateMachineDoesNotExist):
        sfn.describe_state_machine(stateMachineArn=arn)
    assert sfn.describe_execution(executionArn=running)["status"] == "SUCCEEDED"
    sfn.delete_state_machine(stateMachineArn=arn)  # deleting what is gone is not an error


def test_validation_as_create_sees_it(sfn):
    ok = sfn.validate_state_machine_definition(definition=json.dumps(
        {"StartAt": "A", "States": {"A": {"Type": "Pass", "End": True}}}))
    assert ok["result"] == "OK" and ok["diagnostics"] == []
    bad = sfn.validate_state_machine_definition(definition=json.dumps(
        {"StartAt": "Missing", "States": {"A": {"Type": "Pass", "End": True}}}))
    assert bad["result"] == "FAIL" and bad["diagnostics"][0]["severity"] == "ERROR"
    express = sfn.validate_state_machine_definition(type="EXPRESS", definition=json.dumps(
        {"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
                                          "Parameters": {"QueueUrl": "q", "MessageBody.$": "$$.Task.Token"},
                                          "End": True}}}))
    assert express["result"] == "FAIL"
    with pytest.raises(sfn.exceptions.InvalidDefinition) as refused:
        machine(sfn, "NoDynamo", {"T": {"Type": "Task", "Resource": "arn:aws:states:::dynamodb:putItem",
                                        "Parameters": {"TableName": "t", "Item": {}}, "End": True}}, "T")
    assert "no integration" in str(refused.value)


def test_test_state_runs_one_state(sfn, sqs):
    passed = sfn.test_state(definition=json.dumps(
        {"Type": "Pass", "Parameters": {"doubled.$": "States.MathAdd($.n, $.n)"}, "Next": "Later"}),
        roleArn=ROLE, input=json.dumps({"n": 21}), inspectionLevel="DEBUG")
    assert passed["status"] == "SUCCEEDED" and json.loads(passed["output"]) == {"doubled": 42}
    assert passed["nextState"] == "Later" and json.loads(passed["inspectionData"]["input"]) == {"n": 21}
    chosen = sfn.test_state(definition=json.dumps(
        {"Type": "Choice", "Choices": [{"Variable": "$.n", "NumericGreaterThan": 10, "Next": "Big"}],
         "Default": "Small"}), roleArn=ROLE, input=json.dumps({"n": 21}))
    assert chosen["nextState"] == "Big"
    failed = sfn.test_state(definition=json.dumps({"Type": "Fail", "Error": "Oops", "Cause": "why"}), roleArn=ROLE)
    assert (failed["status"], failed["error"], failed["cause"]) == ("FAILED", "Oops", "why")
    url = sqs.create_queue(QueueName="test-state")["QueueUrl"]
    sent = sfn.test_state(definition=json.dumps(
        {"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage",
         "Parameters": {"QueueUrl": url, "MessageBody.$": "$.body"}, "End": True}),
        roleArn=ROLE, input=json.dumps({"body": "from TestState"}))
    assert sent["status"] == "SUCCEEDED" and "MessageId" in json.loads(sent["output"])
    assert sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1)["Messages"][0]["Body"] == "from TestState"
    caught = sfn.test_state(definition=json.dumps(
        {"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage",
         "Parameters": {"QueueUrl": url + "-missing", "MessageBody": "x"},
         "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Handle"}], "End": True}), roleArn=ROLE)
    assert caught["status"] == "CAUGHT_ERROR" and caught["nextState"] == "Handle"
    assert caught["error"] == "SQS.QueueDoesNotExistException"
    mocked = sfn.test_state(definition=json.dumps(
        {"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
         "Parameters": {"QueueUrl": url, "MessageBody.$": "$$.Task.Token"}, "End": True}),
        roleArn=ROLE, mock={"result": json.dumps({"status": 200})})
    assert mocked["status"] == "SUCCEEDED" and json.loads(mocked["output"]) == {"status": 200}


def test_an_express_machine_answers_synchronously(sfn):
    express = machine(sfn, "Quick", {"Add": {"Type": "Pass", "Parameters": {"sum.$": "States.MathAdd($.a, $.b)"},
                                             "End": True}}, "Add", kind="EXPRESS")
    answer = sfn.start_sync_execution(stateMachineArn=express, input=json.dumps({"a": 1, "b": 2}))
    assert answer["status"] == "SUCCEEDED" and json.loads(answer["output"]) == {"sum": 3}
    assert ":express:Quick:" in answer["executionArn"]
    failing = machine(sfn, "QuickFail", {"F": {"Type": "Fail", "Error": "Nope"}}, "F", kind="EXPRESS")
    assert sfn.start_sync_execution(stateMachineArn=failing)["status"] == "FAILED"
    standard = machine(sfn, "Slow", {"A": {"Type": "Pass", "End": True}}, "A")
    with pytest.raises(sfn.exceptions.StateMachineTypeNotSupported):
        sfn.start_sync_execution(stateMachineArn=standard)


def test_a_failed_execution_is_redriven_from_the_state_that_failed(sfn, sqs):
    url = f"{sqs.meta.endpoint_url}/000000000000/redriven-later"
    arn = machine(sfn, "Redrivable", {
        "First": {"Type": "Pass", "Result": {"step": 1}, "ResultPath": "$.first", "Next": "Send"},
        "Send": {"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage",
                 "Parameters": {"QueueUrl": url, "MessageBody.$": "$.first"}, "End": True}}, "First")
    execution = sfn.start_execution(stateMachineArn=arn, input="{}")["executionArn"]
    failed = wait_for_end(sfn, execution)
    assert failed["status"] == "FAILED" and failed["redriveStatus"] == "REDRIVABLE"
    sqs.create_queue(QueueName="redriven-later")
    sfn.redrive_execution(executionArn=execution)
    done = wait_for_end(sfn, execution)
    assert done["status"] == "SUCCEEDED" and done["redriveCount"] == 1
    types = [e["type"] for e in history(sfn, execution)]
    assert types.count("PassStateEntered") == 1, "the state that succeeded is not run again"
    assert "ExecutionRedriven" in types and types[-1] == "ExecutionSucceeded"
    assert json.loads(sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1)["Messages"][0]["Body"]) == {"step": 1}
    redriven = sfn.list_executions(stateMachineArn=arn, redriveFilter="REDRIVEN")["executions"]
    assert [e["executionArn"] for e in redriven] == [execution]
    with pytest.raises(sfn.exceptions.ExecutionNotRedrivable):
        sfn.redrive_execution(executionArn=execution)


def test_tags(sfn):
    arn = machine(sfn, "Tagged", {"A": {"Type": "Pass", "End": True}}, "A")
    sfn.tag_resource(resourceArn=arn, tags=[{"key": "team", "value": "callbacks"}, {"key": "env", "value": "dev"}])
    sfn.untag_resource(resourceArn=arn, tagKeys=["env"])
    assert sfn.list_tags_for_resource(resourceArn=arn)["tags"] == [{"key": "team", "value": "callbacks"}]
    with pytest.raises(sfn.exceptions.ResourceNotFound):
        sfn.list_tags_for_resource(resourceArn=arn.replace("Tagged", "Untagged"))


def test_paginators_walk_history_and_executions(sfn):
    arn = machine(sfn, "Long", {"Each": {"Type": "Map", "ItemsPath": "$.items", "End": True,
                                         "Iterator": {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}}},
                  "Each")
    execution = sfn.start_execution(stateMachineArn=arn, input=json.dumps({"items": list(range(40))}))["executionArn"]
    wait_for_end(sfn, execution)
    pages = list(sfn.get_paginator("get_execution_history").paginate(
        executionArn=execution, PaginationConfig={"PageSize": 50}))
    events = [e for page in pages for e in page["events"]]
    assert len(pages) > 2 and [e["id"] for e in events] == list(range(1, len(events) + 1))
    backwards = [e["id"] for page in sfn.get_paginator("get_execution_history").paginate(
        executionArn=execution, reverseOrder=True, PaginationConfig={"PageSize": 30}) for e in page["events"]]
    assert backwards == list(range(len(events), 0, -1))
    bare = sfn.get_execution_history(executionArn=execution, includeExecutionData=False, maxResults=3)["events"]
    assert "input" not in bare[0]["executionStartedEventDetails"]
    for index in range(5):
        sfn.start_execution(stateMachineArn=arn, name=f"run-{index}", input=json.dumps({"items": []}))
    listed = [e["name"] for page in sfn.get_paginator("list_executions").paginate(
        stateMachineArn=arn, PaginationConfig={"PageSize": 2}) for e in page["executions"]]
    assert len(listed) == 6 and len(set(listed)) == 6


def test_stop_execution_records_error_and_cause(sfn):
    arn = machine(sfn, "Stoppable", {"Wait": {"Type": "Wait", "Seconds": 60, "End": True}}, "Wait")
    execution = sfn.start_execution(stateMachineArn=arn)["executionArn"]
    sfn.stop_execution(executionArn=execution, error="Operator", cause="no longer needed")
    description = sfn.describe_execution(executionArn=execution)
    assert (description["status"], description["error"], description["cause"]) == (
        "ABORTED", "Operator", "no longer needed")
