import Foundation
import Histogram
import JSON
import ServiceSupport
import Synchronization
import Topology
import Wire
import ZeroMQ

/// `callbacksim bench`: drives seed workflows through a topology whose api-simulator is left out, the bench itself
/// being the worker — StartExecution, ReceiveMessage, SendTaskSuccess or SendTaskFailure (the outcomes alternate),
/// DeleteMessageBatch — over the wire protocol, pipelined, and reports throughput and latency.
public struct SeedBenchmark: Sendable {
    public struct Plan: Sendable {
        public var workflows: Int
        /// Closed loop: at most this many executions whose callback is not yet answered.
        public var inFlight: Int
        /// Open loop: starts per second, whatever is in flight (nil: closed loop).
        public var rate: Double?
        /// Concurrent long polls on the request queue.
        public var receivers: Int

        public init(workflows: Int, inFlight: Int, rate: Double? = nil, receivers: Int = 4) {
            self.workflows = workflows
            self.inFlight = inFlight
            self.rate = rate
            self.receivers = receivers
        }
    }

    public static let stateMachine = "WorkflowAsyncAPICallbackPattern"
    public static let requestQueue = "workflow_requestorQueue"

    let plan: Plan
    let target: BenchTarget

    public init(plan: Plan, target: BenchTarget) {
        self.plan = plan
        self.target = target
    }

    public struct BenchError: Error, CustomStringConvertible {
        public let description: String
    }

    public func run(log: @Sendable (String) -> Void = { _ in }) async throws -> BenchReport {
        let (orchestrator, broker) = (target.stepFunctions, target.sqs)
        let (machine, queueUrl) = (target.stateMachineArn, target.requestQueueUrl)
        let run = String(UUID().uuidString.prefix(8)).lowercased()
        let usageBefore = ProcessUsage.sample(layout: target.layout)

        let window = Window(size: plan.rate == nil ? plan.inFlight : Int.max)
        let startLatency = Recorder()
        let callbackLatency = Recorder()
        let tally = Tally()
        let clock = ContinuousClock()
        let began = clock.now

        log(
            "bench: \(plan.workflows) seed workflows, "
                + (plan.rate.map { "\($0) starts/s" } ?? "\(plan.inFlight) in flight"))
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<plan.receivers {
                group.addTask {
                    try await Self.work(
                        queueUrl: queueUrl, broker: broker, orchestrator: orchestrator, until: plan.workflows,
                        tally: tally, latency: callbackLatency, window: window)
                }
            }
            // The starts: closed loop (a free slot of the window) or open loop (on a schedule).
            group.addTask {
                try await withThrowingTaskGroup(of: Void.self) { starts in
                    for index in 0..<plan.workflows {
                        if let rate = plan.rate {
                            let due = began + .seconds(Double(index) / rate)
                            if clock.now < due { try await clock.sleep(until: due) }
                        } else {
                            await window.acquire()
                        }
                        starts.addTask {
                            let sent = clock.now
                            do {
                                try await Self.start(
                                    "bench-\(run)-\(index)", succeeding: index % 2 == 0, machine: machine,
                                    orchestrator: orchestrator)
                                startLatency.record(clock.now - sent)
                            } catch {
                                // Reported, not fatal: an endpoint that refuses some starts is a finding.
                                tally.startFailures.withLock { $0.append("\(error)") }
                                tally.failedStarts.add(1, ordering: .relaxed)
                                await window.release()
                            }
                        }
                    }
                    try await starts.waitForAll()
                }
            }
            try await group.waitForAll()
        }
        let answeredAt = clock.now
        log("bench: every callback answered after \(answeredAt - began); waiting for the executions to end")
        let executions = try await Self.finished(
            machine: machine, prefix: "bench-\(run)-",
            count: plan.workflows - tally.failedStarts.load(ordering: .relaxed), orchestrator: orchestrator)
        let usageAfter = ProcessUsage.sample(layout: target.layout)

        let endToEnd = Recorder()
        var outcomes: [String: Int] = [:]
        for execution in executions {
            outcomes[execution.status, default: 0] += 1
            if let stop = execution.stopDate { endToEnd.record(.seconds(stop - execution.startDate)) }
        }
        let first = executions.map(\.startDate).min() ?? 0
        let last = executions.compactMap(\.stopDate).max() ?? first
        let errors = tally.failures.withLock { $0 }
        let startErrors = tally.startFailures.withLock { $0 }
        return BenchReport(
            workflows: plan.workflows, inFlight: plan.rate == nil ? plan.inFlight : nil, rate: plan.rate,
            seconds: last - first,
            workflowsPerSecond: last > first ? Double(executions.count) / (last - first) : 0,
            startToEnd: endToEnd.summary(), startExecution: startLatency.summary(),
            sendTaskSuccess: callbackLatency.summary(), outcomes: outcomes, startErrors: startErrors.count,
            firstStartError: startErrors.first, callbackErrors: errors.count, firstCallbackError: errors.first,
            processes: ProcessUsage.difference(before: usageBefore, after: usageAfter),
            target: target.endpoint ?? "wire")
    }

    /// Starts a seed execution whose API call will succeed or fail, at once (waitTime 0).
    static func start(_ name: String, succeeding: Bool, machine: String, orchestrator: any OperationCaller) async throws
    {
        let input: JSONValue = ["waitTime": 0, "status": .string(succeeding ? "success" : "failure")]
        _ = try await orchestrator.call(
            StepFunctions.startExecution,
            StartExecutionInput(stateMachineArn: machine, name: name, input: input.serialized()),
            timeout: .seconds(30))
    }

    /// The worker: receives the requests and answers each with the outcome its input asks for, until `count`
    /// callbacks are answered (by this and the other receivers).
    static func work(
        queueUrl: String, broker: any OperationCaller, orchestrator: any OperationCaller, until count: Int,
        tally: Tally,
        latency: Recorder, window: Window?
    ) async throws {
        let clock = ContinuousClock()
        var lastReceived = clock.now
        while tally.settled < count {
            try Task.checkCancellation()
            let received = try await broker.call(
                SQS.receiveMessage,
                ReceiveMessageInput(QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1),
                timeout: .seconds(10)
            ).received
            guard !received.isEmpty else {
                // Another consumer (an api-simulator) taking the requests would leave the bench waiting forever.
                if clock.now - lastReceived > .seconds(60) {
                    throw BenchError(
                        description:
                            "no request reached \(queueUrl) for 60 s with \(count - tally.settled) callbacks unanswered: does another consumer take them?"
                    )
                }
                continue
            }
            lastReceived = clock.now
            try await withThrowingTaskGroup(of: Void.self) { answers in
                for message in received {
                    answers.addTask {
                        let sent = clock.now
                        do {
                            try await Self.answer(message, orchestrator: orchestrator)
                        } catch {
                            tally.failures.withLock { $0.append("\(error)") }
                        }
                        latency.record(clock.now - sent)
                        tally.answered.add(1, ordering: .relaxed)
                        await window?.release()
                    }
                }
                try await answers.waitForAll()
            }
            _ = try await broker.call(
                SQS.deleteMessageBatch,
                DeleteMessageBatchInput(
                    QueueUrl: queueUrl,
                    Entries: received.enumerated().map {
                        .init(Id: String($0.offset), ReceiptHandle: $0.element.ReceiptHandle)
                    }))
        }
    }

    /// What the upstream callback sender sends: success with the API's answer, or failure.
    static func answer(_ message: SQSMessage, orchestrator: any OperationCaller) async throws {
        let body = try JSONValue.parse(message.Body)
        guard let token = body["taskToken"]?.stringValue else {
            throw BenchError(description: "a request without a task token: \(message.Body)")
        }
        if body["payload"]?["status"]?.stringValue == "success" {
            let output: JSONValue = ["status": 200, "payload": ["body": "sample sucess message"]]
            _ = try await orchestrator.call(
                StepFunctions.sendTaskSuccess, SendTaskSuccessInput(taskToken: token, output: output.serialized()))
        } else {
            _ = try await orchestrator.call(
                StepFunctions.sendTaskFailure,
                SendTaskFailureInput(taskToken: token, error: "500", cause: "sample failure message"))
        }
    }

    /// The run's executions once none is running, from the machine's list (history timestamps).
    static func finished(machine: String, prefix: String, count: Int, orchestrator: any OperationCaller) async throws
        -> [ExecutionListItem]
    {
        let deadline = ContinuousClock.now + .seconds(120)
        while true {
            var mine: [ExecutionListItem] = []
            var token: String?
            repeat {
                let page = try await orchestrator.call(
                    StepFunctions.listExecutions,
                    ListExecutionsInput(stateMachineArn: machine, maxResults: 1000, nextToken: token),
                    timeout: .seconds(30))
                mine += page.executions.filter { $0.name.hasPrefix(prefix) }
                token = page.nextToken
            } while token != nil
            if mine.count >= count, mine.allSatisfy({ $0.status != "RUNNING" }) { return mine }
            guard ContinuousClock.now < deadline else {
                throw BenchError(
                    description:
                        "\(mine.filter { $0.status == "RUNNING" }.count) of \(count) executions still running 120 s after their callbacks"
                )
            }
            try await Task.sleep(for: .milliseconds(100))
        }
    }
}

/// How many callbacks were answered and starts failed, and what went wrong, from any task.
final class Tally: Sendable {
    let answered = Atomic<Int>(0)
    let failures = Mutex<[String]>([])
    let failedStarts = Atomic<Int>(0)
    let startFailures = Mutex<[String]>([])

    /// Workflows done with: answered, or never started.
    var settled: Int { answered.load(ordering: .relaxed) + failedStarts.load(ordering: .relaxed) }
}

/// At most `size` holders at once; `acquire` waits for a `release`.
actor Window {
    let size: Int
    var held = 0
    var waiting: [CheckedContinuation<Void, Never>] = []

    init(size: Int) { self.size = size }

    func acquire() async {
        if held < size {
            held += 1
            return
        }
        await withCheckedContinuation { waiting.append($0) }
    }

    func release() {
        if waiting.isEmpty {
            held = max(0, held - 1)
        } else {
            waiting.removeFirst().resume()  // the slot passes straight to the next
        }
    }
}

/// Latencies in microseconds, from any task.
final class Recorder: Sendable {
    let histogram = Mutex(
        Histogram<UInt64>(highestTrackableValue: 3_600_000_000, numberOfSignificantValueDigits: .three))

    func record(_ duration: Duration) {
        let microseconds = max(
            0, duration.components.seconds * 1_000_000 + duration.components.attoseconds / 1_000_000_000_000)
        histogram.withLock { _ = $0.record(UInt64(min(microseconds, 3_600_000_000))) }
    }

    func summary() -> BenchReport.Latency {
        let histogram = histogram.withLock { $0 }
        let milliseconds = { (percentile: Double) in Double(histogram.valueAtPercentile(percentile)) / 1000 }
        return BenchReport.Latency(
            count: Int(histogram.totalCount), p50: milliseconds(50), p90: milliseconds(90), p99: milliseconds(99),
            p999: milliseconds(99.9), max: Double(histogram.max) / 1000)
    }
}

/// A process's CPU time and peak memory, from /proc.
public struct ProcessUsage: Codable, Sendable {
    public var cpuSeconds: Double
    public var peakResidentMegabytes: Double

    static func sample(layout: TopologyLayout?) -> [String: (cpu: Double, peak: Int)] {
        guard let layout, let state = TopologyState.load(dataDirectory: layout.dataDirectory) else { return [:] }
        var usage: [String: (cpu: Double, peak: Int)] = [:]
        for service in layout.running {
            guard let pid = state.livePid(service), let stat = ProcessStat.read(pid) else { continue }
            usage[service.rawValue] = (stat.cpuSeconds, ProcessStat.peakResidentBytes(pid) ?? 0)
        }
        return usage
    }

    static func difference(
        before: [String: (cpu: Double, peak: Int)], after: [String: (cpu: Double, peak: Int)]
    ) -> [String: ProcessUsage] {
        after.reduce(into: [:]) { result, entry in
            result[entry.key] = ProcessUsage(
                cpuSeconds: ((entry.value.cpu - (before[entry.key]?.cpu ?? 0)) * 100).rounded() / 100,
                peakResidentMegabytes: (Double(entry.value.peak) / 1_048_576 * 10).rounded() / 10)
        }
    }
}

/// What `callbacksim bench` prints (and `--json` writes).
public struct BenchReport: Codable, Sendable {
    /// Milliseconds.
    public struct Latency: Codable, Sendable {
        public var count: Int
        public var p50: Double
        public var p90: Double
        public var p99: Double
        public var p999: Double
        public var max: Double
    }

    public var workflows: Int
    public var inFlight: Int?
    public var rate: Double?
    /// First start to last end, by the executions' own timestamps.
    public var seconds: Double
    public var workflowsPerSecond: Double
    /// Start → end of each execution, from its history timestamps.
    public var startToEnd: Latency
    /// StartExecution round trips, as the client saw them.
    public var startExecution: Latency
    /// SendTaskSuccess / SendTaskFailure round trips, as the client saw them.
    public var sendTaskSuccess: Latency
    public var outcomes: [String: Int]
    /// StartExecution calls that failed (their workflows never ran).
    public var startErrors: Int
    public var firstStartError: String?
    public var callbackErrors: Int
    public var firstCallbackError: String?
    public var processes: [String: ProcessUsage]
    /// `wire` (a local topology over the wire protocol) or the endpoint's URL.
    public var target: String
    public var build: String = ServiceHost.buildConfiguration
}
