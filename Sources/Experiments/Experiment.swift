import Checking
import FaultInjection
import Foundation
import SeededRandom
import Workloads

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

extension Experiment {
    /// The run needs each process in a network namespace of its own (and so root).
    public var usesNetworkNamespaces: Bool { faults.contains { $0.fault.isNetwork } }

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
