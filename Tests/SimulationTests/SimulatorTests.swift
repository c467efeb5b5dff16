import Checking
import Experiments
import FaultInjection
import Foundation
import Template
import Testing
import Topology
import Wire
import Workloads

@testable import Simulator

/// The whole topology on the simulator: the same experiments, runner and checker as on processes, on virtual
/// time and from one seed.
/// One test at a time, each on one thread: they are all CPU, and the timing-sensitive tests of other suites run
/// beside them.
@Suite(.serialized) struct SimulatorTests {
    static let template = Result { try SAMTemplate.seed() }

    static func run(_ experiment: Experiment, seed: UInt64, plantedBug: PlantedBug? = nil) async throws
        -> SimulationRun
    {
        await Simulator.run(experiment, seed: seed, template: try template.get(), plantedBug: plantedBug)
    }

    /// What went wrong, for an expectation's message.
    static func explain(_ run: SimulationRun) -> String {
        let violations = run.report?.invariants.flatMap(\.violations).prefix(5) ?? []
        return "seed \(run.seed): \(run.failures) \(Array(violations))\n"
            + run.trace.suffix(30).joined(separator: "\n")
    }

    /// One seed is one run: the same seed gives the same trace, message for message and microsecond for
    /// microsecond; another seed gives another.
    @Test func aSeedReplaysTheSameRunByteForByte() async throws {
        let experiment = Simulator.drawnExperiment(seed: 11)
        #expect(experiment.faults.count >= 3, "seed 11 draws a schedule of several faults")
        let first = try await Self.run(experiment, seed: 11)
        let again = try await Self.run(experiment, seed: 11)
        let other = try await Self.run(experiment, seed: 12)
        let passed = first.passed
        #expect(passed, "\(Self.explain(first))")
        let lines = first.trace.count
        #expect(lines > 1_000)
        let (same, different) = (first.trace == again.trace, first.trace != other.trace)
        let leftBehind = first.leftBehind
        #expect(leftBehind == (0, 0), "a task outlived its run")
        #expect(same)
        #expect(first.jobs == again.jobs)
        #expect(different)
    }

    /// A finished seed's disks, emptied, serve the next seeds with the statements compiled on them: a seed runs
    /// the same on them as on fresh copies of the schema.
    @Test func aSeedRunsTheSameOnReusedDisksAsOnFreshOnes() async throws {
        let experiment = Simulator.drawnExperiment(seed: 11)
        SimulatedTopology.discardRetiredDisks()
        let fresh = try await Self.run(experiment, seed: 11)
        #expect(SimulatedTopology.retiredDiskCount == 5, "each of the five services' disks is kept")
        let reused = try await Self.run(experiment, seed: 11)
        #expect(fresh.passed && reused.passed)
        #expect(fresh.trace == reused.trace)
        #expect(fresh.recorded?.executions.count == reused.recorded?.executions.count)
    }

    /// Every shipped experiment holds every invariant on the simulated topology, as it does on processes.
    @Test(
        arguments: try FileManager.default.contentsOfDirectory(atPath: "experiments").filter { $0.hasSuffix(".yaml") }
            .sorted())
    func shippedExperimentHoldsEveryInvariant(file: String) async throws {
        var experiment = try ExperimentRunner.load(path: "experiments/" + file)
        experiment.workload.executions = min(experiment.workload.executions, 20)
        let run = try await Self.run(experiment, seed: 1)
        let passed = run.passed
        #expect(passed, "\(Self.explain(run))")
        let (started, faults) = (run.report?.executionsStarted, run.report?.faults.count)
        #expect(started == experiment.workload.executions)
        #expect(faults == experiment.faults.count)
    }

    /// Drawn experiments (workloads and fault schedules), one at a time: each must keep every invariant. A failure
    /// names its seed, which `callbacksim simulate --seeds N --trace DIR` replays. Twenty here (`SIMULATION_SEEDS`
    /// for more); `make test` sweeps a few hundred with `make simulate`, apart from the timing-sensitive tests.
    @Test func drawnExperimentsKeepEveryInvariant() async throws {
        let seeds = UInt64(1)...UInt64(ProcessInfo.processInfo.environment["SIMULATION_SEEDS"].flatMap(Int.init) ?? 20)
        let template = try Self.template.get()
        var failures: [SimulationRun] = []
        for seed in seeds {
            let run = await Simulator.run(Simulator.drawnExperiment(seed: seed), seed: seed, template: template)
            if !run.passed { failures.append(run) }
        }
        let failedSeeds = failures.map(\.seed).sorted()
        #expect(failedSeeds.isEmpty, "\(failures.map(Self.explain).joined(separator: "\n\n"))")
    }

    /// The checker's planted violations, planted in what the simulator recorded (drawn workloads, faults and
    /// all): each must be reported under its invariant, on every run it can be planted in.
    @Test func theCheckerFindsEachViolationPlantedInASimulatedRun() async throws {
        var planted: [PlantedViolation: Int] = [:]
        for seed in UInt64(1)...4 {
            let run = try await Self.run(Simulator.drawnExperiment(seed: seed), seed: seed)
            let recorded = try #require(run.recorded, "\(Self.explain(run))")
            #expect(Checker.check(recorded).passed, "\(Self.explain(run))")
            for violation in PlantedViolation.allCases {
                var broken = recorded
                guard let says = violation.plant(in: &broken) else { continue }
                planted[violation, default: 0] += 1
                let found = Checker.check(broken).violations(of: violation.invariant)
                #expect(
                    found.contains { $0.message.contains(says) },
                    "seed \(seed), \(violation): \(found.map(\.description))")
            }
        }
        let neverPlanted = PlantedViolation.allCases.filter { planted[$0] == nil }
        #expect(neverPlanted.isEmpty, "no simulated run had what these need: \(neverPlanted)")
    }

    /// A third of the packets between the orchestrator and the broker lost, replies included: calls are retried.
    static let lossyBroker = Experiment(
        name: "loss-orchestrator-queue-broker", clockRate: 10,
        workload: Workload(executions: 20, startsPerSecond: 20, waitTime: Distribution(uniform: [5, 30])),
        faults: [ScheduledFault(.network(.loss(.orchestrator, .queueBroker, probability: 0.3), duration: 5))],
        checker: CheckerOptions(quiescenceSeconds: 300))

    /// The simulator and the checker find a planted bug: without its idempotency keys, a SendMessage or Publish
    /// the orchestrator retries after a lost reply is done twice, and an execution's notification is logged
    /// twice. The same seeds pass without the bug, and a failing seed fails the same way again.
    @Test func aPlantedOutboxBugIsFoundAndItsSeedReplays() async throws {
        var failing: SimulationRun?
        for seed in UInt64(1)...5 {
            let clean = try await Self.run(Self.lossyBroker, seed: seed)
            let passed = clean.passed
            #expect(passed, "\(Self.explain(clean))")
            let buggy = try await Self.run(Self.lossyBroker, seed: seed, plantedBug: .outboxWithoutIdempotencyKeys)
            if !buggy.passed, failing == nil { failing = buggy }
        }
        let found = try #require(failing, "the planted bug went unnoticed in 5 seeds")
        let violated = found.report?.invariants.filter { !$0.passed }.map(\.invariant) ?? []
        #expect(violated.contains(Invariant.notifications.rawValue), "\(violated)")
        let replay = try await Self.run(Self.lossyBroker, seed: found.seed, plantedBug: .outboxWithoutIdempotencyKeys)
        let replayed = replay.trace == found.trace
        #expect(replayed)
    }

    /// Found by the simulator (nemesis seed 20): the api-simulator restarted while the broker was isolated sent
    /// its GetQueueUrl into the void and waited out a 30 s default timeout; at the experiment's clock rate of 10
    /// that was 300 workflow seconds, and the jobs waiting in the queue timed out. The consumer's calls are now
    /// all short.
    @Test func aConsumerRestartedWhileTheBrokerIsIsolatedStillDrainsTheQueue() async throws {
        let experiment = Experiment(
            name: "restart-consumer-during-broker-isolation", clockRate: 10,
            workload: Workload(executions: 20, startsPerSecond: 20, waitTime: Distribution(uniform: [1, 10])),
            faults: [
                ScheduledFault(.network(.isolation(.queueBroker), duration: 5), .at(0.5)),
                ScheduledFault(.kill(.apiSimulator, restartAfter: 2), .at(3)),
            ],
            checker: CheckerOptions(quiescenceSeconds: 300))
        let run = try await Self.run(experiment, seed: 1)
        let (passed, timeouts) = (run.passed, run.report?.paths["timeout"] ?? 0)
        #expect(passed, "\(Self.explain(run))")
        #expect(timeouts == 0)
    }

    /// A slow disk (every orchestrator commit 0.5 s slower for 5 s, then the broker's): requests wait for their
    /// commits, nothing is lost, and the executions take longer than without it.
    @Test func aSlowDiskDelaysCommitsAndLosesNothing() async throws {
        var experiment = Experiment(
            name: "slow-disks", clockRate: 10,
            workload: Workload(executions: 20, startsPerSecond: 20, waitTime: Distribution(fixed: 5)),
            checker: CheckerOptions(quiescenceSeconds: 300))
        let calm = try await Self.run(experiment, seed: 3)
        experiment.faults = [
            ScheduledFault(.disk(.orchestrator, commitDelaySeconds: 0.5, duration: 5)),
            ScheduledFault(.disk(.queueBroker, commitDelaySeconds: 0.5, duration: 5), .at(5)),
        ]
        let slow = try await Self.run(experiment, seed: 3)
        let passed = slow.passed
        #expect(passed, "\(Self.explain(slow))")
        let (calmP50, slowP50) = (calm.report?.latency["p50"] ?? 0, slow.report?.latency["p50"] ?? 0)
        #expect(slowP50 > 2 * calmP50, "p50 \(calmP50) s without, \(slowP50) s with slow disks (workflow time)")
    }
}
