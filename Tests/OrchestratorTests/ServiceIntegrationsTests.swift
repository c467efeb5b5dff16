import Foundation
import JSON
import Logging
import Orchestrator
import ServiceSupport
import StatesLanguage
import Synchronization
import Testing
import Wire
import ZeroMQ

@Suite struct ServiceIntegrationsTests {
    func invocation(_ arn: String, _ parameters: JSONValue) -> TaskInvocation {
        let json: JSONValue = [
            "taskKey": "3", "stateName": "S", "parameters": .string(parameters.serialized()),
            "resource": [
                "arn": .string(arn), "resourceType": .string(TaskResource(arn: arn)!.resourceType),
                "resource": .string(TaskResource(arn: arn)!.resource),
                "action": .string(TaskResource(arn: arn)!.action),
                "pattern": .string(TaskResource(arn: arn)!.pattern.rawValue),
            ],
        ]
        return try! WireCoding.decode(TaskInvocation.self, from: json.utf8Bytes)
    }

    @Test func serviceErrorsBecomeAWSTaskErrorsAndSilenceIsUnavailable() async throws {
        let context = Context()
        let server = try await WireServer.bind(
            context: context, endpoint: "tcp://127.0.0.1:*", logger: Logger(label: "t"))
        var router = WireRouter()
        router.on(SQS.sendMessage) { _, _ -> SendMessageOutput in
            throw AWSError("QueueDoesNotExist", "The specified queue does not exist.")
        }
        router.on(SNS.publish) { _, _ in PublishOutput(MessageId: "abc") }
        router.on(Lambda.invoke) { _, _ in
            InvokeOutput(Payload: ["errorType": "TaskTimedOut", "errorMessage": "late"], FunctionError: "Unhandled")
        }
        let routes = router
        let serving = Task { await server.run { request in try await routes.handle(request) } }
        let client = try await WireClient.connect(context: context, endpoint: server.endpoint)
        let dead = try await WireClient.connect(context: context, endpoint: "tcp://127.0.0.1:1")
        let integrations = ServiceIntegrations(
            queueBroker: client, functions: ["f": client, "gone": dead], callTimeout: .milliseconds(200))

        let send = await integrations.dispatch(
            invocation("arn:aws:states:::sqs:sendMessage", ["QueueUrl": "q", "MessageBody": ["a": 1]]),
            executionArn: "e", idempotencyKey: "k")
        guard case .failed(let error, let cause) = send else { Issue.record("\(send)"); return }
        #expect(error == "SQS.QueueDoesNotExistException")
        #expect(cause?.contains("Service: AmazonSQS") == true)

        let publish = await integrations.dispatch(
            invocation("arn:aws:states:::sns:publish", ["TopicArn": "t", "Message": "m"]), executionArn: "e",
            idempotencyKey: "k2")
        guard case .completed(let output) = publish else { Issue.record("\(publish)"); return }
        #expect(output["MessageId"] == "abc")
        #expect(output["SdkHttpMetadata"]?["HttpStatusCode"] == 200)

        let invoke = await integrations.dispatch(
            invocation(
                "arn:aws:states:::lambda:invoke",
                ["FunctionName": "arn:aws:lambda:us-east-1:123456789012:function:f", "Payload": [:]]),
            executionArn: "e", idempotencyKey: "k3")
        #expect(invoke == .failed(error: "TaskTimedOut", cause: #"{"errorType":"TaskTimedOut","errorMessage":"late"}"#))

        let unknown = await integrations.dispatch(
            invocation("arn:aws:states:::lambda:invoke", ["FunctionName": "nobody"]), executionArn: "e",
            idempotencyKey: "k4")
        guard case .failed(let unknownError, _) = unknown else { Issue.record("\(unknown)"); return }
        #expect(unknownError == "Lambda.ResourceNotFoundException")

        let silent = await integrations.dispatch(
            invocation("arn:aws:states:::lambda:invoke", ["FunctionName": "gone"]), executionArn: "e",
            idempotencyKey: "k5")
        guard case .unavailable = silent else { Issue.record("\(silent)"); return }

        serving.cancel()
        server.close()
        client.close()
        dead.close()
    }
}

extension ServiceIntegrationsTests {
    /// An engine with no route to a queue broker refuses SQS and SNS tasks when the machine is created, with a
    /// clear error, instead of retrying their calls for ever; Lambda tasks it still takes.
    @Test func anEngineWithoutABrokerRefusesSQSAndSNSMachines() async throws {
        let engine = WorkflowEngine(
            database: try WorkflowEngine.inMemoryDatabase(), clock: ManualWallClock(),
            dispatcher: ServiceIntegrations(queueBroker: nil, functions: [:]), logger: Logger(label: "t"))
        for resource in [
            "arn:aws:states:::sqs:sendMessage", "arn:aws:states:::sns:publish",
            "arn:aws:states:::aws-sdk:sqs:listQueues",
        ] {
            let definition =
                #"{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"\#(resource)","Parameters":{},"End":true}}}"#
            await expectAWSError("InvalidDefinition") {
                _ = try await engine.createStateMachine(CreateStateMachineInput(name: "M", definition: definition))
            }
        }
        _ = try await engine.createStateMachine(
            CreateStateMachineInput(
                name: "L",
                definition:
                    #"{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"f"},"End":true}}}"#
            ))
    }
}

extension ServiceIntegrationsTests {
    /// A function slower than its Timeout ends as Lambda ends it (Sandbox.Timedout, "Task timed out after …"),
    /// and the task fails with that error after one invocation, instead of being invoked again and again.
    @Test func aFunctionPastItsTimeoutFailsTheTaskOnce() async throws {
        let context = Context()
        let server = try await WireServer.bind(
            context: context, endpoint: "tcp://127.0.0.1:*", logger: Logger(label: "t"))
        let invocations = Mutex(0)
        var router = WireRouter()
        router.on(Lambda.invoke) { _, _ in
            try await LambdaRuntime.invoke(timeout: 0.5, on: SystemWallClock()) {
                invocations.withLock { $0 += 1 }
                try await Task.sleep(for: .seconds(3))
                return InvokeOutput(Payload: "late")
            }
        }
        let routes = router
        let serving = Task { await server.run { request in try await routes.handle(request) } }
        defer {
            serving.cancel()
            server.close()
        }
        let client = try await WireClient.connect(context: context, endpoint: server.endpoint)
        let integrations = ServiceIntegrations(
            queueBroker: nil, functions: ["Slow": client], functionTimeouts: ["Slow": 0.5],
            callTimeout: .seconds(1))
        let outcome = await integrations.dispatch(
            invocation("arn:aws:states:::lambda:invoke", ["FunctionName": "Slow", "Payload": [:]]),
            executionArn: "arn:aws:states:us-east-1:000000000000:execution:M:e", idempotencyKey: "e#1")
        guard case .failed(let error, let cause) = outcome else {
            Issue.record("expected the task to fail, got \(outcome)")
            return
        }
        #expect(error == "Sandbox.Timedout")
        #expect(cause?.contains("Task timed out after 0.50 seconds") == true, "\(cause ?? "")")
        #expect(invocations.withLock { $0 } == 1)
    }
}
