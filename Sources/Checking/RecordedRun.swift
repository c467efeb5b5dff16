import JSON
import Wire

/// Everything an experiment leaves behind, read from the five services once the topology is quiet: what the
/// checker judges. Plain data, so tests can build one with violations planted in it.
public struct RecordedRun: Codable, Sendable {
    public struct Execution: Codable, Sendable {
        public var executionArn: String
        public var input: String
        public var status: String
        /// GetExecutionHistory's events, oldest first.
        public var history: [JSONValue]

        public init(executionArn: String, input: String, status: String, history: [JSONValue]) {
            self.executionArn = executionArn
            self.input = input
            self.status = status
            self.history = history
        }
    }

    /// One callback as the callback sender recorded it.
    public struct Callback: Codable, Sendable, Equatable {
        public var taskToken: String
        public var action: String
        /// `OK`, or the error name the orchestrator answered (`TaskTimedOut`, `InvalidToken`, …).
        public var outcome: String

        public init(taskToken: String, action: String, outcome: String) {
            self.taskToken = taskToken
            self.action = action
            self.outcome = outcome
        }
    }

    /// A message left in a dead-letter queue.
    public struct DeadLetter: Codable, Sendable, Equatable {
        public var messageId: String
        public var body: String

        public init(messageId: String, body: String) {
            self.messageId = messageId
            self.body = body
        }
    }

    /// A run of the simulator state machine (named after the SQS message it was started for).
    public struct SimulatorRun: Codable, Sendable, Equatable {
        public var name: String
        public var status: String
        public var error: String?

        public init(name: String, status: String, error: String? = nil) {
            self.name = name
            self.status = status
            self.error = error
        }
    }

    public var executions: [Execution]
    public var notifications: [NotificationRecord]
    public var callbacks: [Callback]
    public var deadLetters: [DeadLetter]
    public var simulatorRuns: [SimulatorRun]
    /// Messages still in the request queue (visible or in flight) when the run was recorded.
    public var messagesLeftInRequestQueue: Int
    /// The callback task's TimeoutSeconds: an input whose waitTime exceeds it must take the timeout path.
    public var taskTimeoutSeconds: Double
    /// A waitTime this close to the timeout may take either path: the round trip's own latency races the timer.
    public var timeoutToleranceSeconds: Double = 0

    public init(
        executions: [Execution], notifications: [NotificationRecord], callbacks: [Callback], deadLetters: [DeadLetter],
        simulatorRuns: [SimulatorRun], messagesLeftInRequestQueue: Int, taskTimeoutSeconds: Double = 300,
        timeoutToleranceSeconds: Double = 0
    ) {
        self.timeoutToleranceSeconds = timeoutToleranceSeconds
        self.executions = executions
        self.notifications = notifications
        self.callbacks = callbacks
        self.deadLetters = deadLetters
        self.simulatorRuns = simulatorRuns
        self.messagesLeftInRequestQueue = messagesLeftInRequestQueue
        self.taskTimeoutSeconds = taskTimeoutSeconds
    }
}
