"""`callbacksim bench --endpoint URL`: one client for callbacksim's gateway and for another emulator (moto's server),
signing its requests as the SDKs do; where the endpoint has no seed, the bench deploys it there first."""
import json
import subprocess
import sys
import time
import urllib.request

import boto3
import pytest

from running_topology import BIN, CREDENTIALS, free_port, start_topology, stop_topology


def bench(*arguments):
    result = subprocess.run([str(BIN / "callbacksim"), "bench", "--allow-debug", "--json", *arguments],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr + result.stdout
    return json.loads(result.stdout)


def test_the_bench_drives_callbacksims_gateway_and_samples_its_processes():
    topology = start_topology("--external", "api-simulator")
    try:
        report = bench("--endpoint", topology.endpoint, "--data-dir", topology.data, "--workflows", "20",
                       "--in-flight", "4")
        assert report["target"] == topology.endpoint
        assert report["outcomes"] == {"SUCCEEDED": 20}
        assert report["startErrors"] == 0 and report["callbackErrors"] == 0
        assert report["startExecution"]["count"] == 20 and report["sendTaskSuccess"]["count"] == 20
        # Every call went through the gateway, which --data-dir lets the report sample.
        assert report["processes"]["aws-gateway"]["cpuSeconds"] > 0
    finally:
        stop_topology(topology)


@pytest.fixture
def moto_endpoint():
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "moto.server", "-p", str(port)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    endpoint = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(endpoint + "/moto-api/", timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        # moto runs state machines only when told to (its parser, not canned histories).
        urllib.request.urlopen(urllib.request.Request(
            endpoint + "/moto-api/config", method="POST",
            data=json.dumps({"stepfunctions": {"execute_state_machine": True}}).encode()), timeout=5)
        yield endpoint
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_the_bench_deploys_the_seed_to_another_emulator_and_runs_it_there(moto_endpoint):
    # One at a time: moto 5.2's StartExecution fails while another execution of the same machine runs.
    report = bench("--endpoint", moto_endpoint, "--workflows", "1", "--in-flight", "1")
    assert report["target"] == moto_endpoint
    assert report["outcomes"] == {"SUCCEEDED": 1}, report
    assert report["startErrors"] == 0 and report["callbackErrors"] == 0
    assert report["processes"] == {}  # not callbacksim's: nothing to sample
    # What the bench deployed carries moto's own account, not callbacksim's.
    sfn = boto3.client("stepfunctions", endpoint_url=moto_endpoint, **CREDENTIALS)
    machine = [m for m in sfn.list_state_machines()["stateMachines"]
               if m["name"] == "WorkflowAsyncAPICallbackPattern"][0]
    definition = sfn.describe_state_machine(stateMachineArn=machine["stateMachineArn"])["definition"]
    account = machine["stateMachineArn"].split(":")[4]
    assert account != "000000000000" and f"/{account}/workflow_requestorQueue" in definition
    sns = boto3.client("sns", endpoint_url=moto_endpoint, **CREDENTIALS)
    topics = [t["TopicArn"] for t in sns.list_topics()["Topics"]]
    assert topics and all(f":{account}:" in arn for arn in topics)
