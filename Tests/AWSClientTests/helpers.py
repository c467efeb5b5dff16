"""What several tests do: wait for an execution, find a state machine, make an SQS client of the query protocol."""
import base64
import os
import time

import boto3
import botocore.session

import model_check
from conftest import CREDENTIALS


def machine_arn(sfn, name):
    for page in sfn.get_paginator("list_state_machines").paginate():
        for machine in page["stateMachines"]:
            if machine["name"] == name:
                return machine["stateMachineArn"]
    raise AssertionError(f"no state machine {name}")


def wait_for_end(sfn, execution_arn, timeout=30):
    deadline = time.time() + timeout
    while time.time() < deadline:
        description = sfn.describe_execution(executionArn=execution_arn)
        if description["status"] != "RUNNING":
            return description
        time.sleep(0.2)
    raise AssertionError(f"{execution_arn} still running after {timeout} s")


def history(sfn, execution_arn, **arguments):
    events = []
    for page in sfn.get_paginator("get_execution_history").paginate(executionArn=execution_arn, **arguments):
        events += page["events"]
    return events


def legacy_sqs(topology):
    """An SQS client that speaks the query protocol, as SDKs released before November 2023 do, from the last
    botocore model of that protocol (scripts/generate-aws-models.py fetches the same one)."""
    folder = os.environ.get("CALLBACKSIM_LEGACY_SQS_MODEL")
    assert folder and os.path.isdir(folder), "CALLBACKSIM_LEGACY_SQS_MODEL must name the query-protocol SQS model"
    session = botocore.session.get_session()
    session.get_component("data_loader").search_paths.insert(0, folder)
    client = boto3.session.Session(botocore_session=session).client(
        "sqs", endpoint_url=topology.endpoint, **CREDENTIALS)
    assert client.meta.service_model.protocol == "query"
    return model_check.watch(client)


def well_formed_token(seed=b"callbacksim test"):
    """A token in callbacksim's documented format (README: 192 random bits, a version byte, a checksum) that no
    task was ever given."""
    body = bytes([1]) + (seed * 3)[:24]
    checksum = 0x811C9DC5
    for byte in body:
        checksum = ((checksum ^ byte) * 0x01000193) & 0xFFFFFFFF
    raw = body + checksum.to_bytes(4, "big")
    return "AQ" + base64.urlsafe_b64encode(raw).decode().rstrip("=")
