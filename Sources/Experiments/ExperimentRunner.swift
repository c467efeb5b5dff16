import Checking
import FaultInjection
import Foundation
import Glibc
import JSON
import Report
import Synchronization
import Topology
import Wire
import Workloads
import Yams
import ZeroMQ

/// Runs an experiment: fresh topology, workload, fault schedule, quiescence, checker, report.
public struct ExperimentRunner: Sendable {
    public let launcher: Launcher
    public let log: @Sendable (String) -> Void

    public init(launcher: Launcher, log: @escaping @Sendable (String) -> Void = { print($0) }) {
        self.launcher = launcher
        self.log = log
    }

    /// Real seconds the callback's round trip adds to a job's waitTime (queue, simulator, Lambda, SendTaskSuccess),
    /// which a fast clock multiplies: a waitTime this close to the task's timeout may end either way. Measured on
    /// this machine (debug build, 20–100 starts a second): 9–41 ms; six times the worst leaves room for a loaded
    /// CI machine.
    public static let roundTripAllowance = 0.25

    public static func load(path: String) throws -> Experiment {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        return try YAMLDecoder().decode(Experiment.self, from: text)
    }

    final class Progress: Sendable {
        let started = Atomic<Int>(0)
        let faults = Mutex<[ExperimentReport.AppliedFault]>([])
        let errors = Mutex<[String]>([])
    }

    /// A fresh local topology for the experiment: Unix sockets, or network namespaces for network faults.
    public func run(_ experiment: Experiment, seed: UInt64) async throws -> ExperimentReport {
        let topology = try LocalTopology(
            launcher: launcher, networkFaults: experiment.usesNetworkNamespaces, clockRate: experiment.clockRate ?? 1)
        return try await run(experiment, seed: seed, on: topology)
    }

    /// Starts `topology`, runs the workload and the faults on it, waits for quiescence, checks, and stops it.
    public func run(_ experiment: Experiment, seed: UInt64, on topology: some ExperimentTopology) async throws
        -> ExperimentReport
    {
        try await outcome(experiment, seed: seed, on: topology).report
    }

    /// What a run reported, and the recorded run the checker judged.
    public struct Outcome: Sendable {
        public var report: ExperimentReport
        public var recorded: RecordedRun
    }

    /// `run`, with the recorded run as well.
    public func outcome(_ experiment: Experiment, seed: UInt64, on topology: some ExperimentTopology) async throws
        -> Outcome
    {
        if experiment.usesNetworkNamespaces, let reason = topology.networkFaultsUnavailable {
            throw Launcher.LaunchError(message: "\(experiment.name) has network faults, but \(reason)")
        }
        let context = Context()
        log("experiment \(experiment.name), seed \(seed): starting \(topology)")
        // Ctrl-C or a SIGTERM must not leave namespaces, containers or daemons behind.
        let interruption = topology.leavesThingsBehind ? Interruption.onSignal { topology.abandon() } : nil
        defer { interruption?.cancel() }
        do {
            try await topology.start(context: context)
            let outcome = try await drive(experiment, seed: seed, topology: topology, context: context)
            await topology.stop(passed: outcome.report.passed)
            return outcome
        } catch {
            await topology.stop(passed: false)
            throw error
        }
    }

    func drive(
        _ experiment: Experiment, seed: UInt64, topology: some ExperimentTopology, context: Context
    ) async throws
        -> Outcome
    {
        let client = topology.caller(context: context)
        let clock = topology.runnerClock
        let plan = experiment.workload.plan(seed: seed)
        let machineName = try await Self.deployVariant(
            timeoutSeconds: experiment.workload.timeoutSeconds, heartbeatSeconds: experiment.workload.heartbeatSeconds,
            client: client)
        let machine = try await client.bound(to: .orchestrator).stateMachineArn(machineName)
        let progress = Progress()
        let start = clock.now()
        let elapsed: @Sendable () -> Double = { clock.now() - start }

        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                for planned in plan {
                    let wait = planned.startOffset - elapsed()
                    if wait > 0 { try? await clock.sleep(for: .seconds(wait)) }
                    // The orchestrator may be down (that is the experiment): try again until it answers. The
                    // execution is named, so a retry after a lost reply returns the same execution, or
                    // ExecutionAlreadyExists once it has ended: started either way.
                    let request = StartExecutionInput(
                        stateMachineArn: machine, name: planned.name, input: planned.input)
                    var lastError: (any Error)?
                    for attempt in 0..<121 {
                        if attempt > 0 { try? await clock.sleep(for: .milliseconds(500)) }
                        do {
                            let _: StartExecutionOutput = try await client.call(
                                .orchestrator, StepFunctions.startExecution, request)
                            lastError = nil
                            break
                        } catch let error as AWSError where error.type == "ExecutionAlreadyExists" && attempt > 0 {
                            lastError = nil
                            break
                        } catch {
                            lastError = error
                        }
                    }
                    if let lastError {
                        progress.errors.withLock {
                            $0.append("could not start \(planned.name) \(planned.input): \(lastError)")
                        }
                    } else {
                        progress.started.add(1, ordering: .relaxed)
                    }
                }
            }
            for (index, fault) in experiment.faults.enumerated() {
                group.addTask {
                    await self.apply(
                        fault, index: index, experiment: experiment, seed: seed, topology: topology, client: client,
                        context: context, progress: progress, elapsed: elapsed)
                }
            }
        }

        let quiet = experiment.checker?.quiescenceSeconds ?? 120
        var recorder = Recorder(client: client)
        recorder.stateMachine = machineName
        recorder.taskTimeoutSeconds = experiment.workload.effectiveTimeoutSeconds
        recorder.timeoutToleranceSeconds = Self.roundTripAllowance * (experiment.clockRate ?? 1)
        log(
            "workload and faults done after \(String(format: "%.1f", elapsed())) s; waiting up to \(quiet) s for quiescence"
        )
        let quiescent = try await recorder.waitForQuiescence(seconds: quiet, on: clock)
        let run = try await recorder.record()
        let result = Checker.check(run, expectTimeouts: experiment.checker?.expectTimeouts ?? false)
        let seconds = Self.seconds(run, clockRate: experiment.clockRate ?? 1)
        let report = ExperimentReport(
            experiment: experiment.name, seed: seed, executionsPlanned: plan.count,
            executionsStarted: progress.started.load(ordering: .relaxed), startErrors: progress.errors.withLock { $0 },
            quiescent: quiescent, faults: progress.faults.withLock { $0 },
            invariants: Invariant.allCases.map { invariant in
                let found = result.violations(of: invariant)
                return .init(invariant: invariant.rawValue, passed: found.isEmpty, violations: found.map(\.description))
            },
            paths: result.paths, deadLetters: result.deadLetterCount,
            deadLetterExplanations: result.deadLetters, explanations: result.explanations,
            latency: Self.latency(run),
            completionsPerSecond: seconds.map(\.completions), seconds: seconds,
            durationSeconds: elapsed())
        return Outcome(report: report, recorded: run)
    }

    /// The seed machine itself, or a variant whose callback task has these TimeoutSeconds and HeartbeatSeconds
    /// (nil: the seed's 300 and none); returns the name to start executions of.
    public static func deployVariant(timeoutSeconds: Int?, heartbeatSeconds: Int?, client: any ServiceCaller)
        async throws -> String
    {
        let seed = "WorkflowAsyncAPICallbackPattern"
        guard timeoutSeconds != nil || heartbeatSeconds != nil else { return seed }
        let described: DescribeStateMachineOutput = try await client.call(
            .orchestrator, StepFunctions.describeStateMachine,
            DescribeStateMachineInput(stateMachineArn: try await client.bound(to: .orchestrator).stateMachineArn(seed)))
        guard case .object(var definition) = try JSONValue.parse(described.definition),
            case .object(var states) = definition["States"],
            let name = states.keys.first(where: {
                states[$0]?["Resource"]?.stringValue?.hasSuffix(".waitForTaskToken") == true
            }),
            case .object(var task) = states[name]
        else { throw Launcher.LaunchError(message: "the seed machine has no callback task") }
        task["TimeoutSeconds"] = .int(timeoutSeconds ?? 300)
        task["HeartbeatSeconds"] = heartbeatSeconds.map(JSONValue.int)
        states[name] = .object(task)
        definition["States"] = .object(states)
        let variant = "\(seed)-T\(timeoutSeconds ?? 300)-H\(heartbeatSeconds ?? 0)"
        let _: CreateStateMachineOutput = try await client.call(
            .orchestrator, StepFunctions.createStateMachine,
            CreateStateMachineInput(name: variant, definition: JSONValue.object(definition).serialized()))
        return variant
    }

    func apply(
        _ scheduled: ScheduledFault, index: Int, experiment: Experiment, seed: UInt64,
        topology: some ExperimentTopology, client: any ServiceCaller, context: Context, progress: Progress,
        elapsed: @Sendable () -> Double
    ) async {
        let clock = topology.runnerClock
        switch scheduled.trigger {
        case .afterStartedFraction(let fraction):
            let threshold = Int((Double(experiment.workload.executions) * fraction).rounded(.up))
            while progress.started.load(ordering: .relaxed) < threshold {
                try? await clock.sleep(for: .milliseconds(50))
            }
        case .at(let at):
            if at > elapsed() { try? await clock.sleep(for: .seconds(at - elapsed())) }
        }
        let fault = scheduled.fault
        let startedAt = elapsed()
        func record(_ endedAt: Double?, droppedPackets: Int? = nil, error: String? = nil) {
            progress.faults.withLock {
                $0.append(
                    .init(
                        kind: fault.kind, label: fault.label, summary: fault.summary, startedAt: startedAt,
                        endedAt: endedAt, droppedPackets: droppedPackets, error: error))
            }
        }
        /// A control call (link rules, clock), tried again while its process does not answer: another fault may
        /// have killed, paused or cut it off, and its restart comes within seconds. An error it answers is final.
        func control<Input, Output>(_ service: ServiceName, _ operation: APIOperation<Input, Output>, _ input: Input)
            async throws -> Output
        {
            var attempts = 0
            while true {
                do {
                    return try await client.call(service, operation, input, timeout: .seconds(2))
                } catch let error as AWSError {
                    throw error
                } catch {
                    attempts += 1
                    if attempts == 60 { throw error }
                    try? await clock.sleep(for: .milliseconds(500))
                }
            }
        }
        /// Waits out the fault's duration, undoes it and records its end; one without a duration stays.
        func lastThenUndo(_ duration: Double?, undo: () async throws -> Int?) async throws {
            guard let duration else { return record(nil) }
            try? await clock.sleep(for: .seconds(duration))
            record(elapsed(), droppedPackets: try await undo())
        }
        do {
            switch fault {
            case .kill(let target, let restartAfter):
                log(String(format: "%6.1f s  kill -9 %@", startedAt, target.rawValue))
                try await topology.kill(
                    target, restartAfter: .milliseconds(Int(restartAfter * 1000)), context: context)
                log(String(format: "%6.1f s  restarted %@", elapsed(), target.rawValue))
                record(elapsed())
            case .pause(let target, let duration):
                log(String(format: "%6.1f s  pause %@", startedAt, target.rawValue))
                try await topology.pause(target, for: .milliseconds(Int(duration * 1000)))
                log(String(format: "%6.1f s  resumed %@", elapsed(), target.rawValue))
                record(elapsed())
            case .link(let rule, let duration):
                let from = rule.link.components(separatedBy: "->").first ?? "*"
                let services = from == "*" ? ServiceName.allCases : ServiceName(rawValue: from).map { [$0] } ?? []
                log(String(format: "%6.1f s  %@", startedAt, fault.summary))
                for service in services {
                    let _: EmptyOutput = try await control(
                        service, Control.putFaultRules,
                        PutFaultRulesInput(rules: [rule], seed: experiment.faultSeed(seed, index: index)))
                }
                try await lastThenUndo(duration) {
                    for service in services {
                        let _: EmptyOutput = try await control(service, Control.clearFaultRules, EmptyOutput())
                    }
                    return nil
                }
            case .clock(let target, let offset, let rate, let duration):
                log(String(format: "%6.1f s  %@", startedAt, fault.summary))
                let _: EmptyOutput = try await control(
                    target, Control.setClock, SetClockInput(offsetSeconds: offset, rate: rate))
                try await lastThenUndo(duration) {
                    let topologyRate = target.followsTopologyClock ? experiment.clockRate ?? 1 : 1
                    let _: EmptyOutput = try await control(
                        target, Control.setClock,
                        SetClockInput(offsetSeconds: 0, rate: rate == nil ? nil : topologyRate))
                    return nil
                }
            case .disk(let target, let delay, let duration):
                log(String(format: "%6.1f s  %@", startedAt, fault.summary))
                let _: EmptyOutput = try await control(
                    target, Control.setCommitDelay, SetCommitDelayInput(seconds: delay))
                try await lastThenUndo(duration) {
                    let _: EmptyOutput = try await control(
                        target, Control.setCommitDelay, SetCommitDelayInput(seconds: 0))
                    return nil
                }
            case .network(let networkFault, let duration):
                log(String(format: "%6.1f s  %@", startedAt, fault.summary))
                try await topology.impose(networkFault)
                try await lastThenUndo(duration) {
                    let dropped = topology.droppedPackets(networkFault)
                    try await topology.lift(networkFault)
                    log(
                        String(format: "%6.1f s  healed: %@", elapsed(), fault.summary)
                            + (dropped.map { " (the kernel dropped \($0) packets)" } ?? ""))
                    return dropped
                }
            }
        } catch {
            progress.errors.withLock { $0.append("fault \(fault.summary): \(error)") }
            record(nil, error: "\(error)")
        }
    }

    /// Start and end (workflow time) of every finished execution, from its history.
    static func spans(_ run: RecordedRun) -> [(start: Double, end: Double)] {
        run.executions.compactMap { execution in
            guard let first = execution.history.first?["timestamp"]?.numberValue,
                let last = execution.history.last?["timestamp"]?.numberValue, execution.status != "RUNNING"
            else { return nil }
            return (first, last)
        }
    }

    static func latency(_ run: RecordedRun) -> [String: Double] {
        let durations = spans(run).map { $0.end - $0.start }.sorted()
        guard !durations.isEmpty else { return [:] }
        func percentile(_ p: Double) -> Double { durations[min(durations.count - 1, Int(Double(durations.count) * p))] }
        return ["p50": percentile(0.5), "p90": percentile(0.9), "p99": percentile(0.99), "max": durations.last ?? 0]
    }

    /// Per second of real time (history timestamps are workflow time, `clockRate` times real time): completions,
    /// executions in flight, and the latency of those that ended.
    static func seconds(_ run: RecordedRun, clockRate: Double) -> [ExperimentReport.Second] {
        let spans = spans(run)
        guard let origin = spans.map(\.start).min() else { return [] }
        let real = spans.map { (start: ($0.start - origin) / clockRate, end: ($0.end - origin) / clockRate) }
        let last = Int(real.map(\.end).max() ?? 0)
        var ended = [[Double]](repeating: [], count: last + 1)
        for (index, span) in real.enumerated() { ended[Int(span.end)].append(spans[index].end - spans[index].start) }
        return (0...last).map { second in
            let from = Double(second)
            let latencies = ended[second].sorted()
            func percentile(_ p: Double) -> Double? {
                latencies.isEmpty ? nil : latencies[min(latencies.count - 1, Int(Double(latencies.count) * p))]
            }
            return ExperimentReport.Second(
                completions: latencies.count,
                inFlight: real.count { $0.start < from + 1 && $0.end >= from },
                latencyP50: percentile(0.5), latencyP99: percentile(0.99))
        }
    }
}
