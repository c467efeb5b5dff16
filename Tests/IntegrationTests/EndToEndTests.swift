import Foundation
import JSON
import StatesLanguage
import Testing
import Topology
import Wire
import ZeroMQ

/// Multi-process tests: the real executables, on Unix sockets, one topology at a time (two cores).
extension IntegrationTests {
    @Suite struct EndToEndTests {
        @Test func demoRunsTheSeedScenarioAndExitsZero() async throws {
            let result = try await runTool("callbacksim", ["demo", "--data-dir", "/tmp/cbs-demo-\(getpid())"])
            #expect(result.status == 0, "\(result.stdout)\n\(result.stderr)")
            #expect(result.stdout.contains("notification: API Executed Successfully"))
            #expect(result.stdout.contains("notification: API Failed"))
            #expect(result.stdout.contains("Check Response Status → SNS Publish - Send Success Notification"))
            #expect(
                result.stdout.contains("Invoke Async API & Wait For CallBack → SNS Publish - Send Error Notification"))
        }

        /// The seed workflow's history, event by event, with AWS's ids and links.
        @Test func historyOfASuccessfulRunHasAWSEventsInOrder() async throws {
            try await withTopology { harness in
                let arn = try await harness.start(#"{"waitTime":0,"status":"success"}"#)
                let report = try #require(try await harness.reports([arn], timeout: .seconds(30)).first)
                #expect(report.status == "SUCCEEDED")
                // `callbacksim logs` prints FilterLogEvents' own shape: epoch milliseconds as numbers, no extras.
                let logs = try await runTool("callbacksim", ["logs", "--data-dir", harness.directory, "--limit", "1"])
                #expect(logs.status == 0, "\(logs.stderr)")
                let page = try JSONValue.parse(logs.stdout)
                let event = try #require(page["events"]?.arrayValue?.first)
                #expect(
                    Set(event.objectValue?.keys ?? []) == [
                        "logStreamName", "timestamp", "message", "ingestionTime", "eventId",
                    ])
                #expect((event["timestamp"]?.integerValue ?? 0) > 1_600_000_000_000)
                #expect((event["ingestionTime"]?.integerValue ?? 0) > 1_600_000_000_000)
                #expect(page["nextToken"] == nil)
                let history = try await harness.client.history(arn)
                let types = history.compactMap { $0["type"]?.stringValue }
                #expect(
                    types == [
                        "ExecutionStarted", "TaskStateEntered", "TaskScheduled", "TaskStarted", "TaskSubmitted",
                        "TaskSucceeded",
                        "TaskStateExited", "ChoiceStateEntered", "ChoiceStateExited", "TaskStateEntered",
                        "TaskScheduled",
                        "TaskStarted", "TaskSucceeded", "TaskStateExited", "ExecutionSucceeded",
                    ])
                #expect(history.compactMap { $0["id"]?.integerValue } == Array(1...history.count))
                #expect(history[2]["taskScheduledEventDetails"]?["timeoutInSeconds"] == 300)
                let callbackOutput = try #require(history[5]["taskSucceededEventDetails"]?["output"]?.stringValue)
                #expect(
                    try JSONValue.parse(callbackOutput) == [
                        "status": 200, "payload": ["body": "sample sucess message"],
                    ])
                #expect(report.notifications == ["API Executed Successfully"])
            }
        }

        /// waitTime above the task's 300 s TimeoutSeconds: States.Timeout, caught, error notification, and the late
        /// callback refused with TaskTimedOut. A clock 100× fast makes the 300 s take 3 s.
        @Test func timeoutTakesTheErrorPathAndTheLateCallbackIsRefused() async throws {
            try await withTopology(clockRate: 100) {
                harness in
                let arn = try await harness.start(#"{"waitTime":400,"status":"success"}"#)
                let report = try #require(try await harness.reports([arn], timeout: .seconds(30)).first)
                #expect(report.status == "SUCCEEDED")
                #expect(report.path.last == "SNS Publish - Send Error Notification")
                #expect(report.notifications == ["API Failed"])
                let history = try await harness.client.history(arn)
                let timedOut = try #require(history.first { $0["type"]?.stringValue == "TaskTimedOut" })
                #expect(timedOut["taskTimedOutEventDetails"]?["error"] == "States.Timeout")
                // The simulator calls back at 400 s (4 s real): the callback sender records TaskTimedOut.
                var outcomes: [String] = []
                for _ in 0..<60 {
                    let reply = try await harness.client.call(.callbackSender, Control.listCallbacks, EmptyOutput())
                    outcomes =
                        reply["callbacks"]?.arrayValue?.compactMap {
                            $0["outcome"]?.stringValue
                        } ?? []
                    if !outcomes.isEmpty { break }
                    try await Task.sleep(for: .milliseconds(250))
                }
                #expect(outcomes == ["TaskTimedOut"])
            }
        }

        @Test func tokenMisuseGetsAWSErrorsAndTheOrchestratorKeepsServing() async throws {
            try await withTopology { harness in
                // A task that waits for a callback that never comes (nobody consumes this queue).
                let definition =
                    #"{"StartAt":"Wait","States":{"Wait":{"Type":"Task","Resource":"arn:aws:states:::sqs:sendMessage.waitForTaskToken","Parameters":{"QueueUrl":"https://sqs.us-east-1.amazonaws.com/000000000000/workflow_requestorDLQ","MessageBody":{"token.$":"$$.Task.Token"}},"End":true}}}"#
                let _: CreateStateMachineOutput = try await harness.client.call(
                    .orchestrator, StepFunctions.createStateMachine,
                    CreateStateMachineInput(name: "Manual", definition: definition))
                let arn = try await harness.start("{}", machine: "Manual")
                var token = ""
                for _ in 0..<40 {
                    let history = try await harness.client.history(arn)
                    if let scheduled = history.first(where: { $0["type"]?.stringValue == "TaskScheduled" }),
                        let parameters = scheduled["taskScheduledEventDetails"]?["parameters"]?.stringValue,
                        let found = try JSONValue.parse(parameters)["MessageBody"]?["token"]?.stringValue
                    {
                        token = found
                        break
                    }
                    try await Task.sleep(for: .milliseconds(100))
                }
                #expect(!token.isEmpty)
                let dir = ["--data-dir", harness.directory]
                func cli(_ arguments: [String]) async throws -> (Int32, String) {
                    let result = try await runTool("callbacksim", arguments + dir)
                    return (result.status, result.stderr + result.stdout)
                }
                var (status, text) = try await cli([
                    "send-task-success", "--task-token", "\"\(token)\"", "--task-output", "{}",
                ])
                #expect(status != 0 && text.contains("(InvalidToken)"))
                // Well-formed (right checksum) but naming no task.
                var random: any RandomNumberGenerator = SystemRandomNumberGenerator()
                let stranger = TaskToken.mint(using: &random)
                (status, text) = try await cli(["send-task-success", "--task-token", stranger, "--task-output", "{}"])
                #expect(status != 0 && text.contains("(TaskDoesNotExist)"))
                (status, text) = try await cli([
                    "send-task-success", "--task-token", token, "--task-output", "{not json",
                ])
                #expect(status != 0 && text.contains("(InvalidOutput)"))
                (status, text) = try await cli(["send-task-heartbeat", "--task-token", token])
                #expect(status == 0, "\(text)")
                (status, text) = try await cli([
                    "send-task-success", "--task-token", token, "--task-output", #"{"done":true}"#,
                ])
                #expect(status == 0, "\(text)")
                (status, text) = try await cli(["send-task-success", "--task-token", token, "--task-output", "{}"])
                #expect(status != 0 && text.contains("(TaskTimedOut)"))
                (status, text) = try await cli(["send-task-failure", "--task-token", token, "--error", "E"])
                #expect(status != 0 && text.contains("(TaskTimedOut)"))
                let description = try await harness.describe(arn)
                #expect(description.status == "SUCCEEDED")
                #expect(description.output == #"{"done":true}"#)
            }
        }

        /// A user's JSONata machine on the real topology: a Map whose iterations each wait on their own token,
        /// completed one by one with `callbacksim send-task-success`.
        @Test func aJSONataMapOfCallbacksCompletesThroughTheCLI() async throws {
            try await withTopology { harness in
                let definition = """
                    {"QueryLanguage": "JSONata", "StartAt": "Each", "States": {"Each": {"Type": "Map",
                      "Items": "{% $states.input.orders %}",
                      "ItemProcessor": {"StartAt": "Ask", "States": {"Ask": {"Type": "Task",
                        "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
                        "Arguments": {"QueueUrl": "https://sqs.us-east-1.amazonaws.com/000000000000/workflow_requestorDLQ",
                                      "MessageBody": {"token": "{% $states.context.Task.Token %}", "order": "{% $states.input %}"}},
                        "Output": "{% $states.input & ':' & $states.result.verdict %}", "End": true}}},
                      "Output": "{% $join($states.result, ',') %}", "End": true}}}
                    """
                let _: CreateStateMachineOutput = try await harness.client.call(
                    .orchestrator, StepFunctions.createStateMachine,
                    CreateStateMachineInput(name: "Orders", definition: definition))
                let arn = try await harness.start(#"{"orders": ["o1", "o2"]}"#, machine: "Orders")
                var tokens: [String: String] = [:]
                for _ in 0..<50 where tokens.count < 2 {
                    for event in try await harness.client.history(arn)
                    where event["type"]?.stringValue == "TaskScheduled" {
                        let parameters = event["taskScheduledEventDetails"]?["parameters"]?.stringValue ?? "{}"
                        let body = try JSONValue.parse(parameters)["MessageBody"]
                        if let order = body?["order"]?.stringValue { tokens[order] = body?["token"]?.stringValue }
                    }
                    try await Task.sleep(for: .milliseconds(100))
                }
                #expect(tokens.count == 2)
                for (order, verdict) in [("o2", "no"), ("o1", "yes")] {
                    let result = try await runTool(
                        "callbacksim",
                        [
                            "send-task-success", "--task-token", tokens[order] ?? "", "--task-output",
                            #"{"verdict":"\#(verdict)"}"#, "--data-dir", harness.directory,
                        ])
                    #expect(result.status == 0, "\(result.stderr)")
                }
                var description = try await harness.describe(arn)
                for _ in 0..<50 where description.status == "RUNNING" {
                    try await Task.sleep(for: .milliseconds(100))
                    description = try await harness.describe(arn)
                }
                #expect(description.status == "SUCCEEDED")
                #expect(description.output == #""o1:yes,o2:no""#)
            }
        }

        /// A state machine hosted by the api-simulator has the orchestrator's integrations: its SQS task reaches
        /// the broker and succeeds, instead of retrying silently for ever.
        @Test func aMachineOnTheAPISimulatorSendsToSQS() async throws {
            try await withTopology { harness in
                let queue = "https://sqs.us-east-1.amazonaws.com/000000000000/workflow_requestorDLQ"
                let definition =
                    #"{"StartAt": "Send", "States": {"Send": {"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage", "#
                    + #""Parameters": {"QueueUrl": "\#(queue)", "MessageBody": "hello"}, "End": true}}}"#
                let machine: CreateStateMachineOutput = try await harness.client.call(
                    .apiSimulator, StepFunctions.createStateMachine,
                    CreateStateMachineInput(name: "SimulatorSends", definition: definition))
                let started: StartExecutionOutput = try await harness.client.call(
                    .apiSimulator, StepFunctions.startExecution,
                    StartExecutionInput(stateMachineArn: machine.stateMachineArn, input: "{}"))
                var description: DescribeExecutionOutput?
                for _ in 0..<100 {
                    description = try await harness.client.call(
                        .apiSimulator, StepFunctions.describeExecution,
                        ExecutionArnInput(executionArn: started.executionArn))
                    if description?.status != "RUNNING" { break }
                    try await Task.sleep(for: .milliseconds(100))
                }
                #expect(description?.status == "SUCCEEDED", "\(String(describing: description))")
                #expect(description?.output?.contains("MessageId") == true)
            }
        }

        @Test func malformedFramesToEveryProcessGetErrorsAndNothingCrashes() async throws {
            try await withTopology { harness in
                for service in ServiceName.allCases {
                    let raw = try await AsyncSocket.open(
                        context: harness.context, type: .dealer, role: .connect(harness.layout.endpoint(service)))
                    var replies = raw.messages.makeAsyncIterator()
                    let garbage: [[[UInt8]]] = [
                        [[0xDE, 0xAD]],
                        [Array("{".utf8), Array("{}".utf8)],
                        [Array(#"{"v":2,"op":"Ping","id":"x"}"#.utf8), Array("{}".utf8)],
                        [Array(#"{"v":1,"op":"NoSuchOperation","id":"y"}"#.utf8), Array("{}".utf8)],
                        [Array(#"{"v":1,"op":"Ping","id":"z"}"#.utf8), [0xFF, 0xFE, 0x00]],
                    ]
                    for frames in garbage {
                        raw.send(frames)
                        let reply = try #require(await replies.next())
                        #expect(reply.count == 2, "\(service)")
                    }
                    // A body that is not JSON, to an operation that needs one.
                    let op =
                        switch service {
                        case .queueBroker: "SendMessage"
                        case .notificationLogger, .callbackSender: "Invoke"
                        case .awsGateway: "PutFaultRules"
                        case .orchestrator, .apiSimulator: "StartExecution"
                        }
                    raw.send([Array(#"{"v":1,"op":"\#(op)","id":"w"}"#.utf8), Array("not json".utf8)])
                    let reply = try #require(await replies.next())
                    let error = try JSONDecoder().decode(AWSError.self, from: Data(reply[1]))
                    #expect(
                        ["SerializationException", "ValidationException"].contains(error.type), "\(service): \(error)")
                    raw.close()
                    #expect(
                        await Launcher.ping(harness.layout.endpoint(service), context: harness.context) != nil,
                        "\(service) stopped answering")
                }
            }
        }
    }
}
