import Foundation

/// What `/proc/PID/stat` and `/proc/PID/status` say about a process: its state, its CPU time, when it started and
/// its peak memory. The one reader of those files, for identities, liveness and benchmarks.
public struct ProcessStat: Sendable, Equatable {
    /// One letter: R running, S sleeping, Z zombie, …
    public var state: String
    /// User and system CPU time, in clock ticks.
    public var userTicks: UInt64
    public var systemTicks: UInt64
    /// Clock ticks after boot when the process started.
    public var startTime: UInt64

    public static let ticksPerSecond = Double(sysconf(Int32(_SC_CLK_TCK)))

    public var cpuSeconds: Double { Double(userTicks + systemTicks) / Self.ticksPerSecond }

    public static func read(_ pid: Int32) -> ProcessStat? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8) else { return nil }
        return parse(text)
    }

    /// Fields after the command name (which may hold spaces and parentheses): state is field 3, utime 14, stime
    /// 15, start time 22.
    static func parse(_ text: String) -> ProcessStat? {
        guard let close = text.lastIndex(of: ")") else { return nil }
        let fields = text[text.index(after: close)...].split(separator: " ")
        guard fields.count > 19, let user = UInt64(fields[11]), let system = UInt64(fields[12]),
            let start = UInt64(fields[19])
        else { return nil }
        return ProcessStat(state: String(fields[0]), userTicks: user, systemTicks: system, startTime: start)
    }

    /// The most memory the process has held resident (`VmHWM`), in bytes.
    public static func peakResidentBytes(_ pid: Int32) -> Int? { statusBytes(pid, "VmHWM:") }

    /// The memory the process holds resident now (`VmRSS`), in bytes.
    public static func residentBytes(_ pid: Int32) -> Int? { statusBytes(pid, "VmRSS:") }

    private static func statusBytes(_ pid: Int32, _ field: String) -> Int? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
            let line = text.split(separator: "\n").first(where: { $0.hasPrefix(field) }),
            let kilobytes = Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "")
        else { return nil }
        return kilobytes * 1024
    }
}
