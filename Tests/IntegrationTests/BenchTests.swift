import Foundation
import JSON
import Testing

/// `callbacksim bench` on a fresh topology: every workflow ends, the figures are the run's own, and a debug build
/// is refused unless allowed.
@Suite(.serialized) struct BenchTests {
    /// The executables under test were built as this test was.
    #if DEBUG
        static let build = "debug"
    #else
        static let build = "release"
    #endif

    @Test func aSmallBenchRunsEveryWorkflowAndReportsItsCost() async throws {
        let result = try await runTool(
            "callbacksim", ["bench", "--workflows", "40", "--in-flight", "8", "--allow-debug", "--json"], timeout: 180)
        #expect(result.status == 0, "\(result.stderr)")
        let report = try JSONValue.parse(result.stdout)
        #expect(report["workflows"] == 40)
        // Both outcomes end the seed machine SUCCEEDED (a failed callback is caught and notified).
        #expect(report["outcomes"] == ["SUCCEEDED": 40])
        #expect(report["callbackErrors"] == 0)
        #expect(report["startErrors"] == 0)
        #expect(report["target"] == "wire")
        for latency in ["startToEnd", "startExecution", "sendTaskSuccess"] {
            #expect(report[latency]?["count"] == 40, "\(latency)")
            let p50 = report[latency]?["p50"]?.numberValue ?? -1
            let max = report[latency]?["max"]?.numberValue ?? -1
            #expect(p50 > 0 && p50 <= max, "\(latency)")
        }
        #expect((report["workflowsPerSecond"]?.numberValue ?? 0) > 0)
        #expect(report["build"]?.stringValue == Self.build)
        // The bench is the worker: no api-simulator ran; the orchestrator did work and holds memory.
        #expect(report["processes"]?["api-simulator"] == nil)
        #expect((report["processes"]?["orchestrator"]?["cpuSeconds"]?.numberValue ?? 0) > 0)
        #expect((report["processes"]?["orchestrator"]?["peakResidentMegabytes"]?.numberValue ?? 0) > 1)
    }

    @Test(.enabled(if: build == "debug")) func aDebugBuildIsRefusedUnlessAllowed() async throws {
        let result = try await runTool("callbacksim", ["bench", "--workflows", "1"], timeout: 60)
        #expect(result.status != 0)
        #expect(result.stderr.contains("debug build"), "\(result.stderr)")
    }
}

extension BenchTests {
    /// `--paused`: the executions wait through a SIGKILL of every process and all resume once answered.
    @Test func pausedExecutionsSurviveAKillOfEveryProcessAndResume() async throws {
        let result = try await runTool(
            "callbacksim", ["bench", "--paused", "60", "--in-flight", "16", "--allow-debug", "--json"], timeout: 180)
        #expect(result.status == 0, "\(result.stderr)")
        let report = try JSONValue.parse(result.stdout)
        #expect(report["executions"] == 60)
        #expect(report["outcomes"] == ["SUCCEEDED": 60])
        #expect(report["callbackErrors"] == 0)
        #expect(
            report["restartedProcesses"]
                == ["aws-gateway", "callback-sender", "notification-logger", "orchestrator", "queue-broker"])
        #expect((report["diskBytes"]?["orchestrator"]?.numberValue ?? 0) > 0)
        #expect((report["residentMegabytes"]?["orchestrator"]?.numberValue ?? 0) > 1)
        #expect((report["secondsToRestart"]?.numberValue ?? 0) > 0)
    }
}
