import Dispatch
import Foundation
import Glibc

/// Runs the system tools the topologies drive (ip, iptables, nsenter, podman, docker, compose) and the tests'
/// executables, and reports a failure with what the tool said.
public enum Command {
    public struct Failure: Error, CustomStringConvertible {
        public let message: String
        public var description: String { message }

        public init(message: String) { self.message = message }
    }

    /// A tool's path: absolute as given, else looked up in the sbin and bin folders and then `PATH`.
    public static func which(_ tool: String) -> String? {
        if tool.hasPrefix("/") { return FileManager.default.isExecutableFile(atPath: tool) ? tool : nil }
        let path = ProcessInfo.processInfo.environment["PATH"]?.split(separator: ":").map(String.init) ?? []
        for directory in ["/usr/sbin", "/sbin", "/usr/bin", "/bin"] + path {
            let candidate = directory + "/" + tool
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    public static func run(_ arguments: String...) throws { _ = try output(arguments) }
    public static func run(_ arguments: [String], environment: [String: String] = [:]) throws {
        _ = try output(arguments, environment: environment)
    }
    public static func output(_ arguments: String...) throws -> String { try output(arguments) }

    /// Standard output of a tool that must succeed; `environment` is added to this process's own.
    public static func output(_ arguments: [String], environment: [String: String] = [:]) throws -> String {
        let result = try status(arguments, environment: environment)
        guard result.status == 0 else {
            throw Failure(message: "`\(arguments.joined(separator: " "))` failed: \(result.stderr)")
        }
        return result.stdout
    }

    /// `output` off Swift's cooperative threads, which a waiting tool must not hold.
    public static func outputInBackground(_ arguments: [String], environment: [String: String] = [:]) async throws
        -> String
    {
        try await inBackground { try output(arguments, environment: environment) }
    }

    /// Blocking work (waiting for a tool) on a thread of its own: on Swift's cooperative threads (two on two
    /// cores) it would hold one for as long as the tool runs, and everything else would wait for the other.
    public static func inBackground<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(with: Result { try work() }) }
        }
    }

    /// Exit status, standard output and standard error (trimmed) of a tool. Past `timeout` the tool is killed
    /// and a `Failure` thrown.
    public static func status(
        _ arguments: [String], environment: [String: String] = [:], timeout: Duration? = nil
    ) throws -> (status: Int32, stdout: String, stderr: String) {
        guard let tool = arguments.first, let path = which(tool) else {
            throw Failure(message: "\(arguments.first ?? "?") not found")
        }
        // Output goes to files, not pipes: a tool may leave a daemon holding what it inherited.
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("callbacksim-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let outPath = folder.appendingPathComponent("out").path
        let errPath = folder.appendingPathComponent("err").path
        let pid = try Launcher.spawn(
            executable: path, arguments: Array(arguments.dropFirst()), standardOutput: outPath,
            standardError: errPath,
            environment: environment.isEmpty
                ? nil : ProcessInfo.processInfo.environment.merging(environment) { _, new in new },
            newSession: false)
        var status: Int32 = 0
        if let timeout {
            let deadline = ContinuousClock.now + timeout
            while waitpid(pid, &status, WNOHANG) == 0 {
                if ContinuousClock.now >= deadline {
                    kill(pid, SIGKILL)
                    while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
                    let partial = (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? ""
                    throw Failure(
                        message:
                            "`\(arguments.joined(separator: " "))` did not end within \(timeout): \(partial.suffix(2000))"
                    )
                }
                usleep(10_000)
            }
        } else {
            while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        }
        // WIFEXITED / WEXITSTATUS, which Swift does not import.
        let exitStatus: Int32 = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        let stdout = (try? Data(contentsOf: URL(fileURLWithPath: outPath))) ?? Data()
        let stderr = String(decoding: (try? Data(contentsOf: URL(fileURLWithPath: errPath))) ?? Data(), as: UTF8.self)
        return (
            exitStatus, String(decoding: stdout, as: UTF8.self),
            stderr.trimmingCharacters(in: .whitespacesAndNewlines)
        )
    }
}
