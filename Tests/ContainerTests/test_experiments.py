"""Fault-injection experiments against the compose topology's containers (`experiment run --topology compose`):
kill -9 of a container and its restart, and a partition that disconnects containers from the compose network.
Each run brings up a compose project of its own and takes it down; the checker must find nothing lost."""
import json
import os
import subprocess
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(os.environ.get("CALLBACKSIM_BIN", ROOT / ".build" / "debug"))


@pytest.mark.parametrize("experiment, executions, fault", [
    ("kill-orchestrator", 30, "kill"),
    ("kill-queue-broker", 30, "kill"),
    ("partition-orchestrator-queue-broker", 30, "partition"),
])
def test_shipped_experiment_passes_in_containers(experiment, executions, fault):
    report = tempfile.mkdtemp(prefix="cbs-report-")
    result = subprocess.run(
        [str(BIN / "callbacksim"), "experiment", "run", f"experiments/{experiment}.yaml", "--topology", "compose",
         "--compose-file", str(ROOT / "docker-compose.yml"), "--executions", str(executions), "--report", report],
        cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    written = json.load(open(os.path.join(report, "report.json")))
    assert written["executionsStarted"] == executions and written["quiescent"]
    assert all(invariant["passed"] for invariant in written["invariants"])
    assert [applied["kind"] for applied in written["faults"]] == [fault]
    assert written["faults"][0]["endedAt"] is not None, "the fault was lifted"
    # Nothing of the run is left behind: no container, network or volume of a cbx… project.
    for kind in (["ps", "-a"], ["network", "ls"], ["volume", "ls"]):
        listing = subprocess.run([os.environ.get("CALLBACKSIM_ENGINE", "podman"), *kind, "--format", "{{.Names}}"
                                  if kind[0] == "ps" else "{{.Name}}"], capture_output=True, text=True).stdout
        assert not [name for name in listing.split() if name.startswith("cbx")], listing
