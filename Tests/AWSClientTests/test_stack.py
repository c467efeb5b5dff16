"""The stack as `sam deploy` shows it: the endpoint and the template's Outputs, and `down --purge`."""
import json
import os
import subprocess

from conftest import BIN, start_topology, stop_topology


def test_outputs_are_resolved_and_purge_removes_the_stack():
    topology = start_topology()
    try:
        outputs = json.loads(topology.cli("outputs").stdout)
        assert outputs["endpoint"] == topology.endpoint
        assert outputs["outputs"] == [{
            "OutputKey": "WorkflowAsyncAPICallbackPatternArn",
            "OutputValue": "arn:aws:states:us-east-1:000000000000:stateMachine:WorkflowAsyncAPICallbackPattern",
            "Description": "workflow_AsyncAPICallbackPattern the main state machine that will be used as the starting point"}]
        sfn = topology.client("stepfunctions")
        assert sfn.describe_state_machine(stateMachineArn=outputs["outputs"][0]["OutputValue"])["status"] == "ACTIVE"
    finally:
        result = subprocess.run([str(BIN / "callbacksim"), "down", "--purge", "--data-dir", topology.data],
                                capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["purged"] == topology.data
    assert not os.path.exists(topology.data)


def test_demo_through_the_gateway_and_probes_for_health_checks():
    topology = start_topology()
    callbacksim = str(BIN / "callbacksim")
    try:
        # The seed scenario from outside, as `docker compose run --rm cli demo` does: the gateway given by a flag,
        # then by the environment (every option also reads CALLBACKSIM_<OPTION>).
        demo = subprocess.run([callbacksim, "demo", "--gateway", topology.endpoint], capture_output=True, text=True,
                              timeout=120)
        assert demo.returncode == 0, demo.stdout + demo.stderr
        assert demo.stdout.count("result:       as expected") == 2
        demo = subprocess.run([callbacksim, "demo"], capture_output=True, text=True, timeout=120,
                              env={**os.environ, "CALLBACKSIM_GATEWAY": topology.endpoint})
        assert demo.returncode == 0 and "through " + topology.endpoint in demo.stdout, demo.stdout + demo.stderr

        state = json.load(open(os.path.join(topology.data, "topology.json")))
        orchestrator = state["layout"]["endpoints"]["orchestrator"]
        probe = subprocess.run([callbacksim, "probe", orchestrator], capture_output=True, text=True)
        assert probe.returncode == 0 and json.loads(probe.stdout)["service"] == "orchestrator", probe.stderr
        ready = subprocess.run([callbacksim, "probe", "--ready", topology.endpoint], capture_output=True, text=True)
        assert ready.returncode == 0, ready.stdout + ready.stderr
        assert json.loads(ready.stdout)["services"]["queue-broker"] == "running"

        os.kill(state["pids"]["orchestrator"], 9)
        probe = subprocess.run([callbacksim, "probe", "--timeout", "0.5", orchestrator], capture_output=True, text=True)
        assert probe.returncode == 1
        ready = subprocess.run([callbacksim, "probe", "--ready", topology.endpoint], capture_output=True, text=True)
        assert ready.returncode == 1 and json.loads(ready.stdout)["services"]["orchestrator"] == "unavailable"
        alive = subprocess.run([callbacksim, "probe", topology.endpoint], capture_output=True, text=True)
        assert alive.returncode == 0, "the gateway itself is alive"
    finally:
        stop_topology(topology)


def test_the_callbacksim_binary_runs_each_process_by_name(tmp_path):
    callbacksim = str(BIN / "callbacksim")
    for name in ["orchestrator", "queue-broker", "api-simulator", "callback-sender", "notification-logger",
                 "aws-gateway"]:
        usage = subprocess.run([callbacksim, name, "--help"], capture_output=True, text=True)
        assert usage.returncode == 0 and f"USAGE: {name} " in usage.stdout, usage.stdout + usage.stderr
        link = tmp_path / name
        link.symlink_to(callbacksim)
        usage = subprocess.run([str(link), "--help"], capture_output=True, text=True)
        assert f"USAGE: {name} " in usage.stdout


def test_deploy_to_running_processes_is_idempotent_and_names_the_outputs():
    topology = start_topology()
    callbacksim = str(BIN / "callbacksim")
    try:
        state = json.load(open(os.path.join(topology.data, "topology.json")))
        endpoints = state["layout"]["endpoints"]
        arguments = [callbacksim, "deploy", "--orchestrator", endpoints["orchestrator"], "--queue-broker",
                     endpoints["queue-broker"], "--api-simulator", endpoints["api-simulator"],
                     "--gateway-url", topology.endpoint]
        for _ in range(2):  # `up` deployed once already: deploying again changes nothing
            result = subprocess.run(arguments, capture_output=True, text=True, timeout=60)
            assert result.returncode == 0, result.stdout + result.stderr
            assert json.loads(result.stdout)["outputs"][0]["OutputKey"] == "WorkflowAsyncAPICallbackPatternArn"
        sfn = topology.client("stepfunctions")
        assert len([m for m in sfn.list_state_machines()["stateMachines"]
                    if m["name"] == "WorkflowAsyncAPICallbackPattern"]) == 1
        # A different template body under the same name is AWS's StateMachineAlreadyExists, not a silent change.
        other = subprocess.run(arguments[:-1] + ["http://elsewhere:4566"], capture_output=True, text=True, timeout=60)
        assert other.returncode == 1 and "StateMachineAlreadyExists" in other.stderr
    finally:
        stop_topology(topology)
