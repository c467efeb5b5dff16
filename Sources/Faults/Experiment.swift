import Foundation
import JSON
import SeededRandom
import Wire

/// An experiment, as its file states it: a workload, a fault schedule, and how long the checker waits for quiet.
/// Everything random is drawn from one seed, so a file and a seed give the same inputs and the same schedule.
public struct Experiment: Codable, Sendable {
    public var name: String
    public var description: String?
    /// Every process's clock runs this much faster than real time (the seed's 300 s timeout in 300/rate s).
    public var clockRate: Double?
    public var workload: Workload
    public var faults: [ScheduledFault]
    public var checker: CheckerOptions?

    public init(
        name: String, description: String? = nil, clockRate: Double? = nil, workload: Workload,
        faults: [ScheduledFault] = [],
        checker: CheckerOptions? = nil
    ) {
        self.name = name
        self.description = description
        self.clockRate = clockRate
        self.workload = workload
        self.faults = faults
        self.checker = checker
    }

    /// A file may leave out `faults` (a baseline run).
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        name = try container.decode(String.self, forKey: .name)
        description = try container.decodeIfPresent(String.self, forKey: .description)
        clockRate = try container.decodeIfPresent(Double.self, forKey: .clockRate)
        workload = try container.decode(Workload.self, forKey: .workload)
        faults = try container.decodeIfPresent([ScheduledFault].self, forKey: .faults) ?? []
        checker = try container.decodeIfPresent(CheckerOptions.self, forKey: .checker)
    }
}

public struct Workload: Codable, Sendable {
    public var executions: Int
    /// Executions started per second (real time).
    public var startsPerSecond: Double
    /// The share of inputs with `status: success`; the rest ask for `failure`.
    public var successRatio: Double?
    /// `waitTime` of each input, in workflow seconds.
    public var waitTime: Distribution
    /// Run a variant of the seed state machine whose callback task has these instead of `TimeoutSeconds: 300`.
    /// Nobody sends heartbeats, so a job that waits longer than `heartbeatSeconds` times out.
    public var timeoutSeconds: Int?
    public var heartbeatSeconds: Int?

    public init(
        executions: Int, startsPerSecond: Double, successRatio: Double? = nil, waitTime: Distribution,
        timeoutSeconds: Int? = nil, heartbeatSeconds: Int? = nil
    ) {
        self.executions = executions
        self.startsPerSecond = startsPerSecond
        self.successRatio = successRatio
        self.waitTime = waitTime
        self.timeoutSeconds = timeoutSeconds
        self.heartbeatSeconds = heartbeatSeconds
    }

    /// The longest a job may take before its task times out, in workflow seconds.
    public var effectiveTimeoutSeconds: Double {
        Double(min(timeoutSeconds ?? 300, heartbeatSeconds ?? Int.max))
    }
}

/// `{fixed: 3}`, `{uniform: [1, 5]}` or `{exponential: 3}` (the mean).
public struct Distribution: Codable, Sendable {
    public var fixed: Double?
    public var uniform: [Double]?
    public var exponential: Double?

    public init(fixed: Double? = nil, uniform: [Double]? = nil, exponential: Double? = nil) {
        self.fixed = fixed
        self.uniform = uniform
        self.exponential = exponential
    }

    func sample(_ random: inout SplitMix64) -> Double {
        let unit = Double(random.next() % 1_000_000) / 1_000_000
        if let uniform, uniform.count == 2 { return uniform[0] + (uniform[1] - uniform[0]) * unit }
        if let mean = exponential { return -mean * log(1 - unit) }
        return fixed ?? 0
    }
}

public struct CheckerOptions: Codable, Sendable {
    /// How long to wait, after the last start and the last fault, for every execution to end.
    public var quiescenceSeconds: Double?
    /// The faults make every callback late: each execution must take the timeout path.
    public var expectTimeouts: Bool?

    public init(quiescenceSeconds: Double? = nil, expectTimeouts: Bool? = nil) {
        self.quiescenceSeconds = quiescenceSeconds
        self.expectTimeouts = expectTimeouts
    }
}

/// One execution the workload will start.
public struct PlannedExecution: Sendable, Equatable {
    /// The execution's name: StartExecution with the same name and input is idempotent, so a retry after a lost
    /// reply cannot start a second execution.
    public var name: String
    public var input: String
    /// Seconds after the workload starts.
    public var startOffset: Double
}

extension Experiment {
    /// The run needs each process in a network namespace of its own (and so root).
    public var usesNetworkNamespaces: Bool { faults.contains { $0.fault.isNetwork } }

    /// The workload's inputs and start times for a seed.
    public func plan(seed: UInt64) -> [PlannedExecution] {
        var random = SplitMix64(seed: seed)
        let ratio = workload.successRatio ?? 0.5
        return (0..<workload.executions).map { index in
            let success = Double(random.next() % 1_000_000) / 1_000_000 < ratio
            let wait = max(0, Int(workload.waitTime.sample(&random).rounded()))
            let input: JSONValue = ["waitTime": .int(wait), "status": .string(success ? "success" : "failure")]
            return PlannedExecution(
                name: "seed-\(seed)-\(index)", input: input.serialized(),
                startOffset: Double(index) / max(workload.startsPerSecond, 0.001))
        }
    }

    /// Seeds written as a sweep takes them: a range (`1-100`), a list (`3,7,9`) or both (`1-5,9`); nil if
    /// malformed or empty.
    public static func seeds(_ text: String) -> [UInt64]? {
        var seeds: [UInt64] = []
        for part in text.split(separator: ",") {
            let bounds = part.split(separator: "-", omittingEmptySubsequences: false).map {
                UInt64($0.trimmingCharacters(in: .whitespaces))
            }
            if bounds.count == 1, let seed = bounds[0] {
                seeds.append(seed)
            } else if bounds.count == 2, let low = bounds[0], let high = bounds[1], low <= high {
                seeds += Array(low...high)
            } else {
                return nil
            }
        }
        return seeds.isEmpty ? nil : seeds
    }

    /// The link rules' seed for a run: derived from the run's seed, so the same seed gives the same drops.
    public func faultSeed(_ seed: UInt64, index: Int) -> UInt64 {
        var random = SplitMix64(seed: seed &+ UInt64(index) &* 0x9E37_79B9)
        return random.next()
    }
}
