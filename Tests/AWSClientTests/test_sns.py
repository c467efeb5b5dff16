"""SNS through boto3 (its query protocol): filter policies, raw delivery, batches, attributes, and HTTP endpoints
that confirm their subscription and get notifications, retried as SNS retries them."""
import json
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest


def queue(sqs, name):
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    return url, arn


def received(sqs, url, wait=1):
    return sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=wait,
                               MessageAttributeNames=["All"]).get("Messages", [])


def test_a_filter_policy_decides_which_queue_gets_a_message(sns, sqs):
    topic = sns.create_topic(Name="orders")["TopicArn"]
    successes, success_arn = queue(sqs, "successes")
    failures, failure_arn = queue(sqs, "failures")
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=success_arn,
                  Attributes={"FilterPolicy": json.dumps({"status": [{"numeric": ["<", 300]}]})})
    by_body = sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=failure_arn, ReturnSubscriptionArn=True,
                            Attributes={"FilterPolicy": json.dumps({"outcome": [{"prefix": "fail"}]}),
                                        "FilterPolicyScope": "MessageBody"})["SubscriptionArn"]
    sns.publish(TopicArn=topic, Message=json.dumps({"outcome": "ok"}),
                MessageAttributes={"status": {"DataType": "Number", "StringValue": "200"}})
    sns.publish(TopicArn=topic, Message=json.dumps({"outcome": "failed"}),
                MessageAttributes={"status": {"DataType": "Number", "StringValue": "500"}})
    got_successes = [json.loads(json.loads(m["Body"])["Message"]) for m in received(sqs, successes)]
    got_failures = [json.loads(json.loads(m["Body"])["Message"]) for m in received(sqs, failures)]
    assert got_successes == [{"outcome": "ok"}]
    assert got_failures == [{"outcome": "failed"}]
    attributes = sns.get_subscription_attributes(SubscriptionArn=by_body)["Attributes"]
    assert attributes["FilterPolicyScope"] == "MessageBody" and attributes["PendingConfirmation"] == "false"
    with pytest.raises(sns.exceptions.InvalidParameterException):
        sns.set_subscription_attributes(SubscriptionArn=by_body, AttributeName="FilterPolicy",
                                        AttributeValue=json.dumps({"status": "not a list"}))


def test_raw_delivery_keeps_the_message_and_its_attributes(sns, sqs):
    topic = sns.create_topic(Name="raw")["TopicArn"]
    url, arn = queue(sqs, "raw-inbox")
    subscription = sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn, ReturnSubscriptionArn=True)[
        "SubscriptionArn"]
    sns.set_subscription_attributes(SubscriptionArn=subscription, AttributeName="RawMessageDelivery",
                                    AttributeValue="true")
    sns.publish(TopicArn=topic, Message="just the message",
                MessageAttributes={"kind": {"DataType": "String", "StringValue": "raw"}})
    messages = received(sqs, url)
    assert [m["Body"] for m in messages] == ["just the message"]
    assert messages[0]["MessageAttributes"]["kind"]["StringValue"] == "raw"


def test_batches_structures_topics_and_subscriptions(sns, sqs):
    topic = sns.create_topic(Name="batch", Tags=[{"Key": "team", "Value": "callbacks"}])["TopicArn"]
    url, arn = queue(sqs, "batch-inbox")
    subscription = sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn)["SubscriptionArn"]
    result = sns.publish_batch(TopicArn=topic, PublishBatchRequestEntries=[
        {"Id": "a", "Message": "first"}, {"Id": "b", "Message": ""}, {"Id": "c", "Message": "third"}])
    assert sorted(e["Id"] for e in result["Successful"]) == ["a", "c"]
    assert [(e["Id"], e["Code"]) for e in result["Failed"]] == [("b", "InvalidParameter")]
    sns.publish(TopicArn=topic, MessageStructure="json",
                Message=json.dumps({"default": "for everyone", "sqs": "for queues"}))
    bodies = sorted(json.loads(m["Body"])["Message"] for m in received(sqs, url))
    assert bodies == ["first", "for queues", "third"]
    with pytest.raises(sns.exceptions.InvalidParameterException):
        sns.publish(TopicArn=topic, MessageStructure="json", Message=json.dumps({"sqs": "no default"}))
    attributes = sns.get_topic_attributes(TopicArn=topic)["Attributes"]
    assert attributes["SubscriptionsConfirmed"] == "1" and attributes["Owner"] == "000000000000"
    sns.set_topic_attributes(TopicArn=topic, AttributeName="DisplayName", AttributeValue="Batch topic")
    assert sns.get_topic_attributes(TopicArn=topic)["Attributes"]["DisplayName"] == "Batch topic"
    assert sns.list_tags_for_resource(ResourceArn=topic)["Tags"] == [{"Key": "team", "Value": "callbacks"}]
    listed = [s["SubscriptionArn"] for page in sns.get_paginator("list_subscriptions_by_topic").paginate(
        TopicArn=topic) for s in page["Subscriptions"]]
    assert listed == [subscription]
    assert subscription in [s["SubscriptionArn"] for s in sns.list_subscriptions()["Subscriptions"]]
    sns.unsubscribe(SubscriptionArn=subscription)
    with pytest.raises(sns.exceptions.NotFoundException):
        sns.get_subscription_attributes(SubscriptionArn=subscription)
    sns.delete_topic(TopicArn=topic)
    assert topic not in [t["TopicArn"] for t in sns.list_topics()["Topics"]]
    with pytest.raises(sns.exceptions.NotFoundException):
        sns.publish(TopicArn=topic, Message="gone")


class Endpoint:
    """A local HTTP server that records what SNS posts, and answers with the statuses it is told to."""

    def __init__(self, statuses=()):
        self.requests = []
        self.statuses = list(statuses)
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                owner.requests.append((dict(self.headers), json.loads(body) if body.startswith(b"{") else body))
                status = owner.statuses.pop(0) if owner.statuses else 200
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *arguments):
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/sns"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def wait_for(self, count, timeout=15):
        deadline = time.time() + timeout
        while len(self.requests) < count and time.time() < deadline:
            time.sleep(0.05)
        return self.requests

    def close(self):
        self.server.shutdown()


def test_an_http_endpoint_confirms_then_gets_notifications(sns):
    endpoint = Endpoint()
    try:
        topic = sns.create_topic(Name="webhooks")["TopicArn"]
        pending = sns.subscribe(TopicArn=topic, Protocol="http", Endpoint=endpoint.url)
        assert pending["SubscriptionArn"] == "pending confirmation"
        headers, confirmation = endpoint.wait_for(1)[0]
        assert headers["x-amz-sns-message-type"] == "SubscriptionConfirmation"
        assert confirmation["Type"] == "SubscriptionConfirmation" and confirmation["TopicArn"] == topic
        sns.publish(TopicArn=topic, Message="before confirming")
        # The endpoint confirms as real ones do: by fetching SubscribeURL (a GET to the gateway).
        with urllib.request.urlopen(confirmation["SubscribeURL"]) as reply:
            assert reply.status == 200 and b"ConfirmSubscriptionResult" in reply.read()
        arn = sns.list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"][0]["SubscriptionArn"]
        assert arn.startswith(topic + ":")
        sns.publish(TopicArn=topic, Message="after confirming", Subject="hello",
                    MessageAttributes={"k": {"DataType": "String", "StringValue": "v"}})
        headers, notification = endpoint.wait_for(2)[1]
        assert headers["x-amz-sns-message-type"] == "Notification"
        assert headers["x-amz-sns-subscription-arn"] == arn
        assert headers["Content-Type"].startswith("text/plain")
        assert notification["Message"] == "after confirming" and notification["Subject"] == "hello"
        assert notification["MessageAttributes"] == {"k": {"Type": "String", "Value": "v"}}
        time.sleep(0.5)
        assert len(endpoint.requests) == 2, "nothing was sent before the subscription was confirmed"
    finally:
        endpoint.close()


def test_a_failing_endpoint_is_retried_by_its_delivery_policy_and_a_4xx_is_not(sns):
    flaky = Endpoint(statuses=[200, 503, 200])
    refusing = Endpoint(statuses=[200, 400])
    try:
        topic = sns.create_topic(Name="retried")["TopicArn"]
        policy = json.dumps({"healthyRetryPolicy": {"numRetries": 2, "minDelayTarget": 1, "maxDelayTarget": 1}})
        for endpoint in (flaky, refusing):
            sns.subscribe(TopicArn=topic, Protocol="http", Endpoint=endpoint.url,
                          Attributes={"DeliveryPolicy": policy})
            confirmation = endpoint.wait_for(1)[0][1]
            sns.confirm_subscription(TopicArn=topic, Token=confirmation["Token"])
        sns.publish(TopicArn=topic, Message="try again")
        attempts = flaky.wait_for(3)
        assert [body["Message"] for _, body in attempts[1:]] == ["try again", "try again"]
        assert attempts[1][0]["x-amz-sns-message-id"] == attempts[2][0]["x-amz-sns-message-id"]
        time.sleep(2.5)
        assert len(refusing.requests) == 2, "a 4xx is a permanent failure: no retry"
    finally:
        flaky.close()
        refusing.close()
