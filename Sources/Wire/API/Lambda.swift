import JSON

// The Lambda Invoke API (payload carried as JSON rather than a blob) and the CloudWatch Logs query the
// notification logger answers.

public enum LambdaOperation {
    public static let invoke = "Invoke"
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
    public var ExecutedVersion: String
    public init(StatusCode: Int = 200, Payload: JSONValue?, FunctionError: String? = nil) {
        self.StatusCode = StatusCode
        self.Payload = Payload
        self.FunctionError = FunctionError
        self.ExecutedVersion = "$LATEST"
    }
}

public enum LogsOperation {
    public static let filterLogEvents = "FilterLogEvents"
}

public struct FilterLogEventsInput: Codable, Sendable {
    public var logGroupName: String?
    public var startTime: Int?
    public var endTime: Int?
    public var filterPattern: String?
    public var limit: Int?
    public init(logGroupName: String? = nil, filterPattern: String? = nil, limit: Int? = nil) {
        self.logGroupName = logGroupName
        self.filterPattern = filterPattern
        self.limit = limit
    }
}

/// A log event in CloudWatch Logs' shape; `notification` is callbacksim's structured copy of what was logged.
public struct LogEvent: Codable, Sendable {
    public var logStreamName: String
    public var timestamp: Int
    public var message: String
    public var ingestionTime: Int
    public var eventId: String
    public var notification: NotificationRecord?
    public init(
        logStreamName: String, timestamp: Int, message: String, ingestionTime: Int, eventId: String,
        notification: NotificationRecord?
    ) {
        self.logStreamName = logStreamName
        self.timestamp = timestamp
        self.message = message
        self.ingestionTime = ingestionTime
        self.eventId = eventId
        self.notification = notification
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

public struct FilterLogEventsOutput: Codable, Sendable {
    public var events: [LogEvent]
    public init(events: [LogEvent]) { self.events = events }
}

/// Every service answers `Ping`, so `callbacksim status` can tell a live process from a stale pid.
public enum HealthOperation {
    public static let ping = "Ping"
}

public struct PingOutput: Codable, Sendable {
    public var service: String
    public var pid: Int32
    public var endpoint: String
    public init(service: String, pid: Int32, endpoint: String) {
        self.service = service
        self.pid = pid
        self.endpoint = endpoint
    }
}

// Invoke carries free-form JSON whose key order shows up in histories and logs; Foundation's coder does not
// keep it, so these shapes go through JSONValue.
extension InvokeInput {
    public init(json bytes: [UInt8]) throws(AWSError) {
        let value = try WireCoding.decodeJSON(bytes)
        guard let name = value["FunctionName"]?.stringValue else {
            throw AWSError.validation(
                "1 validation error detected: Value null at 'FunctionName' failed to satisfy constraint: Member must not be null"
            )
        }
        self.init(FunctionName: name, Payload: value["Payload"], InvocationType: value["InvocationType"]?.stringValue)
    }

    public var jsonBytes: [UInt8] {
        var object = JSONObject()
        object["FunctionName"] = .string(FunctionName)
        if let Payload { object["Payload"] = Payload }
        if let InvocationType { object["InvocationType"] = .string(InvocationType) }
        return JSONValue.object(object).utf8Bytes
    }
}

extension InvokeOutput {
    public init(json bytes: [UInt8]) throws(AWSError) {
        let value = try WireCoding.decodeJSON(bytes)
        self.init(
            StatusCode: value["StatusCode"]?.integerValue ?? 200, Payload: value["Payload"],
            FunctionError: value["FunctionError"]?.stringValue)
    }

    public var jsonBytes: [UInt8] {
        var object = JSONObject()
        object["StatusCode"] = .int(StatusCode)
        object["Payload"] = Payload ?? .null
        if let FunctionError { object["FunctionError"] = .string(FunctionError) }
        object["ExecutedVersion"] = .string(ExecutedVersion)
        return JSONValue.object(object).utf8Bytes
    }
}
