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
    public static let logGroupName = CloudWatchLogs.notificationLogGroup

    let database: GroupCommitDatabase
    let clock: any WallClock
    let logFile: String?
    let logger: Logger

    let region: String
    let accountId: String
    /// The logging function's Timeout, as Lambda enforces it.
    let timeout: Double

    public convenience init(
        database: any DatabaseWriter, clock: any WallClock, logFile: String?, region: String = "us-east-1",
        accountId: String = "000000000000", timeout: Double = LambdaRuntime.defaultTimeout, logger: Logger
    ) {
        self.init(
            storage: GroupCommitDatabase(database), clock: clock, logFile: logFile, region: region,
            accountId: accountId, timeout: timeout, logger: logger)
    }

    /// A logger on `storage`: a simulation's, which commits when the simulation says.
    public init(
        storage: GroupCommitDatabase, clock: any WallClock, logFile: String?, region: String = "us-east-1",
        accountId: String = "000000000000", timeout: Double = LambdaRuntime.defaultTimeout, logger: Logger
    ) {
        self.timeout = timeout
        self.database = storage
        self.clock = clock
        self.logFile = logFile
        self.region = region
        self.accountId = accountId
        self.logger = logger
    }

    static var migrator: DatabaseMigrator {
        Store.migrator([
            "v1": """
            CREATE TABLE notifications (
                seq INTEGER PRIMARY KEY AUTOINCREMENT, message_id TEXT NOT NULL UNIQUE, topic_arn TEXT NOT NULL,
                subscription_arn TEXT NOT NULL, subject TEXT, message TEXT NOT NULL, published_at TEXT NOT NULL,
                logged_at REAL NOT NULL, log_line TEXT NOT NULL);
            """,
            "v2-log-group": """
            CREATE INDEX notifications_by_time ON notifications(logged_at);
            CREATE TABLE log_group (name TEXT PRIMARY KEY, created REAL NOT NULL);
            """,
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
        let logged = NotificationRecord.logLine(event: event)
        let line = logged.serialized()
        let now = clock.now()
        var fresh: [String] = []
        for record in records {
            guard let sns = record["Sns"], let messageId = sns["MessageId"]?.stringValue,
                let message = sns["Message"]?.stringValue
            else { continue }
            let inserted = try await database.write { db in
                try db.executeCached(
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
}

extension NotificationLogger {
    /// The logging function, CloudWatch Logs over what it logged, and the structured record of it.
    public var router: WireRouter {
        var router = WireRouter()
        router.on(Lambda.invoke) { input, _ in
            try await LambdaRuntime.invoke(timeout: self.timeout, on: self.clock) { try await self.invoke(input) }
        }
        router.on(CloudWatchLogs.filterLogEvents) { input, _ in try await self.filterLogEvents(input) }
        router.on(CloudWatchLogs.getLogEvents) { input, _ in try await self.getLogEvents(input) }
        router.on(CloudWatchLogs.describeLogGroups) { input, _ in try await self.describeLogGroups(input) }
        router.on(CloudWatchLogs.describeLogStreams) { input, _ in try await self.describeLogStreams(input) }
        router.on(Control.listNotifications) { _, _ in try await self.listNotifications() }
        return router
    }
}

/// The `notification-logger` process.
public enum NotificationLoggerService: ServiceDefinition {
    public static let processName = "notification-logger"

    public struct Options: ServiceOptions {
        public var dataDirectory: String
        public var endpoint: String
        public var region: String
        public var accountId: String
        public var clock: any WallClock
        /// The logging function's Timeout in seconds, as Lambda enforces it.
        public var timeout: Double
        /// Where each notification is also appended, one line each: `notifications.log` in the data directory.
        public var logFile: String?

        public init(
            dataDirectory: String, endpoint: String, region: String = "us-east-1", accountId: String = "000000000000",
            clock: any WallClock = AdjustableWallClock(), timeout: Double = LambdaRuntime.defaultTimeout
        ) {
            self.timeout = timeout
            self.clock = clock
            self.logFile = dataDirectory + "/notifications.log"
            self.dataDirectory = dataDirectory
            self.endpoint = endpoint
            self.region = region
            self.accountId = accountId
        }
    }

    /// The logging function and its log group, in `environment`.
    public static func parts(_ options: Options, in environment: ProcessEnvironment) async throws -> ServiceParts {
        let notificationLogger = NotificationLogger(
            storage: try environment.database("notification-logger.sqlite", NotificationLogger.migrator),
            clock: options.clock, logFile: options.logFile, region: options.region, accountId: options.accountId,
            timeout: options.timeout, logger: environment.logger)
        try await notificationLogger.createLogGroup()
        return ServiceParts(router: notificationLogger.router)
    }
}
