import Foundation
import Glibc
import Testing
import Topology

/// `down` signals only processes that are still the topology's own: a pid reused by another process (after ours
/// exited, or after a reboot) is left alone.
@Suite struct ProcessIdentityTests {
    /// A `sleep` standing in for an unrelated process that now holds a recorded pid.
    func stranger() throws -> Int32 {
        try Launcher.spawnDetached(executable: "/bin/sleep", arguments: ["30"], log: "/dev/null")
    }

    func write(_ pid: Int32, identity: ProcessIdentity?, in directory: String) throws {
        var state = TopologyState(layout: TopologyLayout.ipc(dataDirectory: directory), pids: ["orchestrator": pid])
        state.processes = identity.map { ["orchestrator": $0] }
        try state.save()
    }

    @Test func downLeavesAReusedPidAlone() async throws {
        let directory = NSTemporaryDirectory() + "identity-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let pid = try stranger()
        defer {
            kill(pid, SIGKILL)
            Launcher.reap([pid])
        }
        let real = try #require(ProcessIdentity.spawned(pid, executable: "/bin/sleep"))
        // Recorded with another start time: the pid was reused.
        try write(
            pid, identity: ProcessIdentity(startTime: real.startTime + 1, executable: real.executable), in: directory)
        #expect(await Launcher.down(dataDirectory: directory, grace: .milliseconds(200)).isEmpty)
        #expect(Launcher.isAlive(pid))
        // A file from before identities were kept: a process that is not one of ours is not signalled either.
        try write(pid, identity: nil, in: directory)
        #expect(await Launcher.down(dataDirectory: directory, grace: .milliseconds(200)).isEmpty)
        #expect(Launcher.isAlive(pid))
        // The identity it really has: ours, so it is stopped.
        try write(pid, identity: real, in: directory)
        let stopped = await Launcher.down(dataDirectory: directory, grace: .seconds(2))
        #expect(
            stopped == ["orchestrator": "SIGTERM"], "\(real) \(String(describing: ProcessIdentity.executable(of: pid)))"
        )
        #expect(!Launcher.isAlive(pid))
    }
}

/// How tests and topologies run tools: both output streams read in full whatever their size, and a timeout.
@Suite struct CommandTests {
    @Test func aToolWritingMoreThanAPipeHoldsToStandardErrorFinishes() throws {
        let result = try Command.status(
            ["/bin/sh", "-c", "head -c 200000 /dev/zero | tr '\\0' x >&2; echo done"], timeout: .seconds(30))
        #expect(result.status == 0)
        #expect(result.stdout == "done\n")
        #expect(result.stderr.count == 200_000)
    }

    @Test func aToolPastItsTimeoutIsKilled() throws {
        let started = ContinuousClock.now
        #expect(throws: Command.Failure.self) {
            _ = try Command.status(["/bin/sleep", "30"], timeout: .milliseconds(300))
        }
        #expect(ContinuousClock.now - started < .seconds(10))
    }
}
