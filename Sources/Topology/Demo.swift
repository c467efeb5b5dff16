import Foundation
import JSON
import Wire
import ZeroMQ

/// The seed scenario end to end: a success and a failure input through all five services.
public struct Demo: Sendable {
    public struct Case: Sendable {
        public var input: String
        public var expectedState: String
        public var expectedNotification: String
    }

    public static let cases = [
        Case(
            input: #"{"waitTime": 1, "status": "success"}"#, expectedState: "SNS Publish - Send Success Notification",
            expectedNotification: "API Executed Successfully"),
        Case(
            input: #"{"waitTime": 1, "status": "failure"}"#, expectedState: "SNS Publish - Send Error Notification",
            expectedNotification: "API Failed"),
    ]

    public let client: TopologyClient
    public let stateMachine: String

    public init(client: TopologyClient, stateMachine: String = "WorkflowAsyncAPICallbackPattern") {
        self.client = client
        self.stateMachine = stateMachine
    }

    /// Runs the cases and returns each report with whether it came out as AWS would have it.
    public func run(timeout: Duration = .seconds(60)) async throws -> [(Case, ExecutionReport, Bool)] {
        let arn = try await client.stateMachineArn(stateMachine)
        var started: [(Case, String)] = []
        for demoCase in Self.cases {
            let output: StartExecutionOutput = try await client.call(
                .orchestrator, StepFunctions.startExecution,
                StartExecutionInput(stateMachineArn: arn, input: demoCase.input))
            started.append((demoCase, output.executionArn))
        }
        let deadline = ContinuousClock.now + timeout
        var results: [(Case, ExecutionReport, Bool)] = []
        for (demoCase, executionArn) in started {
            var description: DescribeExecutionOutput
            repeat {
                description = try await client.call(
                    .orchestrator, StepFunctions.describeExecution,
                    ExecutionArnInput(executionArn: executionArn))
                if description.status != "RUNNING" { break }
                try await Task.sleep(for: .milliseconds(100))
            } while ContinuousClock.now < deadline
            // The notification reaches the log shortly after the execution ends.
            var report = ExecutionReport(executionArn: executionArn, status: description.status, history: [], log: [])
            repeat {
                report = ExecutionReport(
                    executionArn: executionArn, status: description.status,
                    history: try await client.history(executionArn),
                    log: try await client.notifications())
                if !report.notifications.isEmpty || description.status != "SUCCEEDED" { break }
                try await Task.sleep(for: .milliseconds(100))
            } while ContinuousClock.now < deadline
            let ok =
                report.status == "SUCCEEDED" && report.path.last == demoCase.expectedState
                && report.notifications == [demoCase.expectedNotification]
            results.append((demoCase, report, ok))
        }
        return results
    }
}
