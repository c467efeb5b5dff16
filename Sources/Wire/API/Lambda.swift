import JSON

// The Lambda Invoke API (payload carried as JSON rather than a blob), and the control operations every process
// or one process answers.

public enum Lambda {
    public static let invoke = APIOperation<InvokeInput, InvokeOutput>(.lambda, "Invoke")
}

public struct InvokeInput: Codable, Sendable {
    public var FunctionName: String
    public var Payload: JSONValue?
    public var InvocationType: String?
    public init(FunctionName: String, Payload: JSONValue?, InvocationType: String? = nil) {
        self.FunctionName = FunctionName
        self.Payload = Payload
        self.InvocationType = InvocationType
    }
}

/// `FunctionError` is "Unhandled" when the function threw; `Payload` then holds `{errorType, errorMessage}`.
public struct InvokeOutput: Codable, Sendable {
    public var StatusCode: Int
    public var Payload: JSONValue?
    public var FunctionError: String?
    public var ExecutedVersion: String?
    public init(StatusCode: Int = 200, Payload: JSONValue?, FunctionError: String? = nil) {
        self.StatusCode = StatusCode
        self.Payload = Payload
        self.FunctionError = FunctionError
        self.ExecutedVersion = "$LATEST"
    }
}

/// One SNS notification as the logger recorded it: joinable with the publish task's `MessageId` in a history.
public struct NotificationRecord: Codable, Sendable, Equatable {
    public var messageId: String
    public var topicArn: String
    public var subscriptionArn: String
    public var subject: String?
    public var message: String
    public var publishedAt: String
    public var loggedAt: Double
    public init(
        messageId: String, topicArn: String, subscriptionArn: String, subject: String?, message: String,
        publishedAt: String, loggedAt: Double
    ) {
        self.messageId = messageId
        self.topicArn = topicArn
        self.subscriptionArn = subscriptionArn
        self.subject = subject
        self.message = message
        self.publishedAt = publishedAt
        self.loggedAt = loggedAt
    }
}

/// callbacksim's own operations: never forwarded by the AWS gateway.
public enum Control {
    /// Every service answers `Ping`, so `callbacksim status` can tell a live process from a stale pid.
    public static let ping = APIOperation<EmptyOutput, PingOutput>(.control, "Ping")
    /// Every callback the callback sender sent, with the orchestrator's answer: `{"callbacks": […]}`.
    public static let listCallbacks = APIOperation<EmptyOutput, JSONValue>(.control, "ListCallbacks")
    /// The operations a process serves, `api:Name` (`sqs:SendMessage`): what a state machine may call.
    public static let listOperations = APIOperation<EmptyOutput, ListOperationsOutput>(.control, "ListOperations")
    /// Every notification the notification logger recorded, structured (for the checker and the CLI).
    public static let listNotifications = APIOperation<EmptyOutput, ListNotificationsOutput>(
        .control, "ListNotifications")
}

public struct ListOperationsOutput: Codable, Sendable {
    public var operations: [String]
    public init(operations: [String]) { self.operations = operations }
}

public struct ListNotificationsOutput: Codable, Sendable {
    public var notifications: [NotificationRecord]
    public init(notifications: [NotificationRecord]) { self.notifications = notifications }
}

public struct PingOutput: Codable, Sendable {
    public var service: String
    public var pid: Int32
    public var endpoint: String
    /// The process's own time (epoch seconds): what a clock fault moves.
    public var clock: Double?
    /// `debug` or `release`: how the process was compiled (a benchmark refuses to report debug figures).
    public var build: String?
    public init(service: String, pid: Int32, endpoint: String, clock: Double? = nil, build: String? = nil) {
        self.service = service
        self.pid = pid
        self.endpoint = endpoint
        self.clock = clock
        self.build = build
    }
}

extension NotificationRecord {
    /// What the logger function logs for an SNS event and returns, as upstream's does: the whole event, as a
    /// string, under `body`.
    public static func logLine(event: JSONValue) -> JSONValue {
        ["statusCode": 200, "body": .string(event.serialized())]
    }

    /// The notifications a log line of the logger function records, read back from CloudWatch Logs.
    public static func parse(logLine: String, loggedAt milliseconds: Int) -> [NotificationRecord] {
        guard let line = try? JSONValue.parse(logLine), let body = line["body"]?.stringValue,
            let event = try? JSONValue.parse(body)
        else { return [] }
        return (event["Records"]?.arrayValue ?? []).compactMap { record in
            guard let sns = record["Sns"], let messageId = sns["MessageId"]?.stringValue,
                let message = sns["Message"]?.stringValue
            else { return nil }
            return NotificationRecord(
                messageId: messageId, topicArn: sns["TopicArn"]?.stringValue ?? "",
                subscriptionArn: record["EventSubscriptionArn"]?.stringValue ?? "",
                subject: sns["Subject"]?.stringValue, message: message,
                publishedAt: sns["Timestamp"]?.stringValue ?? "", loggedAt: Double(milliseconds) / 1000)
        }
    }
}
