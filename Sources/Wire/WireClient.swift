import Foundation
import JSON
import Synchronization
import ZeroMQ

/// Why a call got no answer. Unlike `AWSError`, these say nothing about whether the server acted.
public enum WireError: Error, Sendable, Equatable, CustomStringConvertible {
    case timedOut(op: String, endpoint: String)
    /// Too many requests to the endpoint wait unsent (it is down or slow): back off and try later.
    case backlogFull(endpoint: String)
    case closed

    public var description: String {
        switch self {
        case .timedOut(let op, let endpoint): return "\(op) to \(endpoint) got no reply in time"
        case .backlogFull(let endpoint): return "too many requests to \(endpoint) wait unsent"
        case .closed: return "the client was closed"
        }
    }
}

/// A DEALER socket that pipelines requests and matches replies to callers by request id.
public final class WireClient: Sendable {
    public let endpoint: String
    /// The service at the other end, for link faults (`orchestrator->queue-broker`); nil: never intercepted.
    public let service: String?
    /// The sending process's link faults; nil: never intercepted.
    private let interceptor: (any OutboundInterceptor)?
    private let socket: AsyncSocket
    private let pending = Mutex(PendingCalls())
    private let closed = Atomic<Bool>(false)
    private let sequence = Atomic<Int>(0)
    private let prefix = String(UInt64.random(in: 0...UInt64.max), radix: 36)

    public static func connect(
        context: Context, endpoint: String, service: String? = nil, interceptor: (any OutboundInterceptor)? = nil
    ) async throws -> WireClient {
        // IMMEDIATE: queue only to completed connections, so a request to a dead server waits in our backlog
        // (and times out) rather than in a pipe that is flushed to a later, different server process.
        // Heartbeats and a connect timeout notice a peer that went silent (a partition) within seconds and keep
        // redialling every second, so traffic resumes as soon as the network heals instead of when TCP's
        // back-off next retransmits.
        let socket = try await AsyncSocket.open(
            context: context,
            type: .dealer,
            role: .connect(endpoint),
            options: [
                (SocketOption.immediate, 1), (SocketOption.reconnectIntervalMax, 1000),
                (SocketOption.heartbeatInterval, 1000), (SocketOption.heartbeatTimeout, 3000),
                (SocketOption.connectTimeout, 1000),
            ],
            name: "wire-client"
        )
        let client = WireClient(socket: socket, service: service, interceptor: interceptor)
        Task { await client.readReplies() }
        Task { await client.expireCalls() }
        return client
    }

    private init(socket: AsyncSocket, service: String?, interceptor: (any OutboundInterceptor)?) {
        self.socket = socket
        self.interceptor = interceptor
        self.endpoint = socket.endpoint
        self.service = service
    }

    public func close() {
        closed.store(true, ordering: .relaxed)
        socket.close()
        let waiting = pending.withLock { table in
            defer { table.calls.removeAll() }
            return table.calls.values.map(\.continuation)
        }
        for continuation in waiting { continuation.resume(throwing: WireError.closed) }
    }

    /// Sends one request and waits for its reply body. Throws `AWSError` for an error reply, `WireError` for none.
    public func call(
        _ address: OperationName,
        body: [UInt8],
        timeout: Duration = .seconds(10),
        idempotencyKey: String? = nil,
        trace: String? = nil,
        scope: Scope? = nil
    ) async throws -> [UInt8] {
        let id = prefix + "-" + String(sequence.add(1, ordering: .relaxed).newValue)
        let op = address.name
        let header = RequestHeader(
            op: op, api: address.api, id: id, trace: trace, idempotencyKey: idempotencyKey, scope: scope)
        let frames = [header.jsonBytes, body]
        let decision = service.flatMap { interceptor?.decide(to: $0, op: op) } ?? .deliver
        // The timeout covers the whole call, an injected delay included, as a caller's covers a slow network:
        // the call is registered (with its deadline) before anything is sent or delayed.
        let deadline = ContinuousClock.now + timeout
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                let beforeNextSweep = pending.withLock { table in
                    table.calls[id] = PendingCall(continuation: continuation, deadline: deadline, op: op)
                    return deadline < table.nextSweep
                }
                if beforeNextSweep {
                    // Shorter than every call in flight: the sweeper sleeps past it, so it gets its own timer.
                    Task {
                        try await Task.sleep(until: deadline, clock: .continuous)
                        self.fail(id, with: WireError.timedOut(op: op, endpoint: self.endpoint))
                    }
                }
                // Unsent by its deadline, a request is dropped: nobody waits for its answer any more.
                switch decision {
                case .drop:
                    break  // lost on the way: the caller times out, as with a real loss
                case .duplicate:
                    if socket.send(frames, expiresAt: deadline) {
                        socket.send(frames, expiresAt: deadline)
                    } else {
                        fail(id, with: WireError.backlogFull(endpoint: endpoint))
                    }
                case .deliver:
                    if !socket.send(frames, expiresAt: deadline) {
                        fail(id, with: WireError.backlogFull(endpoint: endpoint))
                    }
                case .delay(let delay):
                    // Sent late even if the caller gave up meanwhile, as a slow network delivers a late packet.
                    Task {
                        try? await Task.sleep(for: delay)
                        self.socket.send(frames)
                    }
                }
            }
        } onCancel: {
            self.fail(id, with: CancellationError())
        }
    }

    /// An operation's request given as its encoded body; the reply body as it came.
    public func call<Input, Output>(
        _ operation: APIOperation<Input, Output>,
        body: [UInt8],
        timeout: Duration = .seconds(10),
        idempotencyKey: String? = nil
    ) async throws -> [UInt8] {
        try await call(operation.address, body: body, timeout: timeout, idempotencyKey: idempotencyKey)
    }

    /// Typed form: the operation's input in, its output out.
    public func call<Input, Output>(
        _ operation: APIOperation<Input, Output>,
        _ input: Input,
        timeout: Duration = .seconds(10),
        idempotencyKey: String? = nil
    ) async throws -> Output {
        let reply = try await call(
            operation.address, body: WireCoding.encode(input), timeout: timeout, idempotencyKey: idempotencyKey)
        return try WireCoding.decode(Output.self, from: reply)
    }

    private func fail(_ id: String, with error: any Error) {
        let call = pending.withLock { $0.calls.removeValue(forKey: id) }
        call?.continuation.resume(throwing: error)
    }

    /// Fails each call whose deadline passed. One sleeper serves every call in flight (a timer task per call
    /// costs more than the call itself); it wakes at the earliest deadline, and at least once a second.
    private func expireCalls() async {
        while !closed.load(ordering: .relaxed) {
            let wake = pending.withLock { table in
                let latest = ContinuousClock.now + .seconds(1)
                table.nextSweep = min(table.calls.values.lazy.map(\.deadline).min() ?? latest, latest)
                return table.nextSweep
            }
            try? await Task.sleep(until: wake, clock: .continuous)
            let now = ContinuousClock.now
            let expired = pending.withLock { table in
                let ids = table.calls.filter { $0.value.deadline <= now }.keys
                return ids.compactMap { table.calls.removeValue(forKey: $0) }
            }
            for call in expired {
                call.continuation.resume(throwing: WireError.timedOut(op: call.op, endpoint: endpoint))
            }
        }
    }

    private func readReplies() async {
        for await frames in socket.messages {
            guard frames.count == 2, let header = try? ReplyHeader(frame: frames[0]) else {
                continue
            }
            guard let continuation = pending.withLock({ $0.calls.removeValue(forKey: header.id) })?.continuation else {
                continue  // a reply that arrived after its caller gave up
            }
            if header.ok {
                continuation.resume(returning: frames[1])
            } else {
                let error =
                    (try? WireCoding.decode(AWSError.self, from: frames[1]))
                    ?? AWSError("InternalFailure", "unreadable error reply")
                continuation.resume(throwing: error)
            }
        }
    }
}

private struct PendingCall {
    var continuation: CheckedContinuation<[UInt8], any Error>
    var deadline: ContinuousClock.Instant
    var op: String
}

private struct PendingCalls {
    var calls: [String: PendingCall] = [:]
    /// When the sweeper next wakes; a call due before then needs a timer of its own.
    var nextSweep = ContinuousClock.Instant.now
}

extension WireClient: OperationCaller {
    public func call(_ address: OperationName, body: [UInt8], timeout: Duration) async throws -> [UInt8] {
        try await call(address, body: body, timeout: timeout, idempotencyKey: nil)
    }

    public func call(
        _ address: OperationName, body: [UInt8], timeout: Duration, idempotencyKey: String?, scope: Scope?
    ) async throws -> [UInt8] {
        try await call(address, body: body, timeout: timeout, idempotencyKey: idempotencyKey, trace: nil, scope: scope)
    }
}
