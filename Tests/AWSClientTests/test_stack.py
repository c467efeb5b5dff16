"""The stack as `sam deploy` shows it: the endpoint and the template's Outputs, and `down --purge`."""
import json
import os
import subprocess

from conftest import BIN, start_topology


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
