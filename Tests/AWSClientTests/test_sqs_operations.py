"""The SQS operations a callback workflow's users call, through boto3 in both protocols."""
import json
import time

import pytest

from helpers import legacy_sqs


@pytest.fixture(params=["json", "query"])
def sqs_any(request, topology):
    return topology.client("sqs") if request.param == "json" else legacy_sqs(topology)


def names(urls):
    return [url.rsplit("/", 1)[-1] for url in urls]


def test_attributes_can_be_changed_and_a_queue_deleted(sqs_any):
    url = sqs_any.create_queue(QueueName=f"changeable-{id(sqs_any)}")["QueueUrl"]
    sqs_any.set_queue_attributes(QueueUrl=url, Attributes={"VisibilityTimeout": "9", "DelaySeconds": "1"})
    attributes = sqs_any.get_queue_attributes(QueueUrl=url, AttributeNames=["VisibilityTimeout", "DelaySeconds"])
    assert attributes["Attributes"] == {"VisibilityTimeout": "9", "DelaySeconds": "1"}
    with pytest.raises(sqs_any.exceptions.ClientError) as refused:
        sqs_any.set_queue_attributes(QueueUrl=url, Attributes={"VisibilityTimeout": "-1"})
    assert refused.value.response["Error"]["Code"] == "InvalidAttributeValue"
    sqs_any.delete_queue(QueueUrl=url)
    with pytest.raises(sqs_any.exceptions.QueueDoesNotExist):
        sqs_any.get_queue_attributes(QueueUrl=url)
    with pytest.raises(sqs_any.exceptions.QueueDeletedRecently):
        sqs_any.create_queue(QueueName=url.rsplit("/", 1)[-1])


def test_batches_report_each_entry(sqs_any):
    url = sqs_any.create_queue(QueueName=f"batches-{id(sqs_any)}")["QueueUrl"]
    sent = sqs_any.send_message_batch(QueueUrl=url, Entries=[
        {"Id": "ok-1", "MessageBody": "one"},
        {"Id": "late", "MessageBody": "two", "DelaySeconds": 1000},
        {"Id": "ok-2", "MessageBody": "three", "MessageAttributes": {"k": {"DataType": "String", "StringValue": "v"}}},
    ])
    assert sorted(e["Id"] for e in sent["Successful"]) == ["ok-1", "ok-2"]
    assert [(e["Id"], e["Code"], e["SenderFault"]) for e in sent["Failed"]] == [
        ("late", "InvalidParameterValue", True)]
    messages = sqs_any.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1)["Messages"]
    assert sorted(m["Body"] for m in messages) == ["one", "three"]
    changed = sqs_any.change_message_visibility_batch(QueueUrl=url, Entries=[
        {"Id": "again", "ReceiptHandle": messages[0]["ReceiptHandle"], "VisibilityTimeout": 0}])
    assert [e["Id"] for e in changed["Successful"]] == ["again"]
    deleted = sqs_any.delete_message_batch(QueueUrl=url, Entries=[
        {"Id": "d1", "ReceiptHandle": messages[1]["ReceiptHandle"]}, {"Id": "d2", "ReceiptHandle": "not-a-handle"}])
    assert [e["Id"] for e in deleted["Successful"]] == ["d1"]
    assert [(e["Id"], e["Code"]) for e in deleted["Failed"]] == [("d2", "ReceiptHandleIsInvalid")]
    with pytest.raises(sqs_any.exceptions.BatchEntryIdsNotDistinct):
        sqs_any.send_message_batch(QueueUrl=url, Entries=[{"Id": "x", "MessageBody": "a"}, {"Id": "x", "MessageBody": "b"}])
    with pytest.raises(sqs_any.exceptions.TooManyEntriesInBatchRequest):
        sqs_any.send_message_batch(QueueUrl=url, Entries=[{"Id": f"e{i}", "MessageBody": "a"} for i in range(11)])


def test_list_queues_pages_with_a_prefix(topology):
    sqs = topology.client("sqs")
    for index in range(5):
        sqs.create_queue(QueueName=f"paged-{index}")
    pages = list(sqs.get_paginator("list_queues").paginate(
        QueueNamePrefix="paged-", PaginationConfig={"PageSize": 2}))
    assert [len(page.get("QueueUrls", [])) for page in pages] == [2, 2, 1]
    assert names(url for page in pages for url in page["QueueUrls"]) == [f"paged-{i}" for i in range(5)]


def test_a_dead_letter_queue_is_redriven_to_its_source(topology):
    sqs = topology.client("sqs")
    dlq = sqs.create_queue(QueueName="redrive-dlq")["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    source = sqs.create_queue(QueueName="redrive-source", Attributes={
        "VisibilityTimeout": "1",
        "RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": "1"})})["QueueUrl"]
    assert sqs.list_dead_letter_source_queues(QueueUrl=dlq)["queueUrls"] == [source]
    for body in ["x", "y"]:
        sqs.send_message(QueueUrl=source, MessageBody=body)
    assert len(sqs.receive_message(QueueUrl=source, MaxNumberOfMessages=10)["Messages"]) == 2
    time.sleep(1.2)
    assert sqs.receive_message(QueueUrl=source, MaxNumberOfMessages=10).get("Messages") is None
    in_dlq = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["ApproximateNumberOfMessages"])
    assert in_dlq["Attributes"]["ApproximateNumberOfMessages"] == "2"
    handle = sqs.start_message_move_task(SourceArn=dlq_arn)["TaskHandle"]
    assert handle
    for _ in range(50):
        tasks = sqs.list_message_move_tasks(SourceArn=dlq_arn)["Results"]
        if tasks[0]["Status"] == "COMPLETED":
            break
        time.sleep(0.1)
    assert tasks[0]["Status"] == "COMPLETED" and tasks[0]["ApproximateNumberOfMessagesMoved"] == 2
    back = sqs.receive_message(QueueUrl=source, MaxNumberOfMessages=10, WaitTimeSeconds=1)["Messages"]
    assert sorted(m["Body"] for m in back) == ["x", "y"]
    with pytest.raises(sqs.exceptions.ResourceNotFoundException):
        sqs.cancel_message_move_task(TaskHandle=handle)


def test_tags(sqs_any):
    url = sqs_any.create_queue(QueueName=f"tags-{id(sqs_any)}", tags={"team": "callbacks"})["QueueUrl"]
    sqs_any.tag_queue(QueueUrl=url, Tags={"env": "test"})
    sqs_any.untag_queue(QueueUrl=url, TagKeys=["team"])
    assert sqs_any.list_queue_tags(QueueUrl=url)["Tags"] == {"env": "test"}
