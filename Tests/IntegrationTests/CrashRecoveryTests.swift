import Checking
import Experiments
import Foundation
import JSON
import Report
import Testing
import Topology
import Wire
import ZeroMQ

/// `kill -9` of a process while 20 executions wait for their callbacks, then `up`: every execution ends with the
/// outcome its input asked for and exactly one logged notification.
extension IntegrationTests {
    @Suite struct CrashRecoveryTests {
        static let executionCount = 20

        func inputs() -> [String] {
            (0..<Self.executionCount).map { index in
                #"{"waitTime": 3, "status": "\#(index % 2 == 0 ? "success" : "failure")"}"#
            }
        }

        func check(_ reports: [ExecutionReport], _ inputs: [String], _ harness: TopologyHarness) async throws {
            #expect(reports.count == inputs.count)
            for (report, input) in zip(reports, inputs) {
                let wantsSuccess = input.contains("success")
                #expect(report.status == "SUCCEEDED", "\(report.executionArn)")
                #expect(
                    report.notifications == [wantsSuccess ? "API Executed Successfully" : "API Failed"],
                    "\(report.executionArn): \(report.notifications)")
                #expect(
                    report.path.last
                        == (wantsSuccess
                            ? "SNS Publish - Send Success Notification" : "SNS Publish - Send Error Notification"))
            }
            // One logged notification per execution, none extra.
            let log = try await harness.client.notifications()
            #expect(log.count == inputs.count)
        }

        func crashAndRecover(_ victim: ServiceName, after delay: Duration) async throws {
            try await withTopology { harness in
                let inputs = inputs()
                var arns: [String] = []
                for input in inputs { arns.append(try await harness.start(input)) }
                try await Task.sleep(for: delay)
                harness.kill9(victim)
                // Stay down past the 3 s wait: callbacks, publishes and due timers meet a dead process.
                try await Task.sleep(for: .milliseconds(3500))
                try await harness.up()
                let reports = try await harness.reports(arns, timeout: .seconds(60))
                try await check(reports, inputs, harness)
                // The experiment checker must find nothing wrong either.
                let recorder = Recorder(client: harness.client)
                #expect(try await recorder.waitForQuiescence(deadline: .now + .seconds(30)))
                let result = Checker.check(try await recorder.record())
                #expect(result.violations == [], "\(result.violations)")
                #expect(result.paths == ["success": Self.executionCount / 2, "failure": Self.executionCount / 2])
                if reports.contains(where: { $0.notifications.count != 1 }) {
                    Issue.record("log of \(victim): \(harness.logTail(victim))")
                }
            }
        }

        @Test func orchestratorKilledWhileExecutionsWait() async throws {
            try await crashAndRecover(.orchestrator, after: .milliseconds(1500))
        }

        @Test func queueBrokerKilledWhileExecutionsWait() async throws {
            try await crashAndRecover(.queueBroker, after: .milliseconds(1500))
        }

        @Test func apiSimulatorKilledWhileItsTimersRun() async throws {
            try await crashAndRecover(.apiSimulator, after: .milliseconds(1500))
        }
    }
}

extension IntegrationTests.CrashRecoveryTests {
    /// A consumer that receives the job and dies before deleting it loses the job to the dead-letter queue
    /// (`maxReceiveCount: 1`), as on AWS: the execution times out, publishes the error, and the checker explains it.
    @Test func aJobReceivedButNotDeletedEndsInTheDeadLetterQueue() async throws {
        try await withTopology(clockRate: 100) {
            harness in
            harness.kill9(.apiSimulator)
            let arn = try await harness.start(#"{"waitTime": 1, "status": "success"}"#)
            let url: QueueUrlOutput = try await harness.client.call(
                .queueBroker, SQS.getQueueUrl, GetQueueUrlInput(QueueName: "workflow_requestorQueue"))
            // Receive the job and never delete it. The killed consumer's last long poll may still be parked at
            // the broker and take the message first (its reply goes to a dead socket): the same story, told by
            // another consumer, so either way the job was received and never deleted.
            var received: [SQSMessage] = []
            for _ in 0..<3 where received.isEmpty {
                let output: ReceiveMessageOutput = try await harness.client.call(
                    .queueBroker, SQS.receiveMessage,
                    ReceiveMessageInput(QueueUrl: url.QueueUrl, WaitTimeSeconds: 1))
                received = output.received
            }
            #expect(received.count <= 1)
            // Never deleted: past its 30 s visibility timeout (0.3 s here) the next receive moves it to the DLQ.
            try await Task.sleep(for: .milliseconds(500))
            try await harness.up()
            let report = try #require(try await harness.reports([arn], timeout: .seconds(30)).first)
            #expect(report.path.last == "SNS Publish - Send Error Notification")
            #expect(report.notifications == ["API Failed"])
            let recorder = Recorder(client: harness.client)
            #expect(try await recorder.waitForQuiescence(deadline: .now + .seconds(20)))
            let result = Checker.check(try await recorder.record())
            #expect(result.violations == [], "\(result.violations)")
            #expect(result.deadLetterCount == 1)
            #expect(result.explanations[arn]?.contains("dead-letter") == true)
        }
    }
}
