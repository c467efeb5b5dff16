import Experiments
import Foundation
import JSON
import ServiceSupport
import Topology
import Wire
import ZeroMQ

/// `callbacksim bench --paused N`: holds N seed executions (of a variant whose callback task waits a day, not
/// 300 s) waiting for their callbacks, reports what they cost (resident memory, bytes on disk), kills every process
/// with SIGKILL and starts the topology again on the same data, then answers every callback and checks that all N
/// resume and succeed.
public struct PausedBenchmark: Sendable {
    /// The callback task's TimeoutSeconds in the variant of the seed the paused executions run.
    public static let taskTimeoutSeconds = 86_400
    let executions: Int
    /// StartExecution calls outstanding at once.
    let inFlight: Int
    let layout: TopologyLayout
    let context: Context

    public init(executions: Int, inFlight: Int, layout: TopologyLayout, context: Context) {
        self.executions = executions
        self.inFlight = inFlight
        self.layout = layout
        self.context = context
    }

    /// `restart` kills and starts the topology's processes again; the report times it.
    public func run(restart: @Sendable () async throws -> Void, log: @Sendable (String) -> Void = { _ in })
        async throws -> PausedReport
    {
        var target = try await BenchTarget.wire(layout: layout, context: context)
        var (orchestrator, broker) = (target.stepFunctions, target.sqs)
        let queueUrl = target.requestQueueUrl
        // The seed's callback task times out after 300 s; holding many executions (a million take minutes only
        // to start) needs a variant that waits a day.
        let client = TopologyClient(layout: layout, context: context)
        let machine = try await client.stateMachineArn(
            try await ExperimentRunner.deployVariant(
                timeoutSeconds: Self.taskTimeoutSeconds, heartbeatSeconds: nil, client: client))
        let run = String(UUID().uuidString.prefix(8)).lowercased()
        let clock = ContinuousClock()

        log("bench: starting \(executions) executions that wait for their callbacks")
        let began = clock.now
        let window = Window(size: inFlight)
        try await withThrowingTaskGroup(of: Void.self) { starts in
            for index in 0..<executions {
                await window.acquire()
                starts.addTask { [orchestrator] in
                    try await SeedBenchmark.start(
                        "paused-\(run)-\(index)", succeeding: true, machine: machine, orchestrator: orchestrator)
                    await window.release()
                }
            }
            try await starts.waitForAll()
        }
        let started = clock.now - began
        // Waiting means the request is in the queue with its token: the execution has nothing left to do.
        try await waitUntil(timeout: .seconds(60 + executions / 200), "every request to reach the queue") {
            let attributes = try await broker.call(
                SQS.getQueueAttributes,
                GetQueueAttributesInput(QueueUrl: queueUrl, AttributeNames: ["ApproximateNumberOfMessages"])
            ).Attributes
            return Int(attributes?["ApproximateNumberOfMessages"] ?? "") ?? 0 >= executions
        }
        let waiting = clock.now - began
        let resident = residentMegabytes()
        let disk = diskBytes()
        log("bench: \(executions) executions waiting after \(waiting); killing every process (SIGKILL)")

        target.close()
        let pidsBefore = TopologyState.load(dataDirectory: layout.dataDirectory)?.pids ?? [:]
        let restartBegan = clock.now
        try await restart()
        let restarted = clock.now - restartBegan
        let pidsAfter = TopologyState.load(dataDirectory: layout.dataDirectory)?.pids ?? [:]
        let replaced = pidsAfter.filter { pidsBefore[$0.key] != nil && pidsBefore[$0.key] != $0.value }.keys.sorted()
        target = try await BenchTarget.wire(layout: layout, context: context)
        (orchestrator, broker) = (target.stepFunctions, target.sqs)
        defer { target.close() }
        log("bench: serving again after \(restarted); answering every callback")

        let resumeBegan = clock.now
        let tally = Tally()
        let callbackLatency = Recorder()
        try await withThrowingTaskGroup(of: Void.self) { workers in
            for _ in 0..<4 {
                workers.addTask { [orchestrator, broker] in
                    try await SeedBenchmark.work(
                        queueUrl: queueUrl, broker: broker, orchestrator: orchestrator, until: executions,
                        tally: tally, latency: callbackLatency, window: nil)
                }
            }
            try await workers.waitForAll()
        }
        try await waitUntil(timeout: .seconds(60 + executions / 200), "every execution to end") {
            try await orchestrator.call(
                StepFunctions.listExecutions,
                ListExecutionsInput(stateMachineArn: machine, statusFilter: "RUNNING", maxResults: 1),
                timeout: .seconds(60)
            ).executions.isEmpty
        }
        let resumed = clock.now - resumeBegan
        var outcomes: [String: Int] = [:]
        for status in ["SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED"] {
            let count = try await count(status: status, prefix: "paused-\(run)-", machine: machine, orchestrator)
            if count > 0 { outcomes[status] = count }
        }
        let errors = tally.failures.withLock { $0 }
        return PausedReport(
            executions: executions, startsPerSecond: Double(executions) / started.seconds,
            secondsUntilAllWaiting: waiting.seconds, residentMegabytes: resident,
            diskBytes: disk, diskBytesPerExecution: disk.values.reduce(0, +) / max(executions, 1),
            secondsToRestart: restarted.seconds, restartedProcesses: replaced, secondsToResume: resumed.seconds,
            outcomes: outcomes,
            callbackErrors: errors.count, firstCallbackError: errors.first)
    }

    func waitUntil(timeout: Duration, _ what: String, _ condition: () async throws -> Bool) async throws {
        let deadline = ContinuousClock.now + timeout
        while try await !condition() {
            guard ContinuousClock.now < deadline else {
                throw SeedBenchmark.BenchError(description: "gave up after \(timeout) waiting for \(what)")
            }
            try await Task.sleep(for: .milliseconds(250))
        }
    }

    /// The run's executions with `status`, counted a page of 1,000 at a time.
    func count(status: String, prefix: String, machine: String, _ orchestrator: any OperationCaller) async throws -> Int
    {
        var count = 0
        var token: String?
        repeat {
            let page = try await orchestrator.call(
                StepFunctions.listExecutions,
                ListExecutionsInput(stateMachineArn: machine, statusFilter: status, maxResults: 1000, nextToken: token),
                timeout: .seconds(60))
            count += page.executions.filter { $0.name.hasPrefix(prefix) }.count
            token = page.nextToken
        } while token != nil
        return count
    }

    func residentMegabytes() -> [String: Double] {
        guard let state = TopologyState.load(dataDirectory: layout.dataDirectory) else { return [:] }
        var resident: [String: Double] = [:]
        for service in layout.running {
            guard let pid = state.livePid(service), let bytes = ProcessStat.residentBytes(pid) else { continue }
            resident[service.rawValue] = (Double(bytes) / 1_048_576 * 10).rounded() / 10
        }
        return resident
    }

    /// Each service's SQLite files (database, write-ahead log), in bytes.
    func diskBytes() -> [String: Int] {
        let directory = layout.dataDirectory
        let files = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        var bytes: [String: Int] = [:]
        for file in files where file.contains(".sqlite") && !file.hasSuffix("-shm") {
            let service = String(file.prefix { $0 != "." })
            let size = (try? FileManager.default.attributesOfItem(atPath: directory + "/" + file)[.size] as? Int) ?? 0
            bytes[service, default: 0] += size
        }
        return bytes
    }
}

/// What `callbacksim bench --paused N` prints (and `--json` writes).
public struct PausedReport: Codable, Sendable {
    public var executions: Int
    /// StartExecution calls accepted per second while starting them.
    public var startsPerSecond: Double
    /// From the first start until every request was in the queue (every execution waiting).
    public var secondsUntilAllWaiting: Double
    /// Each process's resident memory with every execution waiting.
    public var residentMegabytes: [String: Double]
    /// Each service's SQLite files with every execution waiting.
    public var diskBytes: [String: Int]
    public var diskBytesPerExecution: Int
    /// From SIGKILL of every process until the topology answered again.
    public var secondsToRestart: Double
    /// The processes that were killed and run again (each with a new pid).
    public var restartedProcesses: [String]
    /// From the restart until every execution had ended.
    public var secondsToResume: Double
    public var outcomes: [String: Int]
    public var callbackErrors: Int
    public var firstCallbackError: String?
    public var build: String = ServiceHost.buildConfiguration
}
