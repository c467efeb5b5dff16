import ArgumentParser
import Bench
import Experiments
import Foundation
import Glibc
import ServiceSupport
import Template
import Topology
import Wire
import ZeroMQ

struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Drive seed workflows through a topology and print throughput, latency and each process's cost.",
        discussion: """
            The bench is the worker: the topology runs without its api-simulator, and the bench receives each \
            request from workflow_requestorQueue and answers it with SendTaskSuccess or SendTaskFailure (the \
            outcomes alternate), all over the wire protocol. Figures come from release builds: the bench refuses \
            a debug build unless told --allow-debug.
            """)

    @Option(help: "How many seed workflows to run.") var workflows = 2000
    @Option(help: "Closed loop: executions whose callback is not answered yet, at most.") var inFlight = 64
    @Option(help: "Open loop: StartExecution calls per second, whatever is in flight.") var rate: Double?
    @Option(help: "Concurrent ReceiveMessage long polls.") var receivers = 4
    @Option(
        help: ArgumentHelp(
            "Instead: hold this many executions waiting for their callbacks, SIGKILL and restart every process, then answer them all.",
            discussion: "Reports their memory and bytes on disk, the restart's time, and that every one resumes."))
    var paused: Int?
    @Option(
        help: "A running topology's data directory (started with `up --external api-simulator`); default: a fresh one.")
    var dataDir: String?
    @Option(
        help: ArgumentHelp(
            "Instead: drive any AWS-compatible endpoint (callbacksim's gateway, another emulator) over HTTP.",
            discussion: """
                Without the seed's state machine there, the bench deploys the seed's queues, topics and state \
                machine first. With --data-dir as well, the report samples that topology's processes.
                """))
    var endpoint: String?
    @Flag(help: "Run release binaries, built with `swift build -c release` when missing.") var release = false
    @Flag(help: "Report even from a debug build (its figures say little).") var allowDebug = false
    @Flag(help: "Print the report as JSON.") var json = false

    func validate() throws {
        guard workflows > 0, inFlight > 0, receivers > 0 else {
            throw ValidationError("--workflows, --in-flight and --receivers take positive numbers")
        }
        if let rate, rate <= 0 { throw ValidationError("--rate takes a positive number") }
        if let paused {
            guard paused > 0 else { throw ValidationError("--paused takes a positive number") }
            guard endpoint == nil else {
                throw ValidationError("--paused kills and restarts a local topology: it does not take --endpoint")
            }
            guard dataDir == nil else {
                throw ValidationError(
                    "--paused kills and restarts its topology: it runs on a fresh one, not --data-dir")
            }
        }
    }

    func run() async throws {
        if release, ServiceHost.buildConfiguration == "debug" { try reexecReleaseBuild() }
        if ServiceHost.buildConfiguration == "debug", !allowDebug {
            throw BenchFailure(
                "this callbacksim is a debug build; its figures would mislead. Run with --release (builds and runs release binaries), or --allow-debug"
            )
        }
        let context = Context()
        let plan = SeedBenchmark.Plan(workflows: workflows, inFlight: inFlight, rate: rate, receivers: receivers)
        let log: @Sendable (String) -> Void = { line in FileHandle.standardError.write(Data((line + "\n").utf8)) }
        if let endpoint {
            let layout = try dataDir.map { directory in
                guard let state = TopologyState.load(dataDirectory: directory) else {
                    throw BenchFailure("no topology in \(directory)")
                }
                return state.layout
            }
            if let layout {
                try await Self.refuseDebugProcesses(layout: layout, context: context, allowDebug: allowDebug)
            }
            let target = try await BenchTarget.endpoint(endpoint, layout: layout, log: log)
            let report = try await SeedBenchmark(plan: plan, target: target).run(log: log)
            if json { Output.printJSON(report) } else { print(Self.text(report)) }
            return
        }
        var fresh: LocalTopology?
        let layout: TopologyLayout
        if let dataDir {
            guard let state = TopologyState.load(dataDirectory: dataDir) else {
                throw BenchFailure("no topology in \(dataDir): run `callbacksim up --external api-simulator` first")
            }
            layout = state.layout
        } else {
            let launcher = Launcher(
                binDirectory: Launcher.binDirectory(release: release), template: try SAMTemplate.seed())
            try launcher.buildMissingExecutables(release: release)
            let topology = try LocalTopology(
                launcher: launcher, networkFaults: false, clockRate: 1, external: [.apiSimulator])
            let started = ContinuousClock.now
            try await topology.start(context: context)
            log("bench: \(topology), up in \(ContinuousClock.now - started)")
            fresh = topology
            layout = topology.layout
        }
        let interruption = Interruption.onSignal { [fresh] in fresh?.abandon() }
        defer { interruption.cancel() }
        do {
            try await Self.refuseDebugProcesses(layout: layout, context: context, allowDebug: allowDebug)
            if let paused, let topology = fresh {
                let report = try await PausedBenchmark(
                    executions: paused, inFlight: inFlight, layout: layout, context: context
                ).run(
                    restart: {
                        await Launcher.killAllAndWait(dataDirectory: layout.dataDirectory)
                        try await topology.start(context: context)
                    }, log: log)
                if json { Output.printJSON(report) } else { print(Self.text(report)) }
            } else {
                let target = try await BenchTarget.wire(layout: layout, context: context)
                defer { target.close() }
                let report = try await SeedBenchmark(plan: plan, target: target).run(log: log)
                if json { Output.printJSON(report) } else { print(Self.text(report)) }
            }
        } catch {
            await fresh?.stop(passed: false)  // its logs stay for reading
            throw error
        }
        await fresh?.stop(passed: true)
    }

    /// `--release` from a debug callbacksim: the release build runs the bench, so the load generator is optimized
    /// too.
    func reexecReleaseBuild() throws {
        let launcher = Launcher(binDirectory: Launcher.binDirectory(release: true), template: try SAMTemplate.seed())
        try launcher.buildMissingExecutables(release: true)
        let binary = launcher.binDirectory + "/callbacksim"
        guard FileManager.default.isExecutableFile(atPath: binary) else {
            throw BenchFailure("no release build at \(binary): run `swift build -c release` in the package's folder")
        }
        let arguments = [binary] + Array(CommandLine.arguments.dropFirst())
        var argv = arguments.map { strdup($0) } + [nil]
        execv(binary, &argv)
        throw BenchFailure("could not run \(binary): \(String(cString: strerror(errno)))")
    }

    static func refuseDebugProcesses(layout: TopologyLayout, context: Context, allowDebug: Bool) async throws {
        var debug: [String] = []
        for service in layout.running {
            let ping = await Launcher.ping(layout.endpoint(service), context: context)
            if ping?.build != "release" { debug.append(service.rawValue) }
        }
        if !debug.isEmpty, !allowDebug {
            throw BenchFailure(
                "\(debug.joined(separator: ", ")) \(debug.count == 1 ? "is" : "are") not a release build; its figures would mislead. Use --release, or --allow-debug"
            )
        }
    }

    static func text(_ report: BenchReport) -> String {
        func latency(_ name: String, _ value: BenchReport.Latency) -> String {
            "  " + name.padding(toLength: 27, withPad: " ", startingAt: 0)
                + String(
                    format: "p50 %8.2f  p90 %8.2f  p99 %8.2f  p99.9 %8.2f  max %8.2f ms  (%d)", value.p50, value.p90,
                    value.p99, value.p999, value.max, value.count)
        }
        var lines = [
            String(
                format: "%d seed workflows in %.2f s: %.0f workflows/s (%@, %@ build, through %@)", report.workflows,
                report.seconds,
                report.workflowsPerSecond,
                (report.rate.map { "\($0) starts/s" } ?? "\(report.inFlight ?? 0) in flight") as NSString,
                report.build as NSString, report.target as NSString),
            latency("start → end (history)", report.startToEnd),
            latency("StartExecution round trip", report.startExecution),
            latency("SendTask* round trip", report.sendTaskSuccess),
            outcomesLine(report.outcomes, callbackErrors: report.callbackErrors, first: report.firstCallbackError)
                + (report.startErrors > 0
                    ? "; \(report.startErrors) starts failed: \(oneLine(report.firstStartError))" : ""),
            "  process               CPU s   peak RSS MB",
        ]
        for (name, usage) in report.processes.sorted(by: { $0.key < $1.key }) {
            lines.append(
                "  " + name.padding(toLength: 20, withPad: " ", startingAt: 0)
                    + String(format: "%6.2f   %8.1f", usage.cpuSeconds, usage.peakResidentMegabytes))
        }
        return lines.joined(separator: "\n")
    }
}

extension BenchCommand {
    static func outcomesLine(_ outcomes: [String: Int], callbackErrors: Int, first: String?) -> String {
        "  outcomes: " + outcomes.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
            + (callbackErrors > 0 ? "; \(callbackErrors) callbacks failed: \(oneLine(first))" : "")
    }

    /// An error as one line of at most 300 characters (an endpoint's error page can be a whole HTML document).
    static func oneLine(_ error: String?) -> String {
        String((error ?? "").split(whereSeparator: \.isNewline).joined(separator: " ").prefix(300))
    }

    static func text(_ report: PausedReport) -> String {
        var lines = [
            String(
                format: "%d paused executions: started at %.0f/s, all waiting after %.1f s; %d bytes on disk each",
                report.executions, report.startsPerSecond, report.secondsUntilAllWaiting,
                report.diskBytesPerExecution),
            String(
                format: "  after SIGKILL of every process: serving again in %.2f s, all ended %.1f s later",
                report.secondsToRestart, report.secondsToResume),
            outcomesLine(report.outcomes, callbackErrors: report.callbackErrors, first: report.firstCallbackError),
            "  process               resident MB   SQLite MB (waiting)",
        ]
        for (name, megabytes) in report.residentMegabytes.sorted(by: { $0.key < $1.key }) {
            let disk = Double(report.diskBytes[name] ?? 0) / 1_048_576
            lines.append(
                "  " + name.padding(toLength: 20, withPad: " ", startingAt: 0)
                    + String(format: "%10.1f   %10.1f", megabytes, disk))
        }
        return lines.joined(separator: "\n")
    }
}

struct BenchFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
