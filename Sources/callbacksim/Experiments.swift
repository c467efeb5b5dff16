import ArgumentParser
import Faults
import Foundation
import Template
import Topology

struct ExperimentCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "experiment", abstract: "Fault-injection experiments: workload, faults, checker, report.",
        subcommands: [RunExperiment.self, ListExperiments.self, CleanupExperiments.self])
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
