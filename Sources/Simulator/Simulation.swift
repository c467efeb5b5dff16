import Checking
import Experiments
import Foundation
import Report
import Simulation
import Template
import Topology

/// One experiment run on a simulated topology from one seed: the same seed gives the same schedule, the same
/// interleaving and so the same trace, byte for byte.
public struct SimulationRun: Sendable {
    public var seed: UInt64
    /// The experiment's report; nil if the run could not finish (`error` says why).
    public var report: ExperimentReport?
    /// What the checker judged: the run as the recorder read it from the services.
    public var recorded: RecordedRun?
    public var error: String?
    /// Every message, commit and fault, in order, stamped with virtual microseconds.
    public var trace: [String]
    /// Virtual seconds the run took, and executor jobs it ran.
    public var virtualSeconds: Double
    public var jobs: Int
    /// Jobs and timers still waiting once the run and its drain were over: a task that outlives its run (a wait
    /// on something outside the simulation) holds its services, and thousands of seeds would hold thousands.
    public var leftBehind: (jobs: Int, timers: Int)

    public var passed: Bool { report?.passed == true }

    /// What failed, for a line of output.
    public var failures: [String] { error.map { [$0] } ?? report?.failures ?? [] }
}

public enum Simulator {
    /// Runs `experiment` with `seed` on a fresh simulated topology of `template`.
    /// `plantedBug`: a bug to put in, to see it found.
    public static func run(
        _ experiment: Experiment, seed: UInt64, template: SAMTemplate, plantedBug: PlantedBug? = nil
    ) async -> SimulationRun {
        let executor = DeterministicExecutor()
        let topology = SimulatedTopology(
            executor: executor, template: template, seed: seed, clockRate: experiment.clockRate ?? 1,
            plantedBug: plantedBug)
        let trace = topology.trace
        let runner = ExperimentRunner(launcher: Launcher(template: template), log: { trace.note("runner: \($0)") })
        // The drain lets the tasks the stopped topology cancelled end, and calls in flight time out, so that a run
        // leaves nothing behind: thousands of seeds run in one process.
        let outcome = await executor.run(drain: 60) { () -> Result<ExperimentRunner.Outcome, SimulationError> in
            do {
                return .success(try await runner.outcome(experiment, seed: seed, on: topology))
            } catch {
                return .failure(SimulationError(description: "\(error)"))
            }
        }
        let leftBehind = executor.leftBehind
        topology.network.shutdown()
        // Its disks go to the next seeds only if nothing of this run is left to touch them.
        if leftBehind == (0, 0) { topology.retireDisks() }
        var run = SimulationRun(
            seed: seed, report: nil, recorded: nil, error: nil, trace: trace.text,
            virtualSeconds: executor.now - executor.start,
            jobs: executor.jobsRun, leftBehind: leftBehind)
        switch outcome {
        case .finished(.success(let outcome)):
            run.report = outcome.report
            run.recorded = outcome.recorded
        case .finished(.failure(let error)): run.error = error.description
        case .stuck(let at):
            run.error = "stuck: every task waits and no timer is set, at \(at - executor.start) virtual seconds"
        }
        return run
    }
}

struct SimulationError: Error, CustomStringConvertible {
    let description: String
}
