import Synchronization

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

/// Decides the fate of each outgoing request; fault injection installs one per process.
public protocol OutboundInterceptor: Sendable {
    func decide(link: Link, op: String) -> OutboundDecision
}

/// The process's interceptor and its own name. Only the sending side decides, so a fault on
/// `callback-sender->orchestrator` is applied in the callback sender.
public enum Transport {
    private static let state = Mutex<(process: String, interceptor: (any OutboundInterceptor)?)>(("", nil))

    public static var processName: String {
        get { state.withLock { $0.process } }
        set { state.withLock { $0.process = newValue } }
    }

    public static func install(_ interceptor: (any OutboundInterceptor)?) {
        state.withLock { $0.interceptor = interceptor }
    }

    static func decide(to service: String?, op: String, interceptor own: (any OutboundInterceptor)?)
        -> OutboundDecision
    {
        let (process, installed) = state.withLock { ($0.process, $0.interceptor) }
        guard let interceptor = own ?? installed, let service else { return .deliver }
        return interceptor.decide(link: Link(from: process, to: service), op: op)
    }
}
