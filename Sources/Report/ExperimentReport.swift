import Foundation

/// What an experiment did and whether every invariant held: written as `report.json`.
public struct ExperimentReport: Codable, Sendable {
    public struct AppliedFault: Codable, Sendable {
        /// The `kind` of the experiment file.
        public var kind: String
        /// A word for the timeline: a link fault's action (drop, duplicate, …), else the kind.
        public var label: String?
        public var summary: String
        /// Seconds after the workload started.
        public var startedAt: Double
        public var endedAt: Double?
        /// Network faults between two processes: what the kernel's DROP rules counted.
        public var droppedPackets: Int?
        /// Why the fault could not be applied (or undone); nil when it was.
        public var error: String?

        public init(
            kind: String, label: String? = nil, summary: String, startedAt: Double, endedAt: Double?,
            droppedPackets: Int? = nil, error: String? = nil
        ) {
            self.kind = kind
            self.label = label
            self.summary = summary
            self.startedAt = startedAt
            self.endedAt = endedAt
            self.droppedPackets = droppedPackets
            self.error = error
        }
    }

    /// One second of real time after the first execution started.
    public struct Second: Codable, Sendable, Equatable {
        /// Executions that ended in this second.
        public var completions: Int
        /// Executions started and not yet ended at some point in this second.
        public var inFlight: Int
        /// Start-to-end latency (workflow seconds) of the executions that ended in this second.
        public var latencyP50: Double?
        public var latencyP99: Double?

        public init(completions: Int, inFlight: Int, latencyP50: Double?, latencyP99: Double?) {
            self.completions = completions
            self.inFlight = inFlight
            self.latencyP50 = latencyP50
            self.latencyP99 = latencyP99
        }
    }

    public struct InvariantResult: Codable, Sendable {
        public var invariant: String
        public var passed: Bool
        public var violations: [String]

        public init(invariant: String, passed: Bool, violations: [String]) {
            self.invariant = invariant
            self.passed = passed
            self.violations = violations
        }
    }

    public var experiment: String
    public var seed: UInt64
    public var executionsPlanned: Int
    public var executionsStarted: Int
    public var startErrors: [String]
    public var quiescent: Bool
    public var faults: [AppliedFault]
    public var invariants: [InvariantResult]
    public var paths: [String: Int]
    public var deadLetters: Int
    /// Why each dead letter is there, by SQS message id.
    public var deadLetterExplanations: [String: String]
    public var explanations: [String: String]
    /// Execution durations in workflow seconds (history start to end): p50, p90, p99, max.
    public var latency: [String: Double]
    /// Executions finished in each second of real time after the first started (the faults' time axis).
    public var completionsPerSecond: [Int]
    /// Completions, executions in flight and latency per second of real time (absent in older reports).
    public var seconds: [Second]?
    public var durationSeconds: Double

    public var passed: Bool { quiescent && startErrors.isEmpty && invariants.allSatisfy(\.passed) }

    /// What failed, for titles: violated invariants, faults that could not be applied, starts that failed, a
    /// topology that never went quiet; empty when nothing did.
    public var failures: [String] {
        var failures = invariants.filter { !$0.passed }.map { "\($0.invariant) violated (\($0.violations.count))" }
        let unapplied = faults.filter { $0.error != nil }
        if !unapplied.isEmpty {
            failures.append(
                "fault not applied: " + unapplied.map(\.summary).joined(separator: ", "))
        }
        let otherErrors = startErrors.filter { !$0.hasPrefix("fault ") }
        if !otherErrors.isEmpty { failures.append("\(otherErrors.count) executions not started") }
        if !quiescent { failures.append("not quiescent") }
        return failures
    }

    public init(
        experiment: String, seed: UInt64, executionsPlanned: Int, executionsStarted: Int, startErrors: [String],
        quiescent: Bool, faults: [AppliedFault], invariants: [InvariantResult], paths: [String: Int], deadLetters: Int,
        deadLetterExplanations: [String: String] = [:], explanations: [String: String], latency: [String: Double],
        completionsPerSecond: [Int], seconds: [Second]? = nil, durationSeconds: Double
    ) {
        self.seconds = seconds
        self.experiment = experiment
        self.seed = seed
        self.executionsPlanned = executionsPlanned
        self.executionsStarted = executionsStarted
        self.startErrors = startErrors
        self.quiescent = quiescent
        self.faults = faults
        self.invariants = invariants
        self.paths = paths
        self.deadLetters = deadLetters
        self.deadLetterExplanations = deadLetterExplanations
        self.explanations = explanations
        self.latency = latency
        self.completionsPerSecond = completionsPerSecond
        self.durationSeconds = durationSeconds
    }
}
