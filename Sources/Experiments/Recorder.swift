import Checking
import Foundation
import JSON
import ServiceSupport
import Topology
import Wire

/// Reads what the checker needs from a running topology.
public struct Recorder: Sendable {
    public var stateMachine = "WorkflowAsyncAPICallbackPattern"
    /// The api-simulator's machine: one run per request-queue message.
    public var simulatorStateMachine = "WorkflowExternalAsyncAPISimulator"
    public var requestQueue = "workflow_requestorQueue"
    public var deadLetterQueue = "workflow_requestorDLQ"
    public var taskTimeoutSeconds = 300.0
    public var timeoutToleranceSeconds = 0.0

    public let client: any ServiceCaller

    public init(client: any ServiceCaller) {
        self.client = client
    }

    func queueUrl(_ name: String) async throws -> String {
        let output: QueueUrlOutput = try await client.call(
            .queueBroker, SQS.getQueueUrl, GetQueueUrlInput(QueueName: name))
        return output.QueueUrl
    }

    func listExecutions(on service: ServiceName, machine: String) async throws -> [ExecutionListItem] {
        guard let arn = try await client.bound(to: service).stateMachineArn(named: machine) else { return [] }
        // Every page: ListExecutions answers at most 1,000 at a time, 100 unless asked.
        var executions: [ExecutionListItem] = []
        var token: String?
        repeat {
            let page: ListExecutionsOutput = try await client.call(
                service, StepFunctions.listExecutions,
                ListExecutionsInput(stateMachineArn: arn, maxResults: 1_000, nextToken: token))
            executions += page.executions
            token = page.nextToken
        } while token != nil
        return executions
    }

    /// Whether an execution of the machine `arn` (nil: none was found) runs on `service`.
    func anyRunning(on service: ServiceName, machine arn: String?) async throws -> Bool {
        guard let arn else { return false }
        let page: ListExecutionsOutput = try await client.call(
            service, StepFunctions.listExecutions,
            ListExecutionsInput(stateMachineArn: arn, statusFilter: "RUNNING", maxResults: 1))
        return !page.executions.isEmpty
    }

    /// Waits until no execution runs, the request queue is empty and no notification waits for delivery, or
    /// `deadline` passes. Returns whether it got quiet.
    public func waitForQuiescence(deadline: ContinuousClock.Instant) async throws -> Bool {
        try await waitForQuiescence(seconds: (deadline - .now).seconds, on: SystemWallClock())
    }

    /// The same, for up to `seconds` of `clock`'s time (a simulation's virtual time).
    public func waitForQuiescence(seconds: Double, on clock: any WallClock) async throws -> Bool {
        let deadline = clock.now() + seconds
        let workflow = try await client.bound(to: .orchestrator).stateMachineArn(named: stateMachine)
        let simulator = try await client.bound(to: .apiSimulator).stateMachineArn(named: simulatorStateMachine)
        // Looked up once, not at every poll: a queue's URL does not change.
        let requestQueueUrl = try await queueUrl(requestQueue)
        while clock.now() < deadline {
            let running = try await anyRunning(on: .orchestrator, machine: workflow)
            let simulating = try await anyRunning(on: .apiSimulator, machine: simulator)
            let left = try await messagesLeft(in: requestQueueUrl)
            let backlog: DeliveryBacklogOutput = try await client.call(
                .queueBroker, Control.getDeliveryBacklog, EmptyOutput())
            if !running && !simulating && left == 0 && backlog.pending == 0 { return true }
            try await clock.sleep(for: .milliseconds(250))
        }
        return false
    }

    func messagesLeft(in queueUrl: String) async throws -> Int {
        let attributes: GetQueueAttributesOutput = try await client.call(
            .queueBroker, SQS.getQueueAttributes, GetQueueAttributesInput(QueueUrl: queueUrl))
        return [
            "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible",
            "ApproximateNumberOfMessagesDelayed",
        ]
        .compactMap { attributes.Attributes?[$0].flatMap(Int.init) }.reduce(0, +)
    }

    /// Every event of an orchestrator execution's history, read a page at a time.
    func history(_ executionArn: String) async throws -> [JSONValue] {
        try await client.bound(to: .orchestrator).executionHistory(executionArn, timeout: .seconds(10))
    }

    public func record() async throws -> RecordedRun {
        var executions: [RecordedRun.Execution] = []
        for item in try await listExecutions(on: .orchestrator, machine: stateMachine) {
            let description: DescribeExecutionOutput = try await client.call(
                .orchestrator, StepFunctions.describeExecution,
                ExecutionArnInput(executionArn: item.executionArn))
            executions.append(
                .init(
                    executionArn: item.executionArn, input: description.input, status: description.status,
                    history: try await history(item.executionArn)))
        }
        var simulatorRuns: [RecordedRun.SimulatorRun] = []
        for item in try await listExecutions(on: .apiSimulator, machine: simulatorStateMachine) {
            var error: String?
            if item.status == "FAILED" {
                let description: DescribeExecutionOutput = try await client.call(
                    .apiSimulator, StepFunctions.describeExecution,
                    ExecutionArnInput(executionArn: item.executionArn))
                error = description.error
            }
            simulatorRuns.append(.init(name: item.name, status: item.status, error: error))
        }
        let callbackReply = try await client.call(.callbackSender, Control.listCallbacks, EmptyOutput())
        let callbacks =
            callbackReply["callbacks"]?.arrayValue?.compactMap {
                entry -> RecordedRun.Callback? in
                guard let token = entry["taskToken"]?.stringValue, let action = entry["action"]?.stringValue,
                    let outcome = entry["outcome"]?.stringValue
                else { return nil }
                return .init(taskToken: token, action: action, outcome: outcome)
            } ?? []
        let deadLetters: ReceiveMessageOutput = try await client.call(
            .queueBroker, Control.listMessages, QueueUrlInput(QueueUrl: try await queueUrl(deadLetterQueue)))
        return RecordedRun(
            executions: executions,
            notifications: try await client.call(
                .notificationLogger, Control.listNotifications, EmptyOutput()
            ).notifications,
            callbacks: callbacks,
            deadLetters: deadLetters.received.map { .init(messageId: $0.MessageId, body: $0.Body) },
            simulatorRuns: simulatorRuns,
            messagesLeftInRequestQueue: try await messagesLeft(in: try await queueUrl(requestQueue)),
            taskTimeoutSeconds: taskTimeoutSeconds, timeoutToleranceSeconds: timeoutToleranceSeconds)
    }
}
