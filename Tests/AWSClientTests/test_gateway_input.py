"""Bad input to the gateway: each gets AWS's error shape and a 4xx status (never a 500, never a dropped
connection), and the gateway keeps serving."""
import http.client
import json
import random
import socket
import xml.etree.ElementTree as ElementTree

import pytest

SFN = {"Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": "AWSStepFunctions.ListStateMachines"}


def request(topology, method="POST", path="/", body=b"", headers=None):
    connection = http.client.HTTPConnection("127.0.0.1", topology.port, timeout=30)
    connection.request(method, path, body=body, headers=headers or {})
    response = connection.getresponse()
    payload = response.read()
    connection.close()
    return response.status, dict((k.lower(), v) for k, v in response.getheaders()), payload


def json_error(status, payload):
    assert 400 <= status < 500, (status, payload)
    error = json.loads(payload)
    return error["__type"], error["message"]


def xml_error(status, payload):
    assert 400 <= status < 500, (status, payload)
    root = ElementTree.fromstring(payload)
    namespace = root.tag[: root.tag.index("}") + 1] if root.tag.startswith("{") else ""
    assert root.tag == f"{namespace}ErrorResponse"
    return root.find(f"{namespace}Error/{namespace}Code").text


def still_serving(topology):
    status, _, payload = request(topology, body=b"{}", headers=SFN)
    assert status == 200 and "stateMachines" in json.loads(payload)


def test_a_body_that_is_not_json(topology):
    status, _, payload = request(topology, body=b"{not json", headers=SFN)
    assert json_error(status, payload)[0] == "SerializationException"
    status, _, payload = request(topology, body=b"[1, 2]", headers=SFN)
    assert json_error(status, payload)[0] == "SerializationException"
    still_serving(topology)


def test_an_unknown_target_or_action(topology):
    status, _, payload = request(topology, body=b"{}", headers={**SFN, "X-Amz-Target": "AWSStepFunctions.Nope"})
    assert json_error(status, payload)[0] == "UnknownOperationException"
    status, _, payload = request(topology, body=b"{}", headers={**SFN, "X-Amz-Target": "DynamoDB_20120810.PutItem"})
    assert json_error(status, payload)[0] == "UnknownOperationException"
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    status, _, payload = request(topology, body=b"Action=Nope&Version=2010-03-31", headers=form)
    assert xml_error(status, payload) == "InvalidAction"
    status, _, payload = request(topology, body=b"Version=2012-11-05", headers=form)
    assert xml_error(status, payload) == "MissingAction"
    status, headers, payload = request(topology, method="GET", path="/2015-03-31/functions/x/nothing")
    assert 400 <= status < 500 and "x-amzn-errortype" in headers
    still_serving(topology)


def test_a_missing_required_member(topology):
    headers = {**SFN, "X-Amz-Target": "AWSStepFunctions.SendTaskSuccess"}
    status, _, payload = request(topology, body=b'{"output": "{}"}', headers=headers)
    kind, message = json_error(status, payload)
    assert kind == "ValidationException" and "taskToken" in message
    sqs = {"Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": "AmazonSQS.SendMessage"}
    status, headers_back, payload = request(topology, body=b'{"MessageBody": "x"}', headers=sqs)
    assert json_error(status, payload)[0] == "ValidationException"
    assert headers_back["x-amzn-query-error"].endswith(";Sender")
    still_serving(topology)


def test_a_body_over_the_limit(topology):
    big = b'{"output": "' + b"x" * (2 * 1024 * 1024) + b'"}'
    status, _, payload = request(
        topology, body=big, headers={**SFN, "X-Amz-Target": "AWSStepFunctions.SendTaskSuccess"})
    assert status == 413 and json_error(413, payload)[0] == "RequestEntityTooLarge"
    still_serving(topology)


def test_a_wrong_content_type(topology):
    status, _, payload = request(topology, body=b"{}", headers={**SFN, "Content-Type": "text/plain"})
    assert json_error(status, payload)[0] == "UnknownOperationException"
    status, _, payload = request(
        topology, body=b"Action=ListTopics", headers={"Content-Type": "application/json",
                                                      "Authorization": "AWS4-HMAC-SHA256 Credential=k/20261129/us-east-1/sns/aws4_request, SignedHeaders=host, Signature=00"})
    assert xml_error(status, payload) == "InvalidAction"
    still_serving(topology)


def test_a_truncated_request_gets_an_answer(topology):
    """The client says 1000 bytes, sends 20 and stops sending: the gateway still answers, with a 4xx."""
    with socket.create_connection(("127.0.0.1", topology.port), timeout=30) as raw:
        raw.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-amz-json-1.0\r\n"
                    b"X-Amz-Target: AWSStepFunctions.ListStateMachines\r\nContent-Length: 1000\r\n\r\n{\"maxResults\": 1")
        raw.shutdown(socket.SHUT_WR)
        reply = b""
        while chunk := raw.recv(65536):
            reply += chunk
    status = int(reply.split(b" ", 2)[1])
    assert 400 <= status < 500, reply
    still_serving(topology)


def test_random_bytes_and_mutated_requests_leave_the_gateway_serving(topology):
    generator = random.Random(20261129)
    valid = [
        (b'{"maxResults": 2}', SFN),
        (b'{"QueueName": "fuzz"}', {"Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": "AmazonSQS.GetQueueUrl"}),
        (b"Action=ListTopics&Version=2010-03-31", {"Content-Type": "application/x-www-form-urlencoded"}),
        (b"Action=SendMessage&Version=2012-11-05&MessageBody=x&QueueUrl=http%3A%2F%2Fx%2F000000000000%2Ffuzz",
         {"Content-Type": "application/x-www-form-urlencoded"}),
        (b'{"logGroupName": "/aws/lambda/WorkflowResponseLogger", "limit": 1}',
         {"Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": "Logs_20140328.FilterLogEvents"}),
    ]
    statuses = {}
    for round_ in range(2000):
        body, headers = generator.choice(valid)
        mutated = bytearray(body)
        for _ in range(generator.randint(1, 6)):
            position = generator.randrange(len(mutated) + 1)
            choice = generator.random()
            if choice < 0.4 and mutated:
                mutated[min(position, len(mutated) - 1)] = generator.randrange(256)
            elif choice < 0.7:
                mutated.insert(position, generator.randrange(256))
            elif mutated:
                del mutated[min(position, len(mutated) - 1)]
        status, reply_headers, payload = request(topology, body=bytes(mutated), headers=headers)
        statuses[status] = statuses.get(status, 0) + 1
        assert status < 500, (bytes(mutated), status, payload)
        if status >= 400:
            if reply_headers.get("content-type", "").startswith("text/xml"):
                xml_error(status, payload)
            else:
                json_error(status, payload)
    # Raw garbage in place of HTTP: an HTTP 400 (Hummingbird's parser refuses it), never a crash.
    for _ in range(300):
        garbage = bytes(generator.randrange(256) for _ in range(generator.randint(1, 400)))
        with socket.create_connection(("127.0.0.1", topology.port), timeout=30) as raw:
            raw.sendall(garbage + b"\r\n\r\n")
            raw.shutdown(socket.SHUT_WR)
            reply = b""
            try:
                while chunk := raw.recv(65536):
                    reply += chunk
            except ConnectionResetError:
                pass
        if reply:
            assert reply.startswith(b"HTTP/1.1 4"), reply[:100]
    still_serving(topology)
    assert statuses.get(200, 0) > 0 and sum(v for k, v in statuses.items() if k >= 400) > 0
