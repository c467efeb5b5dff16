import Faults
import Foundation
import Template
import Testing
import Topology

#if canImport(FoundationXML)
    import FoundationXML
#endif

/// The shipped experiments in reduced form (fewer executions); `make experiments` runs them at full size.
extension IntegrationTests {
    @Suite struct ExperimentTests {
        static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("experiments").path

        static let reduced: [(String, Int)] = [
            ("kill-orchestrator", 20), ("kill-queue-broker", 20), ("kill-api-simulator", 20),
            ("kill-callback-sender", 20), ("kill-notification-logger", 20), ("pause-queue-broker", 10),
            ("drop-10-percent", 12), ("duplicate-send-task-success", 10), ("delay-callbacks-past-timeout", 5),
            ("clock-skew-api-simulator", 10), ("heartbeat-timeout", 16), ("storm", 100),
        ]

        @Test(arguments: reduced)
        func shippedExperimentHoldsEveryInvariant(name: String, executions: Int) async throws {
            var experiment = try ExperimentRunner.load(path: "\(Self.directory)/\(name).yaml")
            experiment.workload.executions = executions
            let runner = ExperimentRunner(launcher: Launcher(template: try SAMTemplate.seed()), log: { _ in })
            let report = try await runner.run(experiment, seed: 7)
            #expect(report.passed, "\(report.summary)")
            #expect(report.executionsStarted == executions)
            #expect(report.faults.count == experiment.faults.count)
            if experiment.checker?.expectTimeouts == true {
                #expect(report.paths["timeout"] == executions)
            }
        }

        /// Network experiments, with each fault shortened to 8 s.
        static let network: [(String, Int)] = [("partition-orchestrator-queue-broker", 20), ("packet-loss-netns", 12)]

        @Test(.enabled(if: getuid() == 0, "network namespaces need root"), arguments: network)
        func networkExperimentHoldsEveryInvariantAndLeavesNothingBehind(name: String, executions: Int) async throws {
            var experiment = try ExperimentRunner.load(path: "\(Self.directory)/\(name).yaml")
            experiment.workload.executions = executions
            for index in experiment.faults.indices {
                experiment.faults[index].duration = 8
                // A pair with little traffic (idle long polls) may see no drop at 10% in 8 s; 30% makes one certain.
                if experiment.faults[index].kind == .loss { experiment.faults[index].probability = 0.3 }
            }
            let runner = ExperimentRunner(launcher: Launcher(template: try SAMTemplate.seed()), log: { _ in })
            let report = try await runner.run(experiment, seed: 7)
            #expect(report.passed, "\(report.summary)")
            #expect(report.faults.count == experiment.faults.count)
            // Every execution's SendMessage and Publish crosses the orchestrator ⟂ broker pair during the fault.
            for fault in report.faults where fault.summary.contains("orchestrator") {
                #expect((fault.droppedPackets ?? 0) > 0, "the kernel dropped nothing for \(fault.summary)")
            }
            #expect(NetworkLab.namespaces().filter { $0.hasPrefix("\(NetworkLab.prefix)-\(getpid())-") }.isEmpty)
        }

        @Test func everyShippedFileIsRunInReducedForm() throws {
            let files = try FileManager.default.contentsOfDirectory(atPath: Self.directory).filter {
                $0.hasSuffix(".yaml")
            }
            #expect(
                Set(files.map { String($0.dropLast(5)) }) == Set((Self.reduced + Self.network).map(\.0)))
        }
    }
}

@Suite struct ExperimentPlanTests {
    let experiment = Experiment(
        name: "t",
        workload: Workload(
            executions: 50, startsPerSecond: 10, successRatio: 0.3, waitTime: Distribution(uniform: [1, 9])))

    @Test func theSameSeedGivesTheSamePlan() {
        #expect(experiment.plan(seed: 3) == experiment.plan(seed: 3))
        #expect(experiment.plan(seed: 3) != experiment.plan(seed: 4))
        let plan = experiment.plan(seed: 3)
        #expect(plan.last?.startOffset == 4.9)
        let successes = plan.filter { $0.input.contains("success") }.count
        #expect((5...25).contains(successes))
    }

    /// Every planned execution has its own name, so retrying StartExecution after a lost reply is idempotent;
    /// the same seed names them the same, another seed differently (a second run on the same data is new work).
    @Test func plannedExecutionsAreNamedPerSeed() {
        let names = experiment.plan(seed: 3).map(\.name)
        #expect(Set(names).count == names.count)
        #expect(names == experiment.plan(seed: 3).map(\.name))
        #expect(Set(names).isDisjoint(with: experiment.plan(seed: 4).map(\.name)))
        #expect(names.allSatisfy { $0.count <= 80 && $0.allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" } })
    }

    @Test func theTimelineRendersAsSVG() throws {
        let report = ExperimentReport(
            experiment: "t <&>", seed: 1, executionsPlanned: 3, executionsStarted: 3, startErrors: [], quiescent: true,
            faults: [.init(kind: "kill", summary: "kill orchestrator", startedAt: 1, endedAt: 3)],
            invariants: [.init(invariant: "x", passed: true, violations: [])], paths: ["success": 3], deadLetters: 0,
            explanations: [:], latency: ["p50": 1], completionsPerSecond: [0, 2, 1], durationSeconds: 4)
        final class Counter: NSObject, XMLParserDelegate {
            var elements: [String: Int] = [:]
            var classes: [String] = []
            func parser(
                _ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                attributes: [String: String] = [:]
            ) {
                elements[name, default: 0] += 1
                if let kind = attributes["class"] { classes.append(kind) }
            }
        }
        let parser = XMLParser(data: Data(report.svg.utf8))
        let counter = Counter()
        parser.delegate = counter
        #expect(parser.parse(), "\(parser.parserError.map { "\($0)" } ?? "")")
        #expect(counter.elements["svg"] == 1)
        #expect(counter.classes.filter { $0 == "completions" }.count == 2)
        #expect(counter.classes.filter { $0 == "fault" }.count == 1)
        #expect(report.summary.contains("PASSED"))
    }
}
