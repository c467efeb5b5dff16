import Foundation
import JSON
import Logging
import ServiceSupport
import Storage
import Wire
import ZeroMQ

/// The SNS-subscribed Lambda that logs each notification (upstream's `WorkflowResponseLogger`), with
/// CloudWatch Logs behind it: one record per SNS MessageId, however often SNS delivers it.
public final class NotificationLogger: Sendable {
    public static let logGroupName = "/aws/lambda/WorkflowResponseLogger"

    let database: any DatabaseWriter
    let clock: any WallClock
    let logFile: String?
    let logger: Logger

    public init(database: any DatabaseWriter, clock: any WallClock, logFile: String?, logger: Logger) {
        self.database = database
        self.clock = clock
        self.logFile = logFile
        self.logger = logger
    }

    static var migrator: DatabaseMigrator {
        Store.migrator([
            "v1": """
            CREATE TABLE notifications (
                seq INTEGER PRIMARY KEY AUTOINCREMENT, message_id TEXT NOT NULL UNIQUE, topic_arn TEXT NOT NULL,
                subscription_arn TEXT NOT NULL, subject TEXT, message TEXT NOT NULL, published_at TEXT NOT NULL,
                logged_at REAL NOT NULL, log_line TEXT NOT NULL);
            """
        ])
    }

    public static func openDatabase(path: String) throws -> DatabasePool {
        try Store.open(path: path, migrator: migrator)
    }

    /// Handles one `Invoke` carrying an SNS event.
    public func invoke(_ input: InvokeInput) async throws -> InvokeOutput {
        guard let event = input.Payload, let records = event["Records"]?.arrayValue, !records.isEmpty else {
            return InvokeOutput(
                Payload: ["errorType": "TypeError", "errorMessage": "The event has no Records"],
                FunctionError: "Unhandled")
        }
        // What upstream's function logs and returns: the whole event, as a string, under `body`.
        let logged: JSONValue = ["statusCode": 200, "body": .string(event.serialized())]
        let line = logged.serialized()
        let now = clock.now()
        var fresh: [String] = []
        for record in records {
            guard let sns = record["Sns"], let messageId = sns["MessageId"]?.stringValue,
                let message = sns["Message"]?.stringValue
            else { continue }
            let inserted = try await database.write { db in
                try db.execute(
                    sql: """
                        INSERT OR IGNORE INTO notifications (message_id, topic_arn, subscription_arn, subject, message,
                            published_at, logged_at, log_line) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                        """,
                    arguments: [
                        messageId, sns["TopicArn"]?.stringValue ?? "",
                        record["EventSubscriptionArn"]?.stringValue ?? "",
                        sns["Subject"]?.stringValue, message, sns["Timestamp"]?.stringValue ?? "", now, line,
                    ])
                return db.changesCount > 0
            }
            if inserted { fresh.append(messageId) } else { logger.info("duplicate delivery of \(messageId) ignored") }
        }
        if !fresh.isEmpty, let logFile {
            appendLine(line, to: logFile)
        }
        return InvokeOutput(Payload: logged)
    }

    private func appendLine(_ line: String, to path: String) {
        if !FileManager.default.fileExists(atPath: path) {
            _ = FileManager.default.createFile(atPath: path, contents: nil)
        }
        guard let handle = FileHandle(forWritingAtPath: path) else { return }
        defer { try? handle.close() }
        _ = try? handle.seekToEnd()
        try? handle.write(contentsOf: Data((line + "\n").utf8))
    }

    /// CloudWatch Logs' FilterLogEvents over the recorded notifications (`filterPattern` is a plain substring).
    public func filterLogEvents(_ input: FilterLogEventsInput) async throws -> FilterLogEventsOutput {
        if let group = input.logGroupName, group != Self.logGroupName {
            throw AWSError("ResourceNotFoundException", "The specified log group does not exist.")
        }
        let events = try await database.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM notifications ORDER BY seq").map { row -> Wire.LogEvent in
                let loggedAt: Double = row["logged_at"]
                let record = NotificationRecord(
                    messageId: row["message_id"], topicArn: row["topic_arn"], subscriptionArn: row["subscription_arn"],
                    subject: row["subject"], message: row["message"], publishedAt: row["published_at"],
                    loggedAt: loggedAt)
                return Wire.LogEvent(
                    logStreamName: "callbacksim/[$LATEST]notification-logger", timestamp: Int(loggedAt * 1000),
                    message: row["log_line"], ingestionTime: Int(loggedAt * 1000), eventId: row["message_id"],
                    notification: record)
            }
        }
        var filtered = events
        if let pattern = input.filterPattern, !pattern.isEmpty {
            let needle = pattern.trimmingCharacters(in: CharacterSet(charactersIn: "\""))
            filtered = filtered.filter {
                $0.notification?.message.contains(needle) ?? false || $0.message.contains(needle)
            }
        }
        if let limit = input.limit { filtered = Array(filtered.prefix(limit)) }
        return FilterLogEventsOutput(events: filtered)
    }
}

extension NotificationLogger {
    /// The logging function, and CloudWatch Logs over what it logged.
    public var router: WireRouter {
        var router = WireRouter()
        router.on(Lambda.invoke) { input, _ in try await self.invoke(input) }
        router.on(CloudWatchLogs.filterLogEvents) { input, _ in try await self.filterLogEvents(input) }
        return router
    }
}

/// The `notification-logger` process.
public enum NotificationLoggerService {
    public struct Options: Sendable {
        public var dataDirectory: String
        public var endpoint: String

        public init(dataDirectory: String, endpoint: String) {
            self.dataDirectory = dataDirectory
            self.endpoint = endpoint
        }
    }

    public static func run(_ options: Options) async throws {
        let logger = Logger(label: "notification-logger")
        let context = Context()
        let notificationLogger = NotificationLogger(
            database: try NotificationLogger.openDatabase(path: options.dataDirectory + "/notification-logger.sqlite"),
            clock: SystemWallClock(), logFile: options.dataDirectory + "/notifications.log", logger: logger)
        let server = try await WireServer.bind(context: context, endpoint: options.endpoint, logger: logger)
        logger.info("notification-logger serving on \(server.endpoint)")
        try await ServiceHost.run(
            [
                ServiceHost.api("notification-logger", server: server, router: notificationLogger.router)
            ], logger: logger)
    }
}
