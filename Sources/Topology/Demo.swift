import Foundation
import JSON
import Report
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

    /// The wire (a local topology's `ServiceDirectory`) or the AWS gateway (`GatewayClient`).
    public let caller: any OperationCaller
    public let stateMachine: String

    public init(caller: any OperationCaller, stateMachine: String = "WorkflowAsyncAPICallbackPattern") {
        self.caller = caller
        self.stateMachine = stateMachine
    }

    /// Runs the cases and returns each report with whether it came out as AWS would have it.
    public func run(timeout: Duration = .seconds(60)) async throws -> [(Case, ExecutionReport, Bool)] {
        let arn = try await caller.stateMachineArn(stateMachine)
        var started: [(Case, String)] = []
        for demoCase in Self.cases {
            let output = try await caller.call(
                StepFunctions.startExecution, StartExecutionInput(stateMachineArn: arn, input: demoCase.input))
            started.append((demoCase, output.executionArn))
        }
        let deadline = ContinuousClock.now + timeout
        var results: [(Case, ExecutionReport, Bool)] = []
        for (demoCase, executionArn) in started {
            var description: DescribeExecutionOutput
            repeat {
                description = try await caller.call(
                    StepFunctions.describeExecution, ExecutionArnInput(executionArn: executionArn))
                if description.status != "RUNNING" { break }
                try await Task.sleep(for: .milliseconds(100))
            } while ContinuousClock.now < deadline
            // The notification reaches the log shortly after the execution ends.
            var report = ExecutionReport(executionArn: executionArn, status: description.status, history: [], log: [])
            repeat {
                report = ExecutionReport(
                    executionArn: executionArn, status: description.status,
                    history: try await history(executionArn), log: try await notifications())
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

    /// Every event of an execution's history, a page at a time.
    func history(_ executionArn: String) async throws -> [JSONValue] {
        try await caller.executionHistory(executionArn)
    }

    /// The notifications the logger function logged, read back through CloudWatch Logs as a user would.
    func notifications() async throws -> [NotificationRecord] {
        var records: [NotificationRecord] = []
        var token: String?
        repeat {
            let page = try await caller.call(
                CloudWatchLogs.filterLogEvents,
                FilterLogEventsInput(logGroupName: CloudWatchLogs.notificationLogGroup, nextToken: token))
            records += page.events.flatMap { NotificationRecord.parse(logLine: $0.message, loggedAt: $0.timestamp) }
            token = page.nextToken
        } while token != nil
        return records
    }
}
