"""docker-compose.yml and deploy/kubernetes, checked without running them: every CALLBACKSIM_ variable names an
option the process really takes; the Kubernetes base builds with `kubectl kustomize`, passes kubernetes-validate's
strict schemas, and has what the README promises (a single-writer StatefulSet with a volume per stateful process,
a scaled-out gateway, probes, limits, locked-down security contexts, only the gateway open to other namespaces)."""
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(os.environ.get("CALLBACKSIM_BIN", ROOT / ".build" / "debug"))
STATEFUL = ["orchestrator", "queue-broker", "api-simulator", "callback-sender", "notification-logger"]


def options(command):
    """The long options of `callbacksim COMMAND…` as CALLBACKSIM_ variables."""
    dump = json.loads(subprocess.run([str(BIN / "callbacksim"), *command, "--experimental-dump-help"],
                                     capture_output=True, text=True, check=True).stdout)
    node = dump["command"]
    for name in command[1:] if command[0] == "callbacksim" else []:
        node = next(sub for sub in node["subcommands"] if sub["commandName"] == name)
    return {"CALLBACKSIM_" + n["name"].upper().replace("-", "_")
            for argument in node.get("arguments", []) for n in argument.get("names", []) if n["kind"] == "long"}


def command_of(args):
    """What a container's command runs: a process by name, or `callbacksim SUBCOMMAND`."""
    return args[:2] if args[0] == "callbacksim" else args[:1]


@pytest.fixture(scope="module")
def manifests():
    if shutil.which("kubectl") is None:
        pytest.skip("kubectl is not installed: `kubectl kustomize` cannot build deploy/kubernetes here")
    built = subprocess.run(["kubectl", "kustomize", str(ROOT / "deploy" / "kubernetes")],
                           capture_output=True, text=True)
    assert built.returncode == 0, built.stderr
    return [document for document in yaml.safe_load_all(built.stdout) if document]


def test_every_compose_variable_is_an_option_of_its_process():
    compose = yaml.safe_load(open(ROOT / "docker-compose.yml"))
    for name, service in compose["services"].items():
        command = command_of(service.get("entrypoint", []) + service.get("command", []))
        if command == ["callbacksim", "--help"]:
            continue
        known = options(command)
        variables = [key for key in service.get("environment", {}) if key.startswith("CALLBACKSIM_")]
        assert variables, name
        unknown = [key for key in variables if key not in known and key != "CALLBACKSIM_GATEWAY"]
        assert not unknown, f"{name}: {unknown} are no options of {' '.join(command)}"


def test_the_kubernetes_base_passes_the_strict_schemas(manifests, tmp_path):
    built = tmp_path / "built.yaml"
    built.write_text(yaml.safe_dump_all(manifests))
    result = subprocess.run(["kubernetes-validate", "--strict", "--quiet", str(built)], capture_output=True,
                            text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_each_stateful_process_is_a_single_writer_with_its_own_volume(manifests):
    sets = {m["metadata"]["name"]: m for m in manifests if m["kind"] == "StatefulSet"}
    assert sorted(sets) == sorted(STATEFUL)
    for name, statefulset in sets.items():
        assert statefulset["spec"]["replicas"] == 1, name
        claims = statefulset["spec"]["volumeClaimTemplates"]
        mounts = statefulset["spec"]["template"]["spec"]["containers"][0]["volumeMounts"]
        assert {"name": claims[0]["metadata"]["name"], "mountPath": "/data"} in mounts
    gateway = next(m for m in manifests if m["kind"] == "Deployment")
    assert gateway["metadata"]["name"] == "aws-gateway" and gateway["spec"]["replicas"] > 1
    services = {m["metadata"]["name"] for m in manifests if m["kind"] == "Service"}
    assert services == set(STATEFUL) | {"aws-gateway"}


def test_every_container_is_probed_limited_locked_down_and_configured_with_real_options(manifests):
    workloads = [m for m in manifests if m["kind"] in ("StatefulSet", "Deployment", "Job")]
    configmap = next(m for m in manifests if m["kind"] == "ConfigMap")["data"]
    for workload in workloads:
        pod = workload["spec"]["template"]["spec"]
        assert pod["securityContext"]["runAsNonRoot"] and pod["securityContext"]["runAsUser"] == 10001
        for container in pod["containers"]:
            name = f'{workload["kind"]}/{workload["metadata"]["name"]}'
            security = container["securityContext"]
            assert security["readOnlyRootFilesystem"] and not security["allowPrivilegeEscalation"], name
            assert security["capabilities"]["drop"] == ["ALL"], name
            assert {"cpu", "memory"} <= set(container["resources"]["requests"]), name
            assert {"cpu", "memory"} <= set(container["resources"]["limits"]), name
            if workload["kind"] != "Job":
                assert "readinessProbe" in container and "livenessProbe" in container, name
            known = options(command_of(container["args"]))
            set_here = {e["name"] for e in container.get("env", [])}
            assert set_here <= known, f"{name}: {set_here - known} are no options"
    # The ConfigMap's own CALLBACKSIM_ keys reach every process through envFrom: each is some process's option.
    everyone = set().union(*(options([process]) for process in STATEFUL + ["aws-gateway"]))
    shared = {key for key in configmap if key.startswith("CALLBACKSIM_")}
    assert shared and shared <= everyone, shared - everyone


def test_only_the_gateway_is_reachable_from_outside_the_namespace(manifests):
    policies = [m for m in manifests if m["kind"] == "NetworkPolicy"]
    default = next(p for p in policies if p["spec"]["podSelector"] == {})
    assert default["spec"]["ingress"] == [{"from": [{"podSelector": {}}]}]
    opened = [p for p in policies if p["spec"]["podSelector"] != {}]
    assert len(opened) == 1
    assert opened[0]["spec"]["podSelector"]["matchLabels"] == {"app.kubernetes.io/component": "aws-gateway"}
    assert opened[0]["spec"]["ingress"] == [{"ports": [{"port": 4566, "protocol": "TCP"}]}]
