"""Your own worker in place of the api-simulator: `callbacksim up --external api-simulator`, then run this."""
import json
import os
import threading
import time

import boto3

aws = dict(endpoint_url=os.environ.get("AWS_ENDPOINT_URL", "http://localhost:4566"), region_name="us-east-1",
           aws_access_key_id="test", aws_secret_access_key="test")
sqs, sfn = boto3.client("sqs", **aws), boto3.client("stepfunctions", **aws)
queue = sqs.get_queue_url(QueueName="workflow_requestorQueue")["QueueUrl"]


def call_back(job):
    """The slow external API: works waitTime seconds, then answers the workflow's task token."""
    time.sleep(job["payload"].get("waitTime", 0))
    if job["payload"].get("status") == "success":
        result = {"status": 200, "payload": {"body": "done by my worker"}}
        sfn.send_task_success(taskToken=job["taskToken"], output=json.dumps(result))
    else:
        sfn.send_task_failure(taskToken=job["taskToken"], error="ExternalAPIFailed", cause="my worker said no")


while True:
    batch = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10, WaitTimeSeconds=20)
    for message in batch.get("Messages", []):
        threading.Thread(target=call_back, args=(json.loads(message["Body"]),)).start()
        sqs.delete_message(QueueUrl=queue, ReceiptHandle=message["ReceiptHandle"])
