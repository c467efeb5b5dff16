import SeededRandom
import ServiceSupport
import Synchronization
import Wire

/// What happened in a simulation, in order, stamped with virtual time: every message, fsync and fault. The same
/// seed prints the same lines.
public final class SimulationTrace: Sendable {
    private let lines = Mutex<[String]>([])
    private let executor: DeterministicExecutor

    public init(executor: DeterministicExecutor) {
        self.executor = executor
    }

    public func note(_ line: String) {
        let seconds = executor.now
        lines.withLock { $0.append("\(Int((seconds * 1_000_000).rounded())) \(line)") }
    }

    public var text: [String] { lines.withLock { $0 } }
}

/// One life of a simulated process: the tasks it runs, and whether it is still alive. A crash cancels its tasks and
/// makes it deaf and mute (requests to it and replies to it vanish); a restart is a new incarnation.
public final class Incarnation: Sendable {
    public let name: String
    public let number: Int
    private let state = Mutex<(alive: Bool, next: Int, tasks: [Int: Task<Void, Never>])>((true, 0, [:]))

    public init(name: String, number: Int) {
        self.name = name
        self.number = number
    }

    public var isAlive: Bool { state.withLock { $0.alive } }

    /// Runs `body` as a task of this life, on the simulation's executor; a crash cancels it.
    public func run(_ body: @escaping @Sendable () async -> Void) {
        state.withLock { state in
            guard state.alive else { return }
            state.next += 1
            let id = state.next
            state.tasks[id] = spawn {
                await body()
                _ = self.state.withLock { $0.tasks.removeValue(forKey: id) }
            }
        }
    }

    public func crash() {
        let tasks = state.withLock { state in
            state.alive = false
            defer { state.tasks.removeAll() }
            return Array(state.tasks.values)
        }
        for task in tasks { task.cancel() }
    }
}

/// The wire between simulated processes. A request and its reply travel as timers of the executor, each after a
/// seeded latency; the sender's link-fault rules (the same `LinkFaultInjector` a process uses) drop, duplicate or
/// delay requests; replies are lost with `replyLoss`; a partition loses both. Everything random comes from the seed.
public final class SimulatedNetwork: Sendable {
    private struct Served {
        var incarnation: Incarnation
        var router: WireRouter
    }

    private struct State {
        var served: [String: Served] = [:]
        var pending: [Int: CheckedContinuation<[UInt8], any Error>] = [:]
        var calls = 0
        var random: SplitMix64
        /// The chance a packet between two processes is lost, either way (1: a partition), by the sorted pair.
        var loss: [[String]: Double] = [:]
        var replyLoss = 0.0
        /// Paused processes, and what reaches them (or leaves them) meanwhile, in order.
        var paused: [String: [@Sendable () -> Void]] = [:]
    }

    private let executor: DeterministicExecutor
    private let trace: SimulationTrace
    private let state: Mutex<State>
    private let faults: [String: LinkFaultInjector]
    /// One-way latency: `minimum` plus up to `jitter`, seconds.
    let minimum = 0.000_2
    let jitter = 0.000_8

    /// `processes`: the names of everyone who sends, each given its own link-fault injector.
    public init(executor: DeterministicExecutor, trace: SimulationTrace, seed: UInt64, processes: [String]) {
        self.executor = executor
        self.trace = trace
        state = Mutex(State(random: SplitMix64(seed: seed)))
        faults = Dictionary(uniqueKeysWithValues: processes.map { ($0, LinkFaultInjector(process: $0)) })
    }

    /// The link faults of `process`'s outgoing requests.
    public func faults(of process: String) -> LinkFaultInjector? { faults[process] }

    /// `incarnation` answers requests to its name with `router` (a restart replaces the one before).
    public func serve(_ router: WireRouter, as incarnation: Incarnation) {
        state.withLock { $0.served[incarnation.name] = Served(incarnation: incarnation, router: router) }
    }

    /// Forgets every process it serves and every call in flight, once a run is over: the routers hold the services,
    /// whose links hold this network, and the cycle would otherwise outlive the run.
    public func shutdown() {
        let pending = state.withLock { state in
            defer {
                state.served.removeAll()
                state.pending.removeAll()
                state.paused.removeAll()
            }
            return Array(state.pending.values)
        }
        for call in pending { call.resume(throwing: CancellationError()) }
    }

    /// Drops every packet between the two, both ways, until healed.
    public func partition(_ a: String, _ b: String) { setLoss(a, b, probability: 1) }

    public func heal(_ a: String, _ b: String) { setLoss(a, b, probability: 0) }

    /// Loses each packet between the two (requests and replies, either way) with `probability`; 0 heals.
    public func setLoss(_ a: String, _ b: String, probability: Double) {
        trace.note("fault loss \(a) \(b) \(probability)")
        state.withLock { $0.loss[[a, b].sorted()] = probability > 0 ? probability : nil }
    }

    /// Stops `process` as SIGSTOP would: nothing reaches it or leaves it until `resume`, which lets it all through
    /// in order. (Its own timers still fire; what they would send waits too.)
    public func pause(_ process: String) {
        trace.note("fault pause \(process)")
        state.withLock { $0.paused[process] = $0.paused[process] ?? [] }
    }

    public func resume(_ process: String) {
        trace.note("fault resume \(process)")
        let held = state.withLock { $0.paused.removeValue(forKey: process) } ?? []
        for step in held { step() }
    }

    /// Runs `step` now, or once `process` resumes if it is paused.
    private func when(_ process: String, isRunning step: @escaping @Sendable () -> Void) {
        let now = state.withLock { state -> Bool in
            guard state.paused[process] != nil else { return true }
            state.paused[process]!.append(step)
            return false
        }
        if now { step() }
    }

    /// The share of replies lost on the way back.
    public func setReplyLoss(_ probability: Double) {
        trace.note("fault reply-loss \(probability)")
        state.withLock { $0.replyLoss = probability }
    }

    /// `sender`'s way to `service`.
    public func link(from sender: Incarnation, to service: String) -> SimulatedLink {
        SimulatedLink(network: self, sender: sender, service: service)
    }

    private func latency() -> Double {
        state.withLock { minimum + jitter * Double($0.random.next() % 1_000_000) / 1_000_000 }
    }

    private func roll() -> Double {
        state.withLock { Double($0.random.next() % 1_000_000) / 1_000_000 }
    }

    /// Whether a packet between the two is lost, by the loss set between them (no roll when there is none).
    private func cut(_ a: String, _ b: String) -> Bool {
        guard let probability = state.withLock({ $0.loss[[a, b].sorted()] }) else { return false }
        return probability >= 1 || roll() < probability
    }

    func send(
        from sender: Incarnation, to service: String, _ address: OperationName, body: [UInt8], timeout: Duration,
        idempotencyKey: String?, scope: Scope?
    ) async throws -> [UInt8] {
        let deadline = executor.now + timeout.seconds
        let call = state.withLock { state in
            state.calls += 1
            return state.calls
        }
        let label = "\(sender.name)->\(service) \(address.name) #\(call)"
        let header = RequestHeader(
            op: address.name, api: address.api, id: "\(sender.name)-\(call)", idempotencyKey: idempotencyKey,
            scope: scope)
        return try await withCheckedThrowingContinuation { continuation in
            state.withLock { $0.pending[call] = continuation }
            executor.schedule(at: deadline) {
                self.finish(call, .failure(WireError.timedOut(op: address.name, endpoint: service)), label: label)
            }
            guard sender.isAlive else { return trace.note("drop \(label) (sender crashed)") }
            when(sender.name) { self.transmit(header, body, call: call, label: label, from: sender, to: service) }
        }
    }

    /// The request leaves `sender`: its link-fault rules drop, duplicate or delay it; each copy arrives after a
    /// latency of its own, so copies and requests may overtake each other.
    private func transmit(
        _ header: RequestHeader, _ body: [UInt8], call: Int, label: String, from sender: Incarnation, to service: String
    ) {
        let decision = faults[sender.name]?.decide(to: service, op: header.op) ?? .deliver
        var extra = 0.0
        switch decision {
        case .drop: return trace.note("drop \(label)")
        case .delay(let delay): extra = delay.seconds
        case .deliver, .duplicate: break
        }
        let copies = decision == .duplicate ? 2 : 1
        trace.note("send \(label)\(copies == 2 ? " twice" : "")\(extra > 0 ? " delayed" : "")")
        for _ in 0..<copies {
            executor.schedule(at: executor.now + latency() + extra) {
                self.deliver(WireRequest(header: header, body: body), call: call, from: sender, to: service)
            }
        }
    }

    private func deliver(_ request: WireRequest, call: Int, from sender: Incarnation, to service: String) {
        when(service) { self.handle(request, call: call, from: sender, to: service) }
    }

    private func handle(_ request: WireRequest, call: Int, from sender: Incarnation, to service: String) {
        let label = "\(sender.name)->\(service) \(request.op) #\(call)"
        guard let served = state.withLock({ $0.served[service] }), served.incarnation.isAlive else {
            return trace.note("lost \(label) (\(service) is down)")
        }
        guard !cut(sender.name, service) else { return trace.note("lost \(label) (partition)") }
        trace.note("deliver \(label)")
        served.incarnation.run {
            let result: Result<[UInt8], any Error>
            do {
                result = .success(try await served.router.handle(request))
            } catch let error as AWSError {
                result = .failure(error)
            } catch {
                result = .failure(AWSError("InternalFailure", "\(error)"))
            }
            guard served.incarnation.isAlive else { return self.trace.note("unanswered \(label) (crashed)") }
            if self.cut(sender.name, service) { return self.trace.note("reply lost \(label) (partition)") }
            if self.roll() < self.state.withLock({ $0.replyLoss }) { return self.trace.note("reply lost \(label)") }
            self.executor.schedule(at: self.executor.now + self.latency()) {
                self.when(sender.name) {
                    guard sender.isAlive else { return self.trace.note("reply lost \(label) (caller crashed)") }
                    self.finish(call, result, label: label)
                }
            }
        }
    }

    private func finish(_ call: Int, _ result: Result<[UInt8], any Error>, label: String) {
        guard let continuation = state.withLock({ $0.pending.removeValue(forKey: call) }) else { return }
        switch result {
        case .success: trace.note("reply \(label)")
        case .failure(let error as AWSError): trace.note("reply \(label) \(error.type)")
        case .failure: trace.note("timeout \(label)")
        }
        continuation.resume(with: result)
    }
}

/// A process's way to one other: what its service code holds instead of a `WireClient`.
public struct SimulatedLink: OperationCaller {
    let network: SimulatedNetwork
    let sender: Incarnation
    let service: String

    public func call(_ address: OperationName, body: [UInt8], timeout: Duration) async throws -> [UInt8] {
        try await call(address, body: body, timeout: timeout, idempotencyKey: nil, scope: nil)
    }

    public func call(
        _ address: OperationName, body: [UInt8], timeout: Duration, idempotencyKey: String?, scope: Scope?
    ) async throws -> [UInt8] {
        try await network.send(
            from: sender, to: service, address, body: body, timeout: timeout, idempotencyKey: idempotencyKey,
            scope: scope)
    }
}
