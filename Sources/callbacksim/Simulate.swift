import ArgumentParser
import Experiments
import FaultInjection
import Foundation
import Simulator
import Template
import Topology

/// Experiments on the simulated topology: the five services in this process on virtual time, so a seed takes
/// milliseconds to seconds instead of a minute, and the same seed replays the same run exactly.
struct Simulate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate",
        abstract: "Run experiments on a deterministic simulation of the topology, over many seeds.",
        discussion: """
            With an experiment file, runs it as `experiment run` would, with each seed's workload and faults, on \
            virtual time. Without one, each seed draws an experiment of its own (a workload and a fault schedule: \
            kills, pauses, link rules, partitions, packet loss, clock skew). A failing seed is replayed exactly by \
            running the same command with --seeds N; --trace writes what happened, message by message.
            """)
    @Argument(help: "An experiment file (YAML or JSON); none: a random experiment per seed.") var file: String?
    @Option(name: .customLong("faults"), help: "The experiment file, given as an option.") var faultsFile: String?
    @Option(
        name: [.customLong("seeds"), .customLong("seed")], help: "Seeds: one (7), a range (1-100) or a list (3,7,9).")
    var seeds = "1-100"
    @Option(help: "Seeds simulated at once, each on a thread of its own.") var jobs = 2
    @Option(help: "Override the workload's number of executions.") var executions: Int?
    @Flag(help: "Go on past a failing seed.") var keepGoing = false
    @Option(
        help:
            "Write each failing seed's trace (every seed's, with one seed) to this folder; '-' prints it (one seed)."
    )
    var trace: String?
    @Option(help: "Put a known bug in, to see the simulator find it: \(PlantedBug.allCases.map(\.rawValue)).")
    var plantBug: PlantedBug?

    func validate() throws {
        guard Experiment.seeds(seeds) != nil else {
            throw ValidationError("--seeds takes a range (1-100) or a list (3,7,9), got '\(seeds)'")
        }
        guard jobs >= 1 else { throw ValidationError("--jobs must be at least 1") }
        guard file == nil || faultsFile == nil else {
            throw ValidationError("name the experiment file once: as an argument or with --faults")
        }
    }

    func run() async throws {
        // With the trace on standard output, everything else (wall-time figures included) goes to standard error,
        // so the same seed prints the same bytes.
        let toError = trace == "-"
        func say(_ line: String) {
            if toError { FileHandle.standardError.write(Data((line + "\n").utf8)) } else { print(line) }
        }
        let seeds = Experiment.seeds(seeds) ?? []
        let template = try SAMTemplate.seed()
        let fixed = try (file ?? faultsFile).map(ExperimentRunner.load(path:))
        let executions = self.executions
        let experiment: @Sendable (UInt64) -> Experiment = { seed in
            var experiment = fixed ?? Simulator.drawnExperiment(seed: seed)
            if let executions { experiment.workload.executions = executions }
            return experiment
        }
        say("simulate \(fixed?.name ?? "random experiments"): \(seeds.count) seeds, \(jobs) at a time")
        let started = ContinuousClock.now
        var outcomes: [(seed: UInt64, passed: Bool)] = []
        let stop = !keepGoing
        let traceEvery = seeds.count == 1
        let bug = plantBug
        await withTaskGroup(of: (SimulationRun, Duration).self) { group in
            var pending = seeds[...]
            var failed = false
            func launch() {
                guard !(failed && stop), let seed = pending.popFirst() else { return }
                group.addTask {
                    let began = ContinuousClock.now
                    let run = await Simulator.run(experiment(seed), seed: seed, template: template, plantedBug: bug)
                    return (run, ContinuousClock.now - began)
                }
            }
            for _ in 0..<jobs { launch() }
            while let (run, took) = await group.next() {
                // Only the outcome is kept, not the trace: thousands of seeds run in one process.
                outcomes.append((run.seed, run.passed))
                let name = fixed == nil ? " \(experiment(run.seed).name)" : ""
                let figures = String(
                    format: "%.0f virtual s, %d jobs, %.2f s", run.virtualSeconds, run.jobs,
                    took.seconds)
                if run.passed {
                    let report = run.report!
                    say(
                        "seed \(run.seed):\(name) passed  \(report.executionsStarted)/\(report.executionsPlanned) executions, \(figures)"
                    )
                } else {
                    failed = true
                    say("seed \(run.seed):\(name) FAILED  \(run.failures.joined(separator: "; ")), \(figures)")
                    for result in run.report?.invariants ?? [] where !result.passed {
                        for violation in result.violations.prefix(3) { say("    \(violation)") }
                    }
                }
                if trace == "-", traceEvery {
                    print(run.trace.joined(separator: "\n"))
                } else if let trace, trace != "-", traceEvery || !run.passed {
                    let path = "\(trace)/seed-\(run.seed).trace"
                    try? FileManager.default.createDirectory(atPath: trace, withIntermediateDirectories: true)
                    try? (run.trace.joined(separator: "\n") + "\n").write(
                        toFile: path, atomically: true, encoding: .utf8)
                    say("    trace: \(path)")
                }
                launch()
            }
        }
        let passed = outcomes.filter(\.passed).count
        let elapsed = ContinuousClock.now - started
        let seconds = elapsed.seconds
        say("")
        say(
            "simulate: \(passed)/\(outcomes.count) seeds passed"
                + (outcomes.count < seeds.count ? " (stopped at the first failure; --keep-going runs them all)" : "")
                + String(
                    format: " in %.1f s (%.0f seeds a minute)", seconds,
                    Double(outcomes.count) / max(seconds, 0.001) * 60))
        if passed < outcomes.count { throw ExitCode(1) }
    }
}

extension PlantedBug: ExpressibleByArgument {}
