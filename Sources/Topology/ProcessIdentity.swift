import Foundation
import Glibc
import Wire

/// Which process a recorded pid named: its start time (clock ticks after boot, field 22 of `/proc/PID/stat`) and
/// its executable. A pid alone may name someone else's process once ours exited or the machine rebooted, so
/// `down`, the experiments and `up` act on a pid only while both still match.
public struct ProcessIdentity: Codable, Sendable, Equatable {
    public var startTime: UInt64
    public var executable: String

    public init(startTime: UInt64, executable: String) {
        self.startTime = startTime
        self.executable = executable
    }

    /// The identity of a process just spawned to run `executable` (which it may not have exec'd yet).
    public static func spawned(_ pid: Int32, executable: String) -> ProcessIdentity? {
        startTime(of: pid).map { ProcessIdentity(startTime: $0, executable: resolved(executable)) }
    }

    public static func startTime(of pid: Int32) -> UInt64? { ProcessStat.read(pid)?.startTime }

    /// The file a process runs; a binary replaced on disk since (a rebuild) still counts as itself.
    public static func executable(of pid: Int32) -> String? {
        guard let path = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/exe") else {
            return nil
        }
        return path.hasSuffix(" (deleted)") ? String(path.dropLast(" (deleted)".count)) : path
    }

    static func resolved(_ path: String) -> String {
        guard let real = realpath(path, nil) else { return path }
        defer { free(real) }
        return String(cString: real)
    }

    /// Whether `pid` is still this process: alive, started when it was, running what it ran.
    public func matches(_ pid: Int32) -> Bool {
        Launcher.isAlive(pid) && Self.startTime(of: pid) == startTime && Self.executable(of: pid) == executable
    }
}

extension TopologyState {
    /// The pid of `service`'s process if it still runs, and is still ours. A topology file from before
    /// identities were recorded: the pid counts if it runs one of callbacksim's executables.
    public func livePid(_ service: ServiceName) -> Int32? {
        guard let pid = pids[service.rawValue], Launcher.isAlive(pid) else { return nil }
        if let identity = processes?[service.rawValue] { return identity.matches(pid) ? pid : nil }
        let name = ProcessIdentity.executable(of: pid).map { ($0 as NSString).lastPathComponent }
        return name == service.rawValue || name == "callbacksim" ? pid : nil
    }

    /// The live pids of the topology's own processes, by service.
    public var livePids: [ServiceName: Int32] {
        Dictionary(
            uniqueKeysWithValues: ServiceName.allCases.compactMap { service in livePid(service).map { (service, $0) } })
    }
}
