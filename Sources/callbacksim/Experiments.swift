import ArgumentParser
import Experiments
import Foundation
import NetworkNamespaces
import Report
import Template
import Topology

struct ExperimentCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "experiment", abstract: "Fault-injection experiments: workload, faults, checker, report.",
        subcommands: [RunExperiment.self, SweepExperiment.self, ListExperiments.self, CleanupExperiments.self])
}

struct ListExperiments: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "The shipped experiments.")
    @Option(help: "Folder of experiment files.") var directory = "experiments"

    func run() async throws {
        let files = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [])
            .filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".json") }.sorted()
        for file in files {
            let path = directory + "/" + file
            guard let experiment = try? ExperimentRunner.load(path: path) else {
                print("\(path)  (unreadable)")
                continue
            }
            print("\(path)\n    \(experiment.description ?? experiment.name)")
        }
    }
}

struct CleanupExperiments: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cleanup",
        abstract: "Remove the network namespaces (and the processes in them) of experiment runs that died.")

    func run() async throws {
        let before = Set(NetworkLab.namespaces())
        NetworkLab.sweepLeftovers()
        let removed = before.subtracting(NetworkLab.namespaces()).filter { $0.hasPrefix(NetworkLab.prefix + "-") }
        print(removed.isEmpty ? "nothing left behind" : "removed \(removed.sorted().joined(separator: ", "))")
    }
}

struct RunExperiment: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run", abstract: "Run one experiment on a fresh topology; exit 0 only if every invariant holds.")
    @Argument(help: "The experiment file (YAML or JSON).") var file: String
    @Option(help: "Seed for the workload and the faults.") var seed: UInt64 = 1
    @Option(help: "Where report.json and timeline.svg go (default: reports/NAME-SEED).") var report: String?
    @Option(help: "Override the workload's number of executions (smaller runs for CI).") var executions: Int?
    @Option(help: "Where the six executables are (default: beside this one).") var binDir: String?
    @Option(
        help: ArgumentHelp(
            "local: processes on this machine; compose: the compose file's containers (callbacksim:local).",
            discussion:
                "In containers, kill is a container kill and start, pause a container pause, a partition disconnects the containers it names from the network, loss is an iptables rule in a container's network namespace."
        ))
    var topology: TopologyKind = .local
    @Option(help: "The compose file, for --topology compose.") var composeFile = "docker-compose.yml"

    enum TopologyKind: String, ExpressibleByArgument, CaseIterable {
        case local, compose
    }

    func run() async throws {
        var experiment = try ExperimentRunner.load(path: file)
        if let executions { experiment.workload.executions = executions }
        let launcher = Launcher(binDirectory: binDir, template: try SAMTemplate.seed())
        let runner = ExperimentRunner(launcher: launcher)
        let result: ExperimentReport
        switch topology {
        case .local:
            result = try await runner.run(experiment, seed: seed)
        case .compose:
            let file = URL(fileURLWithPath: composeFile).standardizedFileURL
            let engine = try await ComposeTopology.Engine.detect(
                repository: file.deletingLastPathComponent().path)
            result = try await runner.run(
                experiment, seed: seed,
                on: try ComposeTopology(engine: engine, file: file.path, clockRate: experiment.clockRate ?? 1))
        }
        let directory = report ?? "reports/\(experiment.name)-\(seed)"
        try result.write(to: directory)
        print("")
        print(result.summary)
        print("")
        print("report: \(directory)/report.json, \(directory)/timeline.svg")
        if !result.passed { throw ExitCode(1) }
    }
}

/// One experiment over many seeds, so reliability is a figure: a line per seed, then seeds passed, violations by
/// invariant and p99 latency across seeds. Stops at the first failing seed unless told to go on, and keeps each
/// failing seed's report, replayable with `experiment run FILE --seed N`.
struct SweepExperiment: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sweep", abstract: "Run one experiment over many seeds; exit 0 only if every seed passes.")
    @Argument(help: "The experiment file (YAML or JSON).") var file: String
    @Option(help: "Seeds: a range (1-100) or a list (3,7,9).") var seeds = "1-20"
    @Option(help: "Seeds run at once, each on its own topology (network experiments run one at a time).")
    var jobs = 1
    @Flag(help: "Run the file's own number of executions (default: at most \(SweepExperiment.reducedExecutions)).")
    var full = false
    @Option(help: "Run this many executions per seed.") var executions: Int?
    @Flag(help: "Go on past a failing seed.") var keepGoing = false
    @Option(help: "Where failing seeds' reports go (default: reports/sweep-NAME).") var reports: String?
    @Option(help: "Where the six executables are (default: beside this one).") var binDir: String?

    static let reducedExecutions = 20

    static func parseSeeds(_ text: String) throws -> [UInt64] {
        guard let seeds = Experiment.seeds(text) else {
            throw ValidationError("--seeds takes a range (1-100) or a list (3,7,9), got '\(text)'")
        }
        return seeds
    }

    func validate() throws {
        _ = try Self.parseSeeds(seeds)
        guard jobs >= 1 else { throw ValidationError("--jobs must be at least 1") }
    }

    func run() async throws {
        var experiment = try ExperimentRunner.load(path: file)
        if let executions {
            experiment.workload.executions = executions
        } else if !full {
            experiment.workload.executions = min(experiment.workload.executions, Self.reducedExecutions)
        }
        let seeds = try Self.parseSeeds(seeds)
        let parallel = experiment.usesNetworkNamespaces ? 1 : jobs
        let directory = reports ?? "reports/sweep-\(experiment.name)"
        let runner = ExperimentRunner(
            launcher: Launcher(binDirectory: binDir, template: try SAMTemplate.seed()), log: { _ in })
        print(
            "sweep \(experiment.name): \(seeds.count) seeds, \(experiment.workload.executions) executions each, \(parallel) at a time"
        )
        var outcomes: [(seed: UInt64, report: ExperimentReport?, error: String?)] = []
        let started = ContinuousClock.now
        let stop = keepGoing
        let planned = experiment
        await withTaskGroup(of: (UInt64, ExperimentReport?, String?, Duration).self) { group in
            var pending = seeds[...]
            var failed = false
            func launch() {
                guard !failed || stop, let seed = pending.popFirst() else { return }
                group.addTask {
                    let began = ContinuousClock.now
                    do {
                        let report = try await runner.run(planned, seed: seed)
                        return (seed, report, nil, ContinuousClock.now - began)
                    } catch {
                        return (seed, nil, "\(error)", ContinuousClock.now - began)
                    }
                }
            }
            for _ in 0..<parallel { launch() }
            while let (seed, report, error, took) = await group.next() {
                outcomes.append((seed, report, error))
                let seconds = String(format: "%5.1f s", Double(took.components.seconds))
                if let report {
                    let p99 = report.latency["p99"].map { String(format: "p99 %.1f s", $0) } ?? "no latency"
                    print(
                        "seed \(seed): "
                            + (report.passed
                                ? "passed  \(report.executionsStarted)/\(report.executionsPlanned) executions, \(p99), \(seconds)"
                                : "FAILED  \(report.failures.joined(separator: "; ")), \(seconds)"))
                    if !report.passed {
                        failed = true
                        let path = "\(directory)/seed-\(seed)"
                        try? report.write(to: path)
                        print("    report: \(path)/report.json, \(path)/timeline.svg")
                    }
                } else {
                    failed = true
                    print("seed \(seed): ERROR  \(error ?? "?")")
                }
                launch()
            }
        }
        let reports = outcomes.compactMap(\.report)
        let passed = reports.filter(\.passed).count
        var violations: [String: Int] = [:]
        for report in reports {
            for result in report.invariants where !result.passed {
                violations[result.invariant, default: 0] += result.violations.count
            }
        }
        let p99s = reports.compactMap { $0.latency["p99"] }.sorted()
        let elapsed = ContinuousClock.now - started
        print("")
        print(
            "sweep \(experiment.name): \(passed)/\(outcomes.count) seeds passed"
                + (outcomes.count < seeds.count ? " (stopped at the first failure; --keep-going runs them all)" : "")
                + String(format: " in %.0f s", Double(elapsed.components.seconds)))
        print(
            "violations by invariant: "
                + (violations.isEmpty
                    ? "none"
                    : violations.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")))
        if let median = p99s.isEmpty ? nil : p99s[p99s.count / 2], let worst = p99s.last {
            print(String(format: "p99 latency across seeds (workflow s): median %.1f, worst %.1f", median, worst))
        }
        let failing = outcomes.filter { $0.report?.passed != true }.map(\.seed).sorted()
        if !failing.isEmpty {
            print(
                "replay: "
                    + failing.map {
                        "callbacksim experiment run \(file) --seed \($0) --executions \(experiment.workload.executions)"
                    }.joined(separator: "\n        "))
            throw ExitCode(1)
        }
    }
}
