import Checking
import Experiments
import FaultInjection
import Foundation
import NetworkNamespaces
import Report
import Template
import Testing
import Topology
import Workloads

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
            ("clock-skew-api-simulator", 10), ("heartbeat-timeout", 16), ("storm", 100), ("storm-in-turn", 40),
            ("slow-disk", 20),
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

        /// `experiment sweep` runs one experiment over several seeds and sums them up; a passing sweep exits 0.
        @Test func aSweepRunsEachSeedAndSumsUp() async throws {
            let result = try await runTool(
                "callbacksim",
                [
                    "experiment", "sweep", "\(Self.directory)/duplicate-send-task-success.yaml", "--seeds", "1-2",
                    "--executions", "4", "--jobs", "2", "--reports", "/tmp/cbs-sweep-\(getpid())",
                ], timeout: 300)
            #expect(result.status == 0, "\(result.stdout)\n\(result.stderr)")
            #expect(result.stdout.contains("seed 1: passed  4/4 executions"))
            #expect(result.stdout.contains("seed 2: passed  4/4 executions"))
            #expect(result.stdout.contains("2/2 seeds passed"))
            #expect(result.stdout.contains("violations by invariant: none"))
        }

        /// Network experiments, with each fault shortened to 8 s.
        static let network: [(String, Int)] = [("partition-orchestrator-queue-broker", 20), ("packet-loss-netns", 12)]

        @Test(.enabled(if: getuid() == 0, "network namespaces need root"), arguments: network)
        func networkExperimentHoldsEveryInvariantAndLeavesNothingBehind(name: String, executions: Int) async throws {
            var experiment = try ExperimentRunner.load(path: "\(Self.directory)/\(name).yaml")
            experiment.workload.executions = executions
            for index in experiment.faults.indices {
                var fault = experiment.faults[index].fault.lasting(8)
                // A pair with little traffic (idle long polls) may see no drop at 10% in 8 s; 30% makes one certain.
                if case .network(.loss(let a, let b, _), let duration) = fault {
                    fault = .network(.loss(a, b, probability: 0.3), duration: duration)
                }
                experiment.faults[index].fault = fault
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
        #expect(experiment.workload.plan(seed: 3) == experiment.workload.plan(seed: 3))
        #expect(experiment.workload.plan(seed: 3) != experiment.workload.plan(seed: 4))
        let plan = experiment.workload.plan(seed: 3)
        #expect(plan.last?.startOffset == 4.9)
        let successes = plan.filter { $0.input.contains("success") }.count
        #expect((5...25).contains(successes))
    }

    @Test func sweepSeedsAreRangesAndLists() {
        #expect(Experiment.seeds("1-3") == [1, 2, 3])
        #expect(Experiment.seeds("3,7, 9") == [3, 7, 9])
        #expect(Experiment.seeds("1-2,9") == [1, 2, 9])
        for bad in ["", "5-1", "a", "1-", "-3", "1-2-3"] { #expect(Experiment.seeds(bad) == nil, "\(bad)") }
    }

    /// Every planned execution has its own name, so retrying StartExecution after a lost reply is idempotent;
    /// the same seed names them the same, another seed differently (a second run on the same data is new work).
    @Test func plannedExecutionsAreNamedPerSeed() {
        let names = experiment.workload.plan(seed: 3).map(\.name)
        #expect(Set(names).count == names.count)
        #expect(names == experiment.workload.plan(seed: 3).map(\.name))
        #expect(Set(names).isDisjoint(with: experiment.workload.plan(seed: 4).map(\.name)))
        #expect(names.allSatisfy { $0.count <= 80 && $0.allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" } })
    }

    @Test func theTimelineRendersAsSVG() throws {
        let report = ExperimentReport(
            experiment: "t <&>", seed: 1, executionsPlanned: 3, executionsStarted: 3,
            startErrors: ["fault clock of callback-sender +20.0 s: UnknownOperationException"], quiescent: true,
            faults: [
                .init(kind: "kill", summary: "kill orchestrator", startedAt: 1, endedAt: 3),
                .init(kind: "pause", summary: "pause notification-logger", startedAt: 2, endedAt: 4),
                .init(
                    kind: "clock", summary: "clock of callback-sender +20.0 s", startedAt: 2, endedAt: nil,
                    error: "UnknownOperationException"),
            ],
            invariants: [.init(invariant: "x", passed: true, violations: [])], paths: ["success": 3], deadLetters: 0,
            explanations: [:], latency: ["p50": 1], completionsPerSecond: [0, 2, 1],
            seconds: [
                .init(completions: 0, inFlight: 3, latencyP50: nil, latencyP99: nil),
                .init(completions: 2, inFlight: 3, latencyP50: 1.2, latencyP99: 1.9),
                .init(completions: 1, inFlight: 1, latencyP50: 2.5, latencyP99: 2.5),
            ], durationSeconds: 4)
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
        #expect(counter.classes.filter { $0 == "fault" }.count == 3, "a lane and a mark per fault")
        #expect(counter.classes.filter { $0 == "restart" }.count == 1)
        #expect(counter.classes.filter { $0 == "tick" }.count == 5, "0 … 4 s")
        #expect(counter.classes.contains("in-flight") && counter.classes.contains("latency-p99"))
        // Invariants held, but a fault could not be applied: the run failed, and the title says why.
        #expect(!report.passed)
        #expect(report.failures == ["fault not applied: clock of callback-sender +20.0 s"])
        #expect(report.svg.contains("FAILED: fault not applied: clock of callback-sender +20.0 s"))
        #expect(report.summary.contains("FAILED (fault not applied"))
    }
}
