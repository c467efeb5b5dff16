import Foundation
import SeededRandom
import Synchronization

/// One link fault, Toxiproxy-style: on a link (`orchestrator->queue-broker`, `*->*`, `*->orchestrator`), optionally
/// for one operation only (`SendTaskSuccess`), with a probability per request.
public struct LinkFaultRule: Codable, Sendable, Equatable {
    public enum Action: String, Codable, Sendable {
        /// The request is lost; the sender times out.
        case drop
        /// The request waits `delaySeconds` (plus up to `jitterSeconds`) before it leaves.
        case delay
        /// The request is sent twice.
        case duplicate
        /// The request waits a random time up to `delaySeconds`, so later requests overtake it.
        case reorder
    }

    public var link: String
    public var operation: String?
    public var action: Action
    public var probability: Double?
    public var delaySeconds: Double?
    public var jitterSeconds: Double?

    public init(
        link: String, operation: String? = nil, action: Action, probability: Double? = nil, delaySeconds: Double? = nil,
        jitterSeconds: Double? = nil
    ) {
        self.link = link
        self.operation = operation
        self.action = action
        self.probability = probability
        self.delaySeconds = delaySeconds
        self.jitterSeconds = jitterSeconds
    }

    func matches(_ link: Link, op: String) -> Bool {
        let parts = self.link.components(separatedBy: "->")
        guard parts.count == 2 else { return false }
        let fromMatches = parts[0] == "*" || parts[0] == link.from
        let toMatches = parts[1] == "*" || parts[1] == link.to
        return fromMatches && toMatches && (operation == nil || operation == op)
    }
}

extension Control {
    public static let putFaultRules = APIOperation<PutFaultRulesInput, EmptyOutput>(.control, "PutFaultRules")
    public static let clearFaultRules = APIOperation<EmptyOutput, EmptyOutput>(.control, "ClearFaultRules")
    public static let getFaultStatistics = APIOperation<EmptyOutput, FaultStatistics>(.control, "GetFaultStatistics")
    public static let setClock = APIOperation<SetClockInput, EmptyOutput>(.control, "SetClock")
    public static let setCommitDelay = APIOperation<SetCommitDelayInput, EmptyOutput>(.control, "SetCommitDelay")
}

public struct PutFaultRulesInput: Codable, Sendable {
    public var rules: [LinkFaultRule]
    public var seed: UInt64?

    public init(rules: [LinkFaultRule], seed: UInt64? = nil) {
        self.rules = rules
        self.seed = seed
    }
}

/// How often each action was applied in this process since the rules were put.
public struct FaultStatistics: Codable, Sendable {
    public var applied: [String: Int]

    public init(applied: [String: Int]) { self.applied = applied }
}

public struct SetClockInput: Codable, Sendable {
    public var offsetSeconds: Double?
    public var rate: Double?

    public init(offsetSeconds: Double? = nil, rate: Double? = nil) {
        self.offsetSeconds = offsetSeconds
        self.rate = rate
    }
}

/// A slow disk: each commit of the process's databases takes `seconds` longer (0: as fast as the disk is).
public struct SetCommitDelayInput: Codable, Sendable {
    public var seconds: Double

    public init(seconds: Double) { self.seconds = seconds }
}

/// The process's link faults: the first matching rule whose probability roll hits decides. Rolls come from one
/// seeded generator, so the same rules and seed give the same sequence of decisions.
public final class LinkFaultInjector: OutboundInterceptor {
    private struct State {
        var rules: [LinkFaultRule] = []
        var random = SplitMix64(seed: 0)
        var applied: [String: Int] = [:]
    }

    private let state = Mutex(State())
    /// The process whose requests these rules decide: the `from` of their links.
    public let process: String

    public init(process: String) {
        self.process = process
    }

    public func decide(to service: String, op: String) -> OutboundDecision {
        decide(link: Link(from: process, to: service), op: op)
    }

    public func put(_ input: PutFaultRulesInput) {
        state.withLock { state in
            state.rules = input.rules
            state.random = SplitMix64(seed: input.seed ?? 1)
            state.applied = [:]
        }
    }

    public func clear() {
        state.withLock { $0.rules = [] }
    }

    public var statistics: FaultStatistics { FaultStatistics(applied: state.withLock { $0.applied }) }

    public func decide(link: Link, op: String) -> OutboundDecision {
        state.withLock { state in
            for rule in state.rules where rule.matches(link, op: op) {
                let roll = Double(state.random.next() % 1_000_000) / 1_000_000
                guard roll < (rule.probability ?? 1) else { continue }
                state.applied["\(rule.action.rawValue) \(link)", default: 0] += 1
                switch rule.action {
                case .drop:
                    return .drop
                case .duplicate:
                    return .duplicate
                case .delay:
                    let jitter = (rule.jitterSeconds ?? 0) * Double(state.random.next() % 1000) / 1000
                    return .delay(.seconds((rule.delaySeconds ?? 0) + jitter))
                case .reorder:
                    return .delay(.seconds((rule.delaySeconds ?? 0.1) * Double(state.random.next() % 1000) / 1000))
                }
            }
            return .deliver
        }
    }
}
