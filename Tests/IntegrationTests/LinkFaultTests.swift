import Checking
import Experiments
import Foundation
import JSON
import Testing
import Topology
import Wire

extension IntegrationTests {
    @Suite struct LinkFaultTests {
        /// Faults switched on at run time over each process's socket: every SendTaskSuccess sent twice, every
        /// orchestrator→broker call delayed. No token may complete twice, and everything must end right.
        @Test func duplicatedCallbacksAndDelayedSendsKeepEveryInvariant() async throws {
            try await withTopology { harness in
                let _: EmptyOutput = try await harness.client.call(
                    .callbackSender, Control.putFaultRules,
                    PutFaultRulesInput(rules: [
                        LinkFaultRule(
                            link: "callback-sender->orchestrator", operation: "SendTaskSuccess", action: .duplicate)
                    ]))
                let _: EmptyOutput = try await harness.client.call(
                    .orchestrator, Control.putFaultRules,
                    PutFaultRulesInput(rules: [
                        LinkFaultRule(link: "orchestrator->queue-broker", action: .delay, delaySeconds: 0.2)
                    ]))
                var arns: [String] = []
                for index in 0..<10 {
                    arns.append(
                        try await harness.start(
                            #"{"waitTime": 1, "status": "\#(index % 2 == 0 ? "success" : "failure")"}"#))
                }
                _ = try await harness.reports(arns, timeout: .seconds(60))
                let recorder = Recorder(client: harness.client)
                #expect(try await recorder.waitForQuiescence(deadline: .now + .seconds(30)))
                let run = try await recorder.record()
                let result = Checker.check(run)
                #expect(result.violations == [], "\(result.violations)")
                #expect(result.paths == ["success": 5, "failure": 5])
                let statistics: FaultStatistics = try await harness.client.call(
                    .callbackSender, Control.getFaultStatistics, EmptyOutput())
                #expect(statistics.applied["duplicate callback-sender->orchestrator"] == 5)
                let delayed: FaultStatistics = try await harness.client.call(
                    .orchestrator, Control.getFaultStatistics, EmptyOutput())
                #expect((delayed.applied["delay orchestrator->queue-broker"] ?? 0) >= 20)
            }
        }

        /// Every process, the gateway too, answers SetClock: its own time (in Ping) moves by the offset, and back.
        @Test func everyProcessTakesAClockFault() async throws {
            try await withTopology { harness in
                for service in ServiceName.allCases {
                    let _: EmptyOutput = try await harness.client.call(
                        service, Control.setClock, SetClockInput(offsetSeconds: 1_000))
                    let skewed: PingOutput = try await harness.client.call(service, Control.ping, EmptyOutput())
                    let skew = try #require(skewed.clock) - Date().timeIntervalSince1970
                    #expect(abs(skew - 1_000) < 5, "\(service): \(skew)")
                    // Each process says how it was built (the bench refuses debug figures by it).
                    #expect(skewed.build == BenchTests.build, "\(service)")
                    let _: EmptyOutput = try await harness.client.call(
                        service, Control.setClock, SetClockInput(offsetSeconds: 0))
                    let restored: PingOutput = try await harness.client.call(service, Control.ping, EmptyOutput())
                    #expect(abs(try #require(restored.clock) - Date().timeIntervalSince1970) < 5, "\(service)")
                }
                await #expect(throws: AWSError.self) {
                    let _: EmptyOutput = try await harness.client.call(
                        .callbackSender, Control.setClock, SetClockInput(rate: 0))
                }
            }
        }

        /// A clock skewed at run time moves the timers of that process only.
        @Test func setClockSkewsOneProcessAtRunTime() async throws {
            try await withTopology { harness in
                // The orchestrator jumps 301 s ahead: the waiting task times out although the callback comes in 3 s.
                let arn = try await harness.start(#"{"waitTime": 3, "status": "success"}"#)
                try await Task.sleep(for: .milliseconds(300))
                let _: EmptyOutput = try await harness.client.call(
                    .orchestrator, Control.setClock, SetClockInput(offsetSeconds: 301))
                let report = try #require(try await harness.reports([arn], timeout: .seconds(30)).first)
                #expect(report.path.last == "SNS Publish - Send Error Notification")
                let history = try await harness.client.history(arn)
                #expect(history.contains { $0["type"] == "TaskTimedOut" })
            }
        }
    }
}
