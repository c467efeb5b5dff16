import Foundation
import JSON
import SeededRandom

/// What an experiment asks of the topology: seed-scenario executions, their inputs and their pace.
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

/// One execution the workload will start.
public struct PlannedExecution: Sendable, Equatable {
    /// The execution's name: StartExecution with the same name and input is idempotent, so a retry after a lost
    /// reply cannot start a second execution.
    public var name: String
    public var input: String
    /// Seconds after the workload starts.
    public var startOffset: Double
}

extension Workload {
    /// The workload's inputs and start times for a seed.
    public func plan(seed: UInt64) -> [PlannedExecution] {
        var random = SplitMix64(seed: seed)
        let ratio = successRatio ?? 0.5
        return (0..<executions).map { index in
            let success = Double(random.next() % 1_000_000) / 1_000_000 < ratio
            let wait = max(0, Int(waitTime.sample(&random).rounded()))
            let input: JSONValue = ["waitTime": .int(wait), "status": .string(success ? "success" : "failure")]
            return PlannedExecution(
                name: "seed-\(seed)-\(index)", input: input.serialized(),
                startOffset: Double(index) / max(startsPerSecond, 0.001))
        }
    }
}
