import Foundation
import NetworkNamespaces
import Testing
import Topology
import Wire

extension IntegrationTests {
    /// A network experiment interrupted or killed must not leave namespaces, veths or daemons behind.
    @Suite(.enabled(if: getuid() == 0, "network namespaces need root")) struct NetworkLabTests {
        static let experiment = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("experiments/partition-orchestrator-queue-broker.yaml").path

        /// Starts `callbacksim experiment run` and waits until its six processes run in their namespaces.
        /// posix_spawn, not Foundation's Process: the test reaps the runner itself, whatever signal ends it.
        func startRun() async throws -> (runner: Int32, namespaces: [String], daemons: [Int32]) {
            let runner = try Launcher.spawnDetached(
                executable: Launcher.ownDirectory() + "/callbacksim",
                arguments: ["experiment", "run", Self.experiment, "--executions", "20", "--report", "/tmp/cbs-lab"],
                log: "/tmp/cbs-lab.log")
            let prefix = "\(NetworkLab.prefix)-\(runner)-"
            let deadline = ContinuousClock.now + .seconds(30)
            while ContinuousClock.now < deadline {
                let namespaces = NetworkLab.namespaces().filter { $0.hasPrefix(prefix) }
                let daemons = namespaces.flatMap(NetworkLab.pids(in:))
                let processes = ServiceName.allCases.count
                if namespaces.count == processes + 1, daemons.count == processes {
                    return (runner, namespaces, daemons)
                }
                try await Task.sleep(for: .milliseconds(200))
            }
            kill(runner, SIGKILL)
            throw Launcher.LaunchError(message: "the run's processes did not start in their namespaces")
        }

        /// Waits for the runner to end; returns its raw wait status.
        func waitForExit(_ pid: Int32) async throws -> Int32 {
            var status: Int32 = 0
            for _ in 0..<1000 {
                if waitpid(pid, &status, WNOHANG) == pid { return status }
                try await Task.sleep(for: .milliseconds(20))
            }
            throw Launcher.LaunchError(message: "the runner did not exit")
        }

        @Test func ctrlCRemovesEverythingTheRunMade() async throws {
            let (runner, namespaces, daemons) = try await startRun()
            kill(runner, SIGINT)
            let status = try await waitForExit(runner)
            #expect(status & 0x7f == 0 && (status >> 8) & 0xff == 130, "exit status \(status)")
            #expect(Set(NetworkLab.namespaces()).isDisjoint(with: namespaces))
            #expect(daemons.filter(Launcher.isAlive).isEmpty)
        }

        @Test func theLeftoversOfAKilledRunAreSweptAway() async throws {
            let (runner, namespaces, daemons) = try await startRun()
            kill(runner, SIGKILL)
            _ = try await waitForExit(runner)
            #expect(Set(NetworkLab.namespaces()).isSuperset(of: namespaces), "SIGKILL cleans nothing up itself")
            NetworkLab.sweepLeftovers()
            #expect(Set(NetworkLab.namespaces()).isDisjoint(with: namespaces))
            for _ in 0..<50 where daemons.contains(where: Launcher.isAlive) {
                try await Task.sleep(for: .milliseconds(20))
            }
            #expect(daemons.filter(Launcher.isAlive).isEmpty)
        }
    }
}
