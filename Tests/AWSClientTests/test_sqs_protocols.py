"""SQS in both protocols the SDKs speak: JSON (current SDKs) and query (older ones), on the same queues."""
import hashlib
import struct

import pytest

from helpers import legacy_sqs


def md5_of_attributes(attributes):
    """SQS's MD5OfMessageAttributes (research/aws-protocols.md §2.4), as Java and .NET SDKs recompute it."""
    digest = b""
    for name in sorted(attributes):
        value = attributes[name]
        encoded = name.encode()
        digest += struct.pack(">I", len(encoded)) + encoded
        kind = value["DataType"].encode()
        digest += struct.pack(">I", len(kind)) + kind
        if "BinaryValue" in value:
            raw = value["BinaryValue"]
            digest += b"\x02" + struct.pack(">I", len(raw)) + raw
        else:
            raw = value["StringValue"].encode()
            digest += b"\x01" + struct.pack(">I", len(raw)) + raw
    return hashlib.md5(digest).hexdigest()


@pytest.mark.parametrize("protocol", ["json", "query"])
def test_a_message_round_trips_with_its_attributes_and_digests(topology, protocol):
    sqs = topology.client("sqs") if protocol == "json" else legacy_sqs(topology)
    url = sqs.create_queue(QueueName=f"round-trip-{protocol}", Attributes={"VisibilityTimeout": "5"})["QueueUrl"]
    assert url.startswith(topology.endpoint + "/000000000000/")
    attributes = {"color": {"DataType": "String", "StringValue": "blue & <green>"},
                  "count": {"DataType": "Number", "StringValue": "3"}}
    body = 'héllo <world> & "friends"'
    sent = sqs.send_message(QueueUrl=url, MessageBody=body, MessageAttributes=attributes)
    assert sent["MD5OfMessageBody"] == hashlib.md5(body.encode()).hexdigest()
    assert sent["MD5OfMessageAttributes"] == md5_of_attributes(attributes)
    received = sqs.receive_message(
        QueueUrl=url, MaxNumberOfMessages=10, AttributeNames=["All"], MessageAttributeNames=["All"],
        WaitTimeSeconds=1)["Messages"]
    assert len(received) == 1
    message = received[0]
    assert message["Body"] == body
    assert message["MessageId"] == sent["MessageId"]
    assert message["MessageAttributes"] == attributes
    assert message["Attributes"]["ApproximateReceiveCount"] == "1"
    attributes_of_queue = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert attributes_of_queue["ApproximateNumberOfMessagesNotVisible"] == "1"
    assert attributes_of_queue["VisibilityTimeout"] == "5"
    sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    assert sqs.receive_message(QueueUrl=url, WaitTimeSeconds=0).get("Messages", []) == []
    assert url in sqs.list_queues()["QueueUrls"]


@pytest.mark.parametrize("protocol", ["json", "query"])
def test_a_missing_queue_is_queue_does_not_exist_with_the_legacy_code(topology, protocol):
    sqs = topology.client("sqs") if protocol == "json" else legacy_sqs(topology)
    with pytest.raises(sqs.exceptions.QueueDoesNotExist) as raised:
        sqs.get_queue_url(QueueName="no-such-queue")
    assert raised.value.response["Error"]["Code"] == "AWS.SimpleQueueService.NonExistentQueue"
    with pytest.raises(sqs.exceptions.QueueDoesNotExist):
        sqs.send_message(QueueUrl=f"{topology.endpoint}/000000000000/no-such-queue", MessageBody="x")


def test_both_protocols_see_the_same_queue(topology):
    modern, legacy = topology.client("sqs"), legacy_sqs(topology)
    url = modern.create_queue(QueueName="shared")["QueueUrl"]
    legacy.send_message(QueueUrl=url, MessageBody="from the query protocol")
    assert modern.receive_message(QueueUrl=url, WaitTimeSeconds=1)["Messages"][0]["Body"] == "from the query protocol"
