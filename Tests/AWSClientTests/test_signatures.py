"""With `up --credentials KEY:SECRET` the gateway checks SigV4 signatures as AWS does, in each protocol's words."""
import boto3
import botocore.config
import botocore.exceptions
import pytest

import model_check
from conftest import start_topology, stop_topology


@pytest.fixture(scope="module")
def signed_topology():
    started = start_topology("--credentials", "AKIDCALLBACKSIM:s3cret", "--credentials", "111122223333:other")
    yield started
    stop_topology(started)


def client(topology, service, key, secret):
    return model_check.watch(boto3.client(
        service, endpoint_url=topology.endpoint, region_name="us-east-1", aws_access_key_id=key,
        aws_secret_access_key=secret, config=botocore.config.Config(retries={"max_attempts": 1})))


def error_code(call):
    with pytest.raises(botocore.exceptions.ClientError) as raised:
        call()
    return raised.value.response["Error"]["Code"]


def test_the_right_signature_passes_in_every_protocol(signed_topology):
    good = {service: client(signed_topology, service, "AKIDCALLBACKSIM", "s3cret")
            for service in ["stepfunctions", "sqs", "sns", "lambda", "logs"]}
    assert good["stepfunctions"].list_state_machines()["stateMachines"]
    assert good["sqs"].list_queues()["QueueUrls"]
    assert good["sns"].list_topics()["Topics"]
    # The function ARN is percent-encoded in the path, and signed encoded once more.
    invoked = good["lambda"].invoke(
        FunctionName="arn:aws:lambda:us-east-1:000000000000:function:WorkflowResponseLogger", Payload=b'{"Records":[]}')
    assert invoked["StatusCode"] == 200
    assert good["logs"].describe_log_groups()["logGroups"]


def test_a_wrong_secret_or_an_unknown_key_is_refused(signed_topology):
    wrong = client(signed_topology, "stepfunctions", "AKIDCALLBACKSIM", "wrong")
    assert error_code(wrong.list_state_machines) == "InvalidSignatureException"
    unknown = client(signed_topology, "stepfunctions", "AKIDNOBODY", "s3cret")
    assert error_code(unknown.list_state_machines) == "UnrecognizedClientException"
    assert error_code(client(signed_topology, "sns", "AKIDCALLBACKSIM", "wrong").list_topics) == "SignatureDoesNotMatch"
    assert error_code(client(signed_topology, "sns", "AKIDNOBODY", "x").list_topics) == "InvalidClientTokenId"
    assert error_code(client(signed_topology, "lambda", "AKIDCALLBACKSIM", "wrong").list_functions) == (
        "InvalidSignatureException")
def test_a_twelve_digit_key_is_its_own_account(signed_topology):
    other = client(signed_topology, "sqs", "111122223333", "other")
    url = other.create_queue(QueueName="mine")["QueueUrl"]
    assert "/111122223333/mine" in url
