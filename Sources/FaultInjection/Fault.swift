import Wire

/// One fault of an experiment's schedule: when it strikes and what it does.
///
/// A file writes it flat, told apart by `kind` (`{kind: kill, target: orchestrator, at: 3, restartAfter: 2}`); it is
/// read into an enum, so a fault without what its kind needs, or with a field its kind does not use, is refused when
/// the file is loaded rather than skipped when the fault is due.
public struct ScheduledFault: Sendable, Equatable {
    public var trigger: FaultTrigger
    public var fault: Fault

    public init(_ fault: Fault, _ trigger: FaultTrigger = .at(0)) {
        self.trigger = trigger
        self.fault = fault
    }
}

public enum FaultTrigger: Sendable, Equatable {
    /// Seconds after the workload starts.
    case at(Double)
    /// Once this share of the executions has started.
    case afterStartedFraction(Double)
}

/// What a fault does. `duration: nil` leaves it in place for the rest of the run.
public enum Fault: Sendable, Equatable {
    /// SIGKILL the process, restart it `restartAfter` seconds later.
    case kill(ServiceName, restartAfter: Double)
    /// SIGSTOP the process for `duration` seconds, then SIGCONT.
    case pause(ServiceName, duration: Double)
    /// Put the rule on its sending processes' transports.
    case link(LinkFaultRule, duration: Double?)
    /// Offset and/or re-rate the process's clock.
    case clock(ServiceName, offsetSeconds: Double?, rate: Double?, duration: Double?)
    /// Drop packets between processes (each in a network namespace of its own, root only).
    case network(NetworkFault, duration: Double?)
    /// A slow disk: each commit of the process's databases takes `commitDelaySeconds` longer.
    case disk(ServiceName, commitDelaySeconds: Double, duration: Double?)

    /// Needs each process in a network namespace of its own (and so root).
    public var isNetwork: Bool {
        if case .network = self { true } else { false }
    }

    /// The `kind` a file names it by.
    public var kind: String {
        switch self {
        case .kill: "kill"
        case .pause: "pause"
        case .link: "link"
        case .clock: "clock"
        case .network(.loss, _): "loss"
        case .network: "partition"
        case .disk: "disk"
        }
    }

    /// A word for a timeline: a link fault's action (drop, duplicate, …), else the kind.
    public var label: String {
        if case .link(let rule, _) = self { rule.action.rawValue } else { kind }
    }

    public var duration: Double? {
        switch self {
        case .kill(_, let restartAfter): restartAfter
        case .pause(_, let duration): duration
        case .link(_, let duration), .clock(_, _, _, let duration), .network(_, let duration),
            .disk(_, _, let duration):
            duration
        }
    }

    /// The same fault lasting `duration` seconds (a kill: restarted after them).
    public func lasting(_ duration: Double) -> Fault {
        switch self {
        case .kill(let target, _): .kill(target, restartAfter: duration)
        case .pause(let target, _): .pause(target, duration: duration)
        case .link(let rule, _): .link(rule, duration: duration)
        case .clock(let target, let offset, let rate, _):
            .clock(target, offsetSeconds: offset, rate: rate, duration: duration)
        case .network(let fault, _): .network(fault, duration: duration)
        case .disk(let target, let delay, _): .disk(target, commitDelaySeconds: delay, duration: duration)
        }
    }

    public var summary: String {
        let lasting = duration.map { " for \($0) s" } ?? ""
        switch self {
        case .kill(let target, let restartAfter):
            return "kill \(target.rawValue) (restart after \(restartAfter) s)"
        case .pause(let target, let duration):
            return "pause \(target.rawValue) for \(duration) s"
        case .link(let rule, _):
            let operation = rule.operation.map { " \($0)" } ?? ""
            let probability = rule.probability.map { " p=\($0)" } ?? ""
            return "\(rule.action.rawValue) \(rule.link)\(operation)\(probability)\(lasting)"
        case .clock(let target, let offset, let rate, _):
            let shift = offset.map { "\($0 >= 0 ? "+" : "")\($0) s" } ?? ""
            return "clock of \(target.rawValue) \(shift)\(rate.map { " ×\($0)" } ?? "")"
        case .network(.partition(let a, let b), _):
            return "partition \(a.rawValue) ⟂ \(b.rawValue)\(lasting)"
        case .network(.isolation(let target), _):
            return "isolate \(target.rawValue)\(lasting)"
        case .network(.loss(let a, let b, let probability), _):
            return "packet loss p=\(probability) between \(a.rawValue) and \(b.rawValue)\(lasting)"
        case .disk(let target, let delay, _):
            return "slow disk of \(target.rawValue): commits \(delay) s slower\(lasting)"
        }
    }
}

/// What a network fault does, in whichever topology makes it.
public enum NetworkFault: Sendable, Equatable {
    /// Every packet between the two dropped, both ways; everyone else still reaches both.
    case partition(ServiceName, ServiceName)
    /// The process reaches nobody and nobody reaches it (the runner included).
    case isolation(ServiceName)
    /// Each packet between the two dropped with `probability`, each way on its own.
    case loss(ServiceName, ServiceName, probability: Double)

    /// The two processes of a fault between two.
    public var pair: (ServiceName, ServiceName)? {
        switch self {
        case .partition(let a, let b), .loss(let a, let b, _): (a, b)
        case .isolation: nil
        }
    }
}

extension ScheduledFault: Codable {
    enum CodingKeys: String, CodingKey, CaseIterable {
        case kind, target, at, afterStartedFraction, duration, restartAfter, rule, offsetSeconds, rate, between
        case probability, commitDelaySeconds
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let kind = try container.decode(String.self, forKey: .kind)
        func refuse(_ message: String, _ key: CodingKeys = .kind) -> DecodingError {
            .dataCorruptedError(forKey: key, in: container, debugDescription: "a \(kind) fault: \(message)")
        }
        /// The fields each kind reads; any other is refused, so a misplaced one is not silently ignored.
        let fields: [String: Set<CodingKeys>] = [
            "kill": [.target, .restartAfter], "pause": [.target, .duration], "link": [.rule, .duration],
            "clock": [.target, .offsetSeconds, .rate, .duration], "partition": [.between, .duration],
            "loss": [.between, .probability, .duration], "disk": [.target, .commitDelaySeconds, .duration],
        ]
        guard let allowed = fields[kind] else {
            throw refuse("`kind` is one of \(fields.keys.sorted().joined(separator: ", "))")
        }
        for key in container.allKeys where !allowed.contains(key) && ![.kind, .at, .afterStartedFraction].contains(key)
        {
            throw refuse("`\(key.rawValue)` does not apply (it takes \(allowed.map(\.rawValue).sorted()))", key)
        }
        func target() throws -> ServiceName {
            guard let name = try container.decodeIfPresent(String.self, forKey: .target) else {
                throw refuse("needs a `target`", .target)
            }
            guard let service = ServiceName(rawValue: name) else {
                throw refuse(
                    "`target` \(name) is not one of \(ServiceName.allCases.map(\.rawValue).joined(separator: ", "))",
                    .target)
            }
            return service
        }
        func between(_ counts: ClosedRange<Int>) throws -> [ServiceName] {
            let names = try container.decodeIfPresent([String].self, forKey: .between) ?? []
            let services = names.compactMap(ServiceName.init(rawValue:))
            guard services.count == names.count, counts.contains(services.count) else {
                throw refuse(
                    "`between` names \(counts.lowerBound == counts.upperBound ? "two" : "one or two") of "
                        + ServiceName.allCases.map(\.rawValue).joined(separator: ", "), .between)
            }
            return services
        }
        let duration = try container.decodeIfPresent(Double.self, forKey: .duration)
        switch kind {
        case "kill":
            fault = .kill(
                try target(), restartAfter: try container.decodeIfPresent(Double.self, forKey: .restartAfter) ?? 1)
        case "pause":
            fault = .pause(try target(), duration: duration ?? 5)
        case "link":
            guard let rule = try container.decodeIfPresent(LinkFaultRule.self, forKey: .rule) else {
                throw refuse("needs a `rule`", .rule)
            }
            fault = .link(rule, duration: duration)
        case "clock":
            let offset = try container.decodeIfPresent(Double.self, forKey: .offsetSeconds)
            let rate = try container.decodeIfPresent(Double.self, forKey: .rate)
            guard offset != nil || rate != nil else { throw refuse("needs `offsetSeconds` or `rate`") }
            fault = .clock(try target(), offsetSeconds: offset, rate: rate, duration: duration)
        case "disk":
            guard let delay = try container.decodeIfPresent(Double.self, forKey: .commitDelaySeconds) else {
                throw refuse("needs `commitDelaySeconds`", .commitDelaySeconds)
            }
            guard (0...60).contains(delay) else {
                throw refuse("`commitDelaySeconds` is within 0…60", .commitDelaySeconds)
            }
            fault = .disk(try target(), commitDelaySeconds: delay, duration: duration)
        case "partition":
            let services = try between(1...2)
            fault = .network(
                services.count == 1 ? .isolation(services[0]) : .partition(services[0], services[1]),
                duration: duration)
        default:
            let services = try between(2...2)
            let probability = try container.decodeIfPresent(Double.self, forKey: .probability) ?? 0.1
            guard (0...1).contains(probability) else { throw refuse("`probability` is within 0…1", .probability) }
            fault = .network(.loss(services[0], services[1], probability: probability), duration: duration)
        }
        if let fraction = try container.decodeIfPresent(Double.self, forKey: .afterStartedFraction) {
            guard !container.contains(.at) else { throw refuse("`at` or `afterStartedFraction`, not both", .at) }
            trigger = .afterStartedFraction(fraction)
        } else {
            trigger = .at(try container.decodeIfPresent(Double.self, forKey: .at) ?? 0)
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(fault.kind, forKey: .kind)
        switch trigger {
        case .at(let seconds): try container.encode(seconds, forKey: .at)
        case .afterStartedFraction(let fraction): try container.encode(fraction, forKey: .afterStartedFraction)
        }
        switch fault {
        case .kill(let target, let restartAfter):
            try container.encode(target, forKey: .target)
            try container.encode(restartAfter, forKey: .restartAfter)
        case .pause(let target, let duration):
            try container.encode(target, forKey: .target)
            try container.encode(duration, forKey: .duration)
        case .link(let rule, let duration):
            try container.encode(rule, forKey: .rule)
            try container.encodeIfPresent(duration, forKey: .duration)
        case .clock(let target, let offset, let rate, let duration):
            try container.encode(target, forKey: .target)
            try container.encodeIfPresent(offset, forKey: .offsetSeconds)
            try container.encodeIfPresent(rate, forKey: .rate)
            try container.encodeIfPresent(duration, forKey: .duration)
        case .disk(let target, let delay, let duration):
            try container.encode(target, forKey: .target)
            try container.encode(delay, forKey: .commitDelaySeconds)
            try container.encodeIfPresent(duration, forKey: .duration)
        case .network(let network, let duration):
            switch network {
            case .partition(let a, let b): try container.encode([a, b], forKey: .between)
            case .isolation(let target): try container.encode([target], forKey: .between)
            case .loss(let a, let b, let probability):
                try container.encode([a, b], forKey: .between)
                try container.encode(probability, forKey: .probability)
            }
            try container.encodeIfPresent(duration, forKey: .duration)
        }
    }
}
