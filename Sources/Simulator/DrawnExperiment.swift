import Checking
import Experiments
import FaultInjection
import SeededRandom
import Workloads

extension Simulator {
    /// The experiment a seed draws when no file is given: the seed scenario's workload at a random size, pace and
    /// mix, and the nemesis's fault schedule, on a 10× clock.
    public static func drawnExperiment(seed: UInt64) -> Experiment {
        var random = SplitMix64(seed: seed ^ 0x0DDB_1A5E_5BAD_5EED)
        func unit() -> Double { Double(random.next() % 1_000_000) / 1_000_000 }
        func between(_ low: Double, _ high: Double) -> Double { low + (high - low) * unit() }
        /// Rounded to a tenth, so a written-out experiment reads cleanly.
        func tenth(_ value: Double) -> Double { (value * 10).rounded() / 10 }

        let executions = 10 + Int(random.next() % 31)
        let startsPerSecond = tenth(between(5, 40))
        let workload = Workload(
            executions: executions, startsPerSecond: startsPerSecond, successRatio: tenth(between(0.2, 0.8)),
            waitTime: Distribution(uniform: [1, tenth(between(5, 120))]))
        let clockRate = 10.0
        let faults = Nemesis.faults(
            within: Double(executions) / startsPerSecond, clockRate: clockRate, random: &random)
        let kinds = faults.map(\.fault.label)
        return Experiment(
            name: "nemesis-\(seed)" + (kinds.isEmpty ? "" : "-" + kinds.joined(separator: "-")),
            description: "drawn from seed \(seed)", clockRate: clockRate, workload: workload, faults: faults,
            checker: CheckerOptions(quiescenceSeconds: 600))
    }
}
