/// A link between two processes, named as experiments name it: `orchestrator->queue-broker`.
public struct Link: Sendable, Hashable, CustomStringConvertible {
    public var from: String
    public var to: String

    public init(from: String, to: String) {
        self.from = from
        self.to = to
    }

    public var description: String { "\(from)->\(to)" }
}

/// What the transport does with one outgoing request.
public enum OutboundDecision: Sendable, Equatable {
    case deliver
    case drop
    case delay(Duration)
    case duplicate
}

/// Decides the fate of each request a process sends. A process's link faults are one of these, given to each client
/// it connects: only the sending side decides, so a fault on `callback-sender->orchestrator` is applied in the
/// callback sender.
public protocol OutboundInterceptor: Sendable {
    /// The fate of an `op` request to the process named `service`.
    func decide(to service: String, op: String) -> OutboundDecision
}
