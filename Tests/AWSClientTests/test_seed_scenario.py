"""The upstream sample's own test steps, driven only through boto3: start, describe, history, the notification in
the log group through the Logs API."""
import json

from helpers import history, machine_arn, wait_for_end

SEED = "WorkflowAsyncAPICallbackPattern"


def test_both_outcomes_end_as_on_aws_and_are_logged(sfn, logs):
    arn = machine_arn(sfn, SEED)
    cases = [
        ({"waitTime": 1, "status": "success"}, "SNS Publish - Send Success Notification", "API Executed Successfully"),
        ({"waitTime": 1, "status": "failure"}, "SNS Publish - Send Error Notification", "API Failed"),
    ]
    started = [(sfn.start_execution(stateMachineArn=arn, input=json.dumps(case))["executionArn"], state, text)
               for case, state, text in cases]
    for execution, last_state, text in started:
        description = wait_for_end(sfn, execution)
        assert description["status"] == "SUCCEEDED"
        assert description["stateMachineArn"] == arn
        events = history(sfn, execution)
        assert events[0]["type"] == "ExecutionStarted"
        assert events[-1]["type"] == "ExecutionSucceeded"
        entered = [e["stateEnteredEventDetails"]["name"] for e in events if "stateEnteredEventDetails" in e]
        assert entered[0] == "Invoke Async API & Wait For CallBack"
        assert entered[-1] == last_state
        # The publish task's MessageId is the SNS message the logger logged.
        published = [json.loads(e["taskSucceededEventDetails"]["output"]) for e in events
                     if e["type"] == "TaskSucceeded" and e["taskSucceededEventDetails"]["resourceType"] == "sns"]
        message_id = published[-1]["MessageId"]
        found = []
        for _ in range(50):
            found = logs.filter_log_events(
                logGroupName="/aws/lambda/WorkflowResponseLogger", filterPattern=f'"{message_id}"')["events"]
            if found:
                break
            import time
            time.sleep(0.2)
        assert len(found) == 1
        assert text in found[0]["message"]


def test_the_log_group_pages_and_filters_as_cloudwatch_does(sfn, logs):
    arn = machine_arn(sfn, SEED)
    executions = [sfn.start_execution(stateMachineArn=arn, input=json.dumps({"waitTime": 0, "status": s}))
                  for s in ["success", "failure", "success"]]
    for execution in executions:
        wait_for_end(sfn, execution["executionArn"])
    group = "/aws/lambda/WorkflowResponseLogger"
    groups = logs.describe_log_groups(logGroupNamePrefix="/aws/lambda/")["logGroups"]
    assert [g["logGroupName"] for g in groups] == [group]
    streams = logs.describe_log_streams(logGroupName=group)["logStreams"]
    assert streams and streams[0]["logStreamName"].endswith("[$LATEST]notification-logger")
    import time
    for _ in range(50):
        everything = [e for page in logs.get_paginator("filter_log_events").paginate(logGroupName=group)
                      for e in page["events"]]
        if len(everything) >= 3:
            break
        time.sleep(0.2)
    paged = [e for page in logs.get_paginator("filter_log_events").paginate(
        logGroupName=group, PaginationConfig={"PageSize": 1}) for e in page["events"]]
    assert [e["eventId"] for e in paged] == [e["eventId"] for e in everything]
    assert all(isinstance(e["timestamp"], int) and e["timestamp"] > 1_600_000_000_000 for e in everything)
    failures = logs.filter_log_events(logGroupName=group, filterPattern='"API Failed"')["events"]
    assert failures and all("API Failed" in e["message"] for e in failures)
    assert len(failures) < len(everything)
    json_filter = logs.filter_log_events(logGroupName=group, filterPattern="{ $.statusCode = 200 }")["events"]
    assert len(json_filter) == len(everything)
    later = logs.filter_log_events(logGroupName=group, startTime=everything[-1]["timestamp"] + 1)["events"]
    assert later == []
    stream = streams[-1]["logStreamName"]
    newest = logs.get_log_events(logGroupName=group, logStreamName=stream, limit=1)
    assert newest["events"][0]["message"] == everything[-1]["message"]
    older = logs.get_log_events(
        logGroupName=group, logStreamName=stream, limit=1, nextToken=newest["nextBackwardToken"])
    assert older["events"][0]["message"] == everything[-2]["message"]
    try:
        logs.filter_log_events(logGroupName="/aws/lambda/Nope")
        raise AssertionError("expected ResourceNotFoundException")
    except logs.exceptions.ResourceNotFoundException:
        pass
