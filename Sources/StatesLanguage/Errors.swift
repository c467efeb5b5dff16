/// The predefined error names of the States Language.
public enum ErrorName {
    public static let all = "States.ALL"
    public static let timeout = "States.Timeout"
    public static let heartbeatTimeout = "States.HeartbeatTimeout"
    public static let taskFailed = "States.TaskFailed"
    public static let permissions = "States.Permissions"
    public static let runtime = "States.Runtime"
    public static let dataLimitExceeded = "States.DataLimitExceeded"
    public static let noChoiceMatched = "States.NoChoiceMatched"
    public static let branchFailed = "States.BranchFailed"
    public static let parameterPathFailure = "States.ParameterPathFailure"
    public static let resultPathMatchFailure = "States.ResultPathMatchFailure"
    public static let intrinsicFailure = "States.IntrinsicFailure"
    public static let exceedToleratedFailureThreshold = "States.ExceedToleratedFailureThreshold"
    public static let queryEvaluationError = "States.QueryEvaluationError"

    /// Whether a retrier or catcher naming `pattern` handles `error`.
    ///
    /// States.ALL matches everything but the terminal errors; States.TaskFailed matches any error but a timeout;
    /// States.Timeout also matches a missed heartbeat.
    public static func matches(_ pattern: String, _ error: String) -> Bool {
        if pattern == error { return true }
        switch pattern {
        case all:
            return error != runtime && error != dataLimitExceeded
        case taskFailed:
            return error != timeout && error != heartbeatTimeout && error != runtime && error != dataLimitExceeded
        case timeout:
            return error == heartbeatTimeout
        default:
            return false
        }
    }

    /// Errors no retrier or catcher can handle: the execution fails.
    public static func isTerminal(_ error: String) -> Bool {
        error == runtime || error == dataLimitExceeded
    }
}

/// An error raised while running a state: what Retry and Catch see, and what ExecutionFailed records.
public struct StatesError: Error, Sendable, Equatable {
    public let error: String
    public let cause: String?
    /// For a JSONata evaluation failure, the field it happened in (`Output/result`): EvaluationFailed's location.
    public var location: String?

    public init(_ error: String, _ cause: String?, location: String? = nil) {
        self.error = error
        self.cause = cause
        self.location = location
    }

    static func runtime(_ cause: String) -> StatesError { StatesError(ErrorName.runtime, cause) }
}
