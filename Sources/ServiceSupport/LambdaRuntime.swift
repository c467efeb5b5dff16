import Foundation
import JSON
import Wire

/// What Lambda's runtime does around a function: it ends an invocation that runs past the function's `Timeout`
/// and answers with the timeout error, so a caller never waits on a function longer than the function may run.
public enum LambdaRuntime {
    /// Lambda's default when the template sets no Timeout.
    public static let defaultTimeout = 3.0

    /// Lambda's answer for an invocation that ran out of time: an unhandled function error of type
    /// `Sandbox.Timedout` (what current runtimes report) whose message is Lambda's own.
    public static func timedOut(after seconds: Double, requestId: String = UUID().uuidString.lowercased())
        -> InvokeOutput
    {
        InvokeOutput(
            Payload: [
                "errorType": "Sandbox.Timedout",
                "errorMessage": .string(
                    "RequestId: \(requestId) Error: Task timed out after \(String(format: "%.2f", seconds)) seconds"),
            ],
            FunctionError: "Unhandled")
    }

    /// Runs `body` as one invocation limited to `timeout` seconds of `clock`'s time.
    public static func invoke(
        timeout: Double, on clock: any WallClock, _ body: @escaping @Sendable () async throws -> InvokeOutput
    ) async throws -> InvokeOutput {
        try await withThrowingTaskGroup(of: InvokeOutput?.self) { group in
            group.addTask { try await body() }
            group.addTask {
                try await clock.sleep(for: .seconds(timeout))
                return nil
            }
            defer { group.cancelAll() }
            let first = try await group.next() ?? nil
            return first ?? timedOut(after: timeout)
        }
    }
}
