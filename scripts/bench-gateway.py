#!/usr/bin/env python3
"""What the AWS gateway costs: DescribeExecution's latency through boto3, through plain HTTP to the gateway and
straight over the wire protocol to the orchestrator; the requests per second the gateway sustains (wrk); and its
idle resident memory. Run against a release build:

    swift build -c release && python3 scripts/bench-gateway.py

Each figure is the median of several runs. Needs boto3, pyzmq and wrk (installed when missing, as root).
"""
import http.client
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.environ.get("CALLBACKSIM_BIN", os.path.join(ROOT, ".build", "release"))
RUNS, CALLS = 5, 2000


def ensure():
    missing = [m for m in ("boto3", "zmq") if __import__("importlib").util.find_spec(m) is None]
    if missing:
        subprocess.run([sys.executable, "-m", "pip", "install", "-q"] + [{"zmq": "pyzmq"}.get(m, m) for m in missing],
                       check=True)
    if shutil.which("wrk") is None:
        subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=True, stdout=subprocess.DEVNULL)


def percentiles(samples):
    samples = sorted(samples)
    return samples[len(samples) // 2], samples[int(len(samples) * 0.99)]


def main():
    ensure()
    import boto3
    import zmq

    data = tempfile.mkdtemp(prefix="cbs-bench-")
    port = 4597
    up = subprocess.run([os.path.join(BIN, "callbacksim"), "up", "--data-dir", data, "--bin-dir", BIN,
                         "--base-port", "7300", "--gateway-port", str(port)], capture_output=True, text=True)
    assert up.returncode == 0, up.stderr
    state = json.load(open(os.path.join(data, "topology.json")))
    try:
        time.sleep(2)
        gateway_pid = state["pids"]["aws-gateway"]
        rss = int(next(l for l in open(f"/proc/{gateway_pid}/status") if l.startswith("VmRSS")).split()[1])
        endpoint = f"http://127.0.0.1:{port}"
        sfn = boto3.client("stepfunctions", endpoint_url=endpoint, region_name="us-east-1",
                           aws_access_key_id="test", aws_secret_access_key="test")
        arn = next(m["stateMachineArn"] for m in sfn.list_state_machines()["stateMachines"]
                   if m["name"] == "WorkflowAsyncAPICallbackPattern")
        execution = sfn.start_execution(stateMachineArn=arn, input='{"waitTime": 0, "status": "success"}')[
            "executionArn"]
        body = json.dumps({"executionArn": execution}).encode()
        headers = {"Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": "AWSStepFunctions.DescribeExecution"}

        def boto(n):
            times = []
            for _ in range(n):
                start = time.perf_counter()
                sfn.describe_execution(executionArn=execution)
                times.append(time.perf_counter() - start)
            return times

        connection = http.client.HTTPConnection("127.0.0.1", port)

        def plain(n):
            times = []
            for _ in range(n):
                start = time.perf_counter()
                connection.request("POST", "/", body=body, headers=headers)
                connection.getresponse().read()
                times.append(time.perf_counter() - start)
            return times

        socket = zmq.Context().socket(zmq.DEALER)
        socket.connect(state["layout"]["endpoints"]["orchestrator"])

        def wire(n):
            times = []
            for index in range(n):
                header = json.dumps({"v": 1, "op": "DescribeExecution", "api": "states", "id": str(index)}).encode()
                start = time.perf_counter()
                socket.send_multipart([header, body])
                socket.recv_multipart()
                times.append(time.perf_counter() - start)
            return times

        figures = {}
        for name, measure in [("boto3 → gateway", boto), ("HTTP → gateway", plain), ("wire → orchestrator", wire)]:
            measure(200)
            runs = [percentiles(measure(CALLS)) for _ in range(RUNS)]
            figures[name] = (statistics.median(r[0] for r in runs) * 1000, statistics.median(r[1] for r in runs) * 1000)
        script = os.path.join(data, "describe.lua")
        with open(script, "w") as f:
            f.write('wrk.method = "POST"\nwrk.body = [[%s]]\n' % body.decode())
            for key, value in headers.items():
                f.write(f'wrk.headers["{key}"] = "{value}"\n')
        rates = []
        for _ in range(3):
            out = subprocess.run(["wrk", "-t2", "-c32", "-d8s", "-s", script, endpoint + "/"], capture_output=True,
                                 text=True).stdout
            rates.append(float(next(l for l in out.splitlines() if l.startswith("Requests/sec")).split()[1]))
        print("DescribeExecution, one at a time (median of %d runs of %d calls):" % (RUNS, CALLS))
        for name, (p50, p99) in figures.items():
            print(f"  {name:24} p50 {p50:6.3f} ms   p99 {p99:6.3f} ms")
        added = figures["HTTP → gateway"][0] - figures["wire → orchestrator"][0]
        print(f"  the gateway adds {added:.3f} ms at p50")
        print(f"DescribeExecution through the gateway, wrk 2 threads 32 connections 8 s: "
              f"{statistics.median(rates):,.0f} requests/s (median of {rates})")
        print(f"aws-gateway idle resident memory: {rss / 1024:.1f} MB")
    finally:
        subprocess.run([os.path.join(BIN, "callbacksim"), "down", "--data-dir", data], capture_output=True)
        shutil.rmtree(data, ignore_errors=True)


if __name__ == "__main__":
    main()
