import Foundation
import Testing
import Topology

/// `callbacksim simulate --faults FILE` as a user runs it: the real executable, its output and its exit status.
@Suite struct SimulateCommandTests {
    /// The orchestrator's requests to the broker and their replies lost 30% of the time for 5 s, on a 10× clock:
    /// its outbox calls are retried, and only their idempotency keys keep a retried Publish from being done twice.
    static let lossyBroker = """
        name: loss-orchestrator-queue-broker
        clockRate: 10
        workload:
          executions: 20
          startsPerSecond: 20
          waitTime: {uniform: [5, 30]}
        faults:
          - kind: loss
            between: [orchestrator, queue-broker]
            probability: 0.3
            at: 0
            duration: 5
        checker:
          quiescenceSeconds: 300
        """

    func simulate(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Launcher.ownDirectory() + "/callbacksim")
        process.arguments = ["simulate"] + arguments
        let out = Pipe()
        process.standardOutput = out
        process.standardError = out
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    func experimentFile() throws -> String {
        let path = "/tmp/cbs-simulate-\(UUID().uuidString.prefix(8)).yaml"
        try Self.lossyBroker.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func theFileGivenWithFaultsIsTheExperimentEachSeedRuns() throws {
        let file = try experimentFile()
        defer { try? FileManager.default.removeItem(atPath: file) }
        let (status, output) = try simulate(["--faults", file, "--seeds", "1-3", "--jobs", "1"])
        #expect(status == 0, "\(output)")
        #expect(output.contains("simulate loss-orchestrator-queue-broker: 3 seeds, 1 at a time"), "\(output)")
        #expect(output.contains("seed 2: passed  20/20 executions"), "\(output)")
        #expect(output.contains("simulate: 3/3 seeds passed"), "\(output)")
    }

    /// The same experiment with the outbox's idempotency keys taken away fails, and says what it found.
    @Test func aPlantedBugUnderTheFileFailsTheCommand() throws {
        let file = try experimentFile()
        defer { try? FileManager.default.removeItem(atPath: file) }
        let (status, output) = try simulate([
            "--faults", file, "--seeds", "1-5", "--jobs", "1", "--plant-bug", "outbox-without-idempotency-keys",
        ])
        #expect(status == 1, "\(output)")
        #expect(output.contains("FAILED  one-notification-each violated"), "\(output)")
        #expect(output.contains("(stopped at the first failure; --keep-going runs them all)"), "\(output)")
    }

    @Test func theFileIsNamedOnce() throws {
        let file = try experimentFile()
        defer { try? FileManager.default.removeItem(atPath: file) }
        let (status, output) = try simulate([file, "--faults", file, "--seeds", "1"])
        #expect(status != 0)
        #expect(output.contains("name the experiment file once"), "\(output)")
    }
}
