"""The upstream sample's own console test steps, and answering a stuck callback by hand, in a real browser."""
import json
import time
from urllib.parse import quote

from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

from conftest import OUTPUT, Browser
from running_topology import start_topology, stop_topology

SEED = "WorkflowAsyncAPICallbackPattern"
SAMPLE_INPUT = '{"waitTime": 5, "status": "success"}'


def wait(browser, condition, timeout=30, message=""):
    """Until `condition` is truthy; pages re-render as they refresh, so a vanished element means "not yet"."""
    return WebDriverWait(browser.driver, timeout, poll_frequency=0.2,
                         ignored_exceptions=(NoSuchElementException, StaleElementReferenceException)).until(
        lambda _: condition(), message)


def node_status(browser, state):
    nodes = browser.driver.find_elements(By.CSS_SELECTOR, f'.state-node[data-state="{state}"]')
    return nodes[0].get_attribute("data-status") if nodes else None


def set_text(element, text):
    element.clear()
    element.send_keys(text)


def machine_arn(aws, name):
    machines = aws("stepfunctions").list_state_machines()["stateMachines"]
    return next(machine["stateMachineArn"] for machine in machines if machine["name"] == name)


def wait_for_end(aws, execution_arn, timeout=30):
    deadline = time.time() + timeout
    while time.time() < deadline:
        description = aws("stepfunctions").describe_execution(executionArn=execution_arn)
        if description["status"] != "RUNNING":
            return description
        time.sleep(0.2)
    raise AssertionError(f"{execution_arn} still running")


def test_the_seed_scenario_as_the_upstream_sample_tests_it(browser, aws):
    # State machines: the seed machine is listed with its type.
    browser.open()
    row = wait(browser, lambda: browser.driver.find_element(By.CSS_SELECTOR, f'#machines tr[data-machine="{SEED}"]'))
    assert "STANDARD" in row.text
    browser.screenshot("1-state-machines")

    # Its page draws the definition: every state, the Choice rule and Default, the Catch with its errors, start, end.
    row.find_element(By.LINK_TEXT, SEED).click()
    wait(browser, lambda: browser.driver.find_elements(By.CSS_SELECTOR, ".state-node"))
    states = {node.get_attribute("data-state") for node in browser.driver.find_elements(By.CSS_SELECTOR, ".state-node")}
    assert states == {"Invoke Async API & Wait For CallBack", "Check Response Status",
                      "SNS Publish - Send Success Notification", "SNS Publish - Send Error Notification"}
    labels = [label.text for label in browser.driver.find_elements(By.CSS_SELECTOR, ".edge-label")]
    assert "$.status == 200" in labels and "Default" in labels and "States.Timeout, States.TaskFailed" in labels
    assert browser.driver.find_elements(By.CSS_SELECTOR, '[data-kind="catch"] path.edge-catch')
    assert {t.text for t in browser.driver.find_elements(By.CSS_SELECTOR, ".terminal text")} == {"Start", "End"}
    browser.screenshot("2-state-machine")

    # The input is checked before it is sent.
    field = browser.driver.find_element(By.ID, "execution-input")
    button = browser.driver.find_element(By.ID, "start-execution")
    set_text(field, '{"waitTime": 5,')
    wait(browser, lambda: not button.is_enabled())
    assert "not valid JSON" in browser.driver.find_element(By.ID, "input-error").text
    set_text(field, SAMPLE_INPUT)
    wait(browser, lambda: button.is_enabled())
    set_text(browser.driver.find_element(By.ID, "execution-name"), f"console-seed-{int(time.time())}")
    button.click()

    # The execution page: the graph waits on the callback, then every state on the success path turns green.
    wait(browser, lambda: "#/execution/" in browser.driver.current_url)
    wait(browser, lambda: node_status(browser, "Invoke Async API & Wait For CallBack") == "waiting", 15)
    assert browser.driver.find_elements(By.CSS_SELECTOR, ".callback code.token")
    browser.screenshot("3-execution-waiting")
    wait(browser, lambda: browser.driver.find_element(By.CSS_SELECTOR, "#execution-status .badge")
         .get_attribute("data-status") == "SUCCEEDED", 40)
    wait(browser, lambda: node_status(browser, "SNS Publish - Send Success Notification") == "succeeded")
    assert node_status(browser, "Invoke Async API & Wait For CallBack") == "succeeded"
    assert node_status(browser, "Check Response Status") == "succeeded"
    assert node_status(browser, "SNS Publish - Send Error Notification") == "notReached"
    assert not browser.driver.find_elements(By.CSS_SELECTOR, ".callback")
    types = [row.get_attribute("data-event-type") for row in browser.driver.find_elements(By.CSS_SELECTOR, "#event-table tbody tr")]
    assert types[0] == "ExecutionStarted" and types[-1] == "ExecutionSucceeded" and "ChoiceStateEntered" in types

    # A state's input and output, by clicking it.
    browser.driver.find_element(By.CSS_SELECTOR, '.state-node[data-state="Check Response Status"]').click()
    detail = browser.driver.find_element(By.ID, "state-detail")
    wait(browser, lambda: "Check Response Status" in detail.text)
    assert '"status": 200' in detail.text
    browser.screenshot("4-execution-succeeded")

    # The logger's log group has the notification, newest first, and the filter box finds it.
    browser.driver.find_element(By.CSS_SELECTOR, 'nav a[data-section="logs"]').click()
    wait(browser, lambda: "API Executed Successfully" in browser.driver.find_element(By.ID, "log-events").text, 30)
    assert "WorkflowResponseLogger" in Select(browser.driver.find_element(By.ID, "log-group")).first_selected_option.text
    set_text(browser.driver.find_element(By.ID, "filter-pattern"), '"API Failed"')
    browser.driver.find_element(By.CSS_SELECTOR, "form.toolbar button[type=submit]").click()
    wait(browser, lambda: "matching" in browser.driver.find_element(By.ID, "log-events").text)
    assert "API Executed Successfully" not in browser.driver.find_element(By.ID, "log-events").text
    set_text(browser.driver.find_element(By.ID, "filter-pattern"), '"API Executed Successfully"')
    browser.driver.find_element(By.CSS_SELECTOR, "form.toolbar button[type=submit]").click()
    wait(browser, lambda: "API Executed Successfully" in browser.driver.find_element(By.ID, "log-events").text)
    browser.screenshot("5-logs")


def stuck_machine(aws, name):
    """A machine of the test's own whose callback never comes: its queue has no consumer."""
    queue = aws("sqs").create_queue(QueueName=f"{name}-requests")["QueueUrl"]
    definition = {
        "StartAt": "Call the slow API",
        "States": {
            "Call the slow API": {
                "Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
                "Parameters": {"QueueUrl": queue, "MessageBody": {"token.$": "$$.Task.Token", "order.$": "$.order"}},
                "TimeoutSeconds": 600, "HeartbeatSeconds": 300,
                "Catch": [{"ErrorEquals": ["Console.Failure"], "Next": "Record the failure"}],
                "Next": "Done",
            },
            "Record the failure": {"Type": "Pass", "End": True},
            "Done": {"Type": "Succeed"},
        },
    }
    arn = aws("stepfunctions").create_state_machine(
        name=name, definition=json.dumps(definition), roleArn="arn:aws:iam::000000000000:role/console")["stateMachineArn"]
    return arn, queue


def open_execution(browser, execution_arn):
    browser.open(f"#/execution/{quote(execution_arn, safe='')}")
    return wait(browser, lambda: browser.driver.find_element(By.CSS_SELECTOR, ".callback"), 15)


def test_a_stuck_callback_is_seen_and_answered_by_hand(browser, aws):
    sfn = aws("stepfunctions")
    arn, queue = stuck_machine(aws, "console-stuck")
    execution = sfn.start_execution(stateMachineArn=arn, name="answer-me", input='{"order": 7}')["executionArn"]

    # The card shows the very token the message carries, the timeouts and the time left.
    card = open_execution(browser, execution)
    message = aws("sqs").receive_message(QueueUrl=queue, WaitTimeSeconds=5)["Messages"][0]
    token = json.loads(message["Body"])["token"]
    assert card.find_element(By.CSS_SELECTOR, "code.token").text == token
    assert "timeout 600 s" in card.text and "heartbeat every 300 s" in card.text and "left" in card.text
    assert node_status(browser, "Call the slow API") == "waiting"
    browser.screenshot("1-waiting-for-a-callback")

    # A heartbeat is accepted and the task keeps waiting.
    card.find_element(By.CSS_SELECTOR, "button.send-heartbeat").click()
    wait(browser, lambda: "SendTaskHeartbeat accepted" in card.text)
    assert sfn.describe_execution(executionArn=execution)["status"] == "RUNNING"

    # Output that is not JSON is refused on the page; JSON is sent, and the execution ends with it.
    output = card.find_element(By.CSS_SELECTOR, "textarea.callback-output")
    set_text(output, "{not json")
    card.find_element(By.CSS_SELECTOR, "button.send-success").click()
    wait(browser, lambda: "not valid JSON" in card.text)
    assert sfn.describe_execution(executionArn=execution)["status"] == "RUNNING"
    set_text(output, '{"approved": true, "by": "console"}')
    card.find_element(By.CSS_SELECTOR, "button.send-success").click()
    wait(browser, lambda: browser.driver.find_element(By.CSS_SELECTOR, "#execution-status .badge")
         .get_attribute("data-status") == "SUCCEEDED", 15)
    assert json.loads(wait_for_end(aws, execution)["output"]) == {"approved": True, "by": "console"}
    wait(browser, lambda: node_status(browser, "Done") == "succeeded")
    assert node_status(browser, "Call the slow API") == "succeeded"
    assert node_status(browser, "Record the failure") == "notReached"
    assert not browser.driver.find_elements(By.CSS_SELECTOR, ".callback")
    browser.screenshot("2-answered")

    # Send failure: the error is caught by the machine's Catch, and the graph says so.
    failing = sfn.start_execution(stateMachineArn=arn, name="fail-me", input='{"order": 8}')["executionArn"]
    card = open_execution(browser, failing)
    set_text(card.find_element(By.CSS_SELECTOR, "input.callback-cause"), "rejected by hand")
    card.find_element(By.CSS_SELECTOR, "button.send-failure").click()
    wait(browser, lambda: node_status(browser, "Record the failure") == "succeeded", 15)
    assert node_status(browser, "Call the slow API") == "caught"
    history = sfn.get_execution_history(executionArn=failing)["events"]
    failed = next(event for event in history if event["type"] == "TaskFailed")["taskFailedEventDetails"]
    assert failed["error"] == "Console.Failure" and failed["cause"] == "rejected by hand"
    browser.screenshot("3-failure-caught")

    # Stop execution: the waiting state is cancelled.
    stopping = sfn.start_execution(stateMachineArn=arn, name="stop-me", input='{"order": 9}')["executionArn"]
    open_execution(browser, stopping)
    browser.driver.find_element(By.ID, "stop-execution").click()
    browser.driver.switch_to.alert.accept()
    wait(browser, lambda: node_status(browser, "Call the slow API") == "cancelled", 15)
    assert wait_for_end(aws, stopping)["status"] == "ABORTED"
    browser.screenshot("4-stopped")

    # The executions page lists all three, newest first, and filters by status.
    browser.open(f"#/executions/{quote(arn, safe='')}")
    wait(browser, lambda: len(browser.driver.find_elements(By.CSS_SELECTOR, "#executions tbody tr")) == 3)
    names = [row.get_attribute("data-execution") for row in browser.driver.find_elements(By.CSS_SELECTOR, "#executions tbody tr")]
    assert names == ["stop-me", "fail-me", "answer-me"]
    Select(browser.driver.find_element(By.ID, "status-filter")).select_by_value("ABORTED")
    wait(browser, lambda: [row.get_attribute("data-execution") for row in
                           browser.driver.find_elements(By.CSS_SELECTOR, "#executions tbody tr")] == ["stop-me"])
    browser.screenshot("5-executions-aborted")


def queue_row(browser, name):
    return browser.driver.find_element(By.CSS_SELECTOR, f'#queues tr[data-queue="{name}"]')


def test_queues_are_counted_peeked_without_receiving_and_redriven(browser, aws):
    sqs = aws("sqs")
    dlq = sqs.create_queue(QueueName="console-dlq")["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    source = sqs.create_queue(QueueName="console-source", Attributes={
        "VisibilityTimeout": "1", "RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 1})})["QueueUrl"]
    for number in range(3):
        sqs.send_message(QueueUrl=source, MessageBody=json.dumps({"job": number}))
    sqs.send_message(QueueUrl=source, MessageBody="delayed", DelaySeconds=900)

    browser.open("#/queues")
    wait(browser, lambda: queue_row(browser, "console-source").find_element(By.CSS_SELECTOR, ".visible").text == "3")
    row = queue_row(browser, "console-source")
    assert row.find_element(By.CSS_SELECTOR, ".in-flight").text == "0"
    assert row.find_element(By.CSS_SELECTOR, ".delayed").text == "1"
    assert "console-dlq (after 1 receives)" in row.text
    assert "dead-letter queue" in queue_row(browser, "console-dlq").text

    # Peeking shows the bodies and receives nothing: no receive count, nothing goes in flight.
    row.find_element(By.CSS_SELECTOR, "button.peek").click()
    peeked = wait(browser, lambda: browser.driver.find_element(By.ID, "peeked"))
    assert all(f'"job": {number}' in peeked.get_attribute("textContent") for number in range(3))
    attributes = sqs.get_queue_attributes(QueueUrl=source, AttributeNames=["All"])["Attributes"]
    assert attributes["ApproximateNumberOfMessages"] == "3" and attributes["ApproximateNumberOfMessagesNotVisible"] == "0"
    browser.screenshot("1-peeked")

    # A message received past maxReceiveCount lands in the DLQ; the console moves it back to its source.
    retry = sqs.create_queue(QueueName="console-retry", Attributes={
        "RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 1})})["QueueUrl"]
    sqs.send_message(QueueUrl=retry, MessageBody="poison")
    deadline = time.time() + 10
    while sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["ApproximateNumberOfMessages"])["Attributes"][
            "ApproximateNumberOfMessages"] != "1":
        sqs.receive_message(QueueUrl=retry, VisibilityTimeout=0)
        assert time.time() < deadline, "the message never reached the DLQ"
        time.sleep(0.2)
    redrive = wait(browser, lambda: queue_row(browser, "console-dlq").find_element(By.CSS_SELECTOR, "button.redrive"), 10)
    browser.screenshot("2-dead-letter")
    redrive.click()
    deadline = time.time() + 15
    while sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["ApproximateNumberOfMessages"])["Attributes"][
            "ApproximateNumberOfMessages"] != "0":
        assert time.time() < deadline, "the DLQ's message was not moved back"
        time.sleep(0.3)
    wait(browser, lambda: "last move: COMPLETED" in queue_row(browser, "console-dlq").text, 10)
    assert [m["Body"] for m in sqs.receive_message(QueueUrl=retry, WaitTimeSeconds=2)["Messages"]] == ["poison"]

    # Topics and their subscriptions.
    topics = browser.driver.find_element(By.ID, "topics").text
    assert "workflow_AsyncAPIResponseTopic" in topics and "lambda" in topics and "WorkflowResponseLogger" in topics
    browser.screenshot("3-redriven")


def test_experiment_reports_show_their_timeline_and_invariants(browser, reports):
    report = json.load(open(f"{reports}/kill-callback-sender-1/report.json"))
    browser.open("#/experiments")
    row = wait(browser, lambda: browser.driver.find_element(By.CSS_SELECTOR, '#reports tr[data-report="kill-callback-sender-1"]'))
    assert report["experiment"] in row.text and "Passed" in row.text
    browser.screenshot("1-reports")
    row.find_element(By.TAG_NAME, "a").click()
    table = wait(browser, lambda: browser.driver.find_element(By.ID, "invariants"))
    shown = {row.get_attribute("data-invariant") for row in table.find_elements(By.CSS_SELECTOR, "tbody tr")}
    assert shown == {invariant["invariant"] for invariant in report["invariants"]}
    timeline = browser.driver.find_element(By.CSS_SELECTOR, "img.timeline")
    wait(browser, lambda: browser.driver.execute_script("return arguments[0].complete && arguments[0].naturalWidth", timeline) > 0)
    browser.screenshot("2-report")


def test_pages_fit_a_phone(browser, aws):
    browser.driver.set_window_size(390, 844)
    arn = machine_arn(aws, SEED)
    for hash_, ready in [("#/state-machines", "#machines"), (f"#/state-machine/{quote(arn, safe='')}", ".state-node"),
                         ("#/queues", "#queues"), ("#/logs", "#log-events")]:
        browser.open(hash_)
        wait(browser, lambda: browser.driver.find_elements(By.CSS_SELECTOR, ready))
        # Nothing wider than the screen but the tables and graphs, which scroll inside their own boxes.
        overflow = browser.driver.execute_script("return document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 1, f"{hash_} is {overflow}px wider than a phone"
    browser.open(f"#/state-machine/{quote(arn, safe='')}")
    wait(browser, lambda: browser.driver.find_elements(By.CSS_SELECTOR, ".state-node"))
    browser.screenshot("1-state-machine-on-a-phone")


def test_executions_are_paged_newest_first(browser, aws):
    sfn = aws("stepfunctions")
    arn = sfn.create_state_machine(
        name="console-paged", roleArn="arn:aws:iam::000000000000:role/console",
        definition=json.dumps({"StartAt": "Pass", "States": {"Pass": {"Type": "Pass", "End": True}}}))["stateMachineArn"]
    for number in range(27):
        sfn.start_execution(stateMachineArn=arn, name=f"run-{number:02d}")
    browser.open(f"#/executions/{quote(arn, safe='')}")
    rows = lambda: [row.get_attribute("data-execution")
                    for row in browser.driver.find_elements(By.CSS_SELECTOR, "#executions tbody tr")]
    wait(browser, lambda: len(rows()) == 25)
    assert rows()[0] == "run-26" and rows()[-1] == "run-02"
    browser.driver.find_element(By.ID, "older").click()
    wait(browser, lambda: rows() == ["run-01", "run-00"], 5)
    assert not browser.driver.find_element(By.ID, "older").is_enabled()
    browser.screenshot("1-second-page")
    browser.driver.find_element(By.ID, "newer").click()
    wait(browser, lambda: len(rows()) == 25 and rows()[0] == "run-26", 5)


def test_a_gateway_that_checks_signatures_is_used_with_a_key(browser_session):
    """With `up --credentials`, every page's calls are signed with SigV4 from the key given in the dialog."""
    signed = start_topology("--credentials", "AKIDCONSOLE:console-secret")
    browser = Browser(browser_session, signed.endpoint, OUTPUT / "test_a_gateway_that_checks_signatures")
    try:
        browser.open()
        box = wait(browser, lambda: browser.driver.find_element(By.CSS_SELECTOR, ".error-box"))
        assert box.get_attribute("data-code") == "MissingAuthenticationTokenException"

        def sign_with(secret):
            browser.driver.find_element(By.CSS_SELECTOR, ".error-box .ask-credentials").click()
            set_text(browser.driver.find_element(By.ID, "access-key-id"), "AKIDCONSOLE")
            set_text(browser.driver.find_element(By.ID, "secret-access-key"), secret)
            browser.driver.find_element(By.ID, "save-credentials").click()

        sign_with("not-the-secret")
        wait(browser, lambda: browser.driver.find_element(By.CSS_SELECTOR, ".error-box")
             .get_attribute("data-code") == "InvalidSignatureException")
        sign_with("console-secret")
        wait(browser, lambda: browser.driver.find_element(By.CSS_SELECTOR, f'#machines tr[data-machine="{SEED}"]'))
        assert browser.driver.find_element(By.ID, "credentials-button").text == "Signing as AKIDCONSOLE"
        # SQS's JSON protocol, SNS's query protocol and the peek extension are signed the same way.
        browser.open("#/queues")
        wait(browser, lambda: "workflow_AsyncAPIResponseTopic" in browser.driver.find_element(By.ID, "topics").text)
        queue_row(browser, "workflow_requestorQueue").find_element(By.CSS_SELECTOR, "button.peek").click()
        wait(browser, lambda: browser.driver.find_element(By.ID, "peeked"))
        assert not browser.driver.find_elements(By.CSS_SELECTOR, ".error-box")
        browser.screenshot("1-signed")
        errors = browser.script_errors()
        assert errors == [], "\n".join(errors)
    finally:
        stop_topology(signed)


def test_parallel_branches_and_map_iterations_are_drawn_inside_their_states(browser, aws):
    sfn = aws("stepfunctions")
    definition = {"StartAt": "Both", "States": {
        "Both": {"Type": "Parallel", "Next": "Done", "Branches": [
            {"StartAt": "Pause", "States": {"Pause": {"Type": "Wait", "Seconds": 1, "End": True}}},
            {"StartAt": "Each", "States": {"Each": {
                "Type": "Map", "ItemsPath": "$.items", "End": True,
                "ItemProcessor": {"StartAt": "Double", "States": {"Double": {"Type": "Pass", "End": True}}}}}}]},
        "Done": {"Type": "Succeed"}}}
    arn = sfn.create_state_machine(name="console-nested", definition=json.dumps(definition),
                                   roleArn="arn:aws:iam::000000000000:role/console")["stateMachineArn"]
    good = sfn.start_execution(stateMachineArn=arn, name="items", input='{"items": [1, 2, 3]}')["executionArn"]
    bad = sfn.start_execution(stateMachineArn=arn, name="not-a-list", input='{"items": 3}')["executionArn"]
    wait_for_end(aws, good)
    wait_for_end(aws, bad)

    browser.open(f"#/execution/{quote(good, safe='')}")
    wait(browser, lambda: node_status(browser, "Done") == "succeeded")
    nested = browser.driver.find_elements(
        By.CSS_SELECTOR, '.state-node[data-state="Both"] .state-node[data-state="Each"] .state-node[data-state="Double"]')
    assert len(nested) == 1, "Double is drawn inside Each, inside Both"
    assert "3/3" in browser.driver.find_element(By.CSS_SELECTOR, '.state-node[data-state="Each"] > .state-type').text
    browser.driver.find_element(By.CSS_SELECTOR, '.state-node[data-state="Each"] > .state-name').click()
    wait(browser, lambda: "Iterations: 3 started, 3 succeeded, 0 failed" in browser.driver.find_element(By.ID, "state-detail").text)
    browser.screenshot("1-nested-succeeded")

    # A Map whose input is not a list fails the run: the Map and its Parallel failed, the other branch cancelled.
    browser.open(f"#/execution/{quote(bad, safe='')}")
    wait(browser, lambda: node_status(browser, "Each") == "failed")
    assert node_status(browser, "Both") == "failed"
    assert node_status(browser, "Pause") == "cancelled"
    assert node_status(browser, "Double") == "notReached" and node_status(browser, "Done") == "notReached"
    browser.screenshot("2-nested-failed")
