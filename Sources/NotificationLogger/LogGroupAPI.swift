import Foundation
import JSON
import Storage
import Wire

/// CloudWatch Logs over the logger's own log group, as Lambda names it (`/aws/lambda/<function>`): one log
/// stream a day, `2026/11/29/[$LATEST]notification-logger`, as Lambda's streams are named by date.
extension NotificationLogger {
    static let streamSuffix = "[$LATEST]notification-logger"
    static let invalidToken = AWSError("InvalidParameterException", "The specified nextToken is invalid.")

    /// The group exists from deployment (as if the template declared it), so a reader that polls it before the
    /// first notification gets an empty page rather than ResourceNotFoundException.
    public func createLogGroup() async throws {
        let now = clock.now()
        try await database.write { db in
            try db.execute(
                sql: "INSERT OR IGNORE INTO log_group (name, created) VALUES (?, ?)",
                arguments: [Self.logGroupName, now])
        }
    }

    static func streamName(loggedAt: Double) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy/MM/dd"
        return formatter.string(from: Date(timeIntervalSince1970: loggedAt)) + "/" + streamSuffix
    }

    /// The UTC day a stream name covers, as [start, end) seconds.
    static func day(ofStream name: String) -> (start: Double, end: Double)? {
        guard name.hasSuffix("/" + streamSuffix) else { return nil }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy/MM/dd"
        guard let start = formatter.date(from: String(name.dropLast(streamSuffix.count + 1))) else { return nil }
        return (start.timeIntervalSince1970, start.timeIntervalSince1970 + 86_400)
    }

    var logGroupArn: String { "arn:aws:logs:\(region):\(accountId):log-group:\(Self.logGroupName)" }

    /// Accepts the group by name or ARN; any other group does not exist.
    func requireLogGroup(name: String?, identifier: String?) throws(AWSError) {
        let given = name ?? identifier.map { $0.hasPrefix("arn:") ? Self.groupName(fromArn: $0) : $0 }
        guard let given else {
            throw AWSError("InvalidParameterException", "Either logGroupName or logGroupIdentifier must be given.")
        }
        guard given == Self.logGroupName else {
            throw AWSError("ResourceNotFoundException", "The specified log group does not exist.")
        }
    }

    static func groupName(fromArn arn: String) -> String {
        let parts = arn.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count >= 7, parts[5] == "log-group" else { return arn }
        return String(parts[6])
    }

    static func limit(_ value: Int?, maximum: Int, default fallback: Int) throws(AWSError) -> Int {
        guard let value else { return fallback }
        guard (1...maximum).contains(value) else {
            throw AWSError(
                "InvalidParameterException",
                "1 validation error detected: Value '\(value)' at 'limit' failed to satisfy constraint: Member must have value between 1 and \(maximum)"
            )
        }
        return value
    }

    struct Row {
        var seq: Int64
        var loggedAt: Double
        var line: String
        var messageId: String

        init(_ row: GRDB.Row) {
            seq = row["seq"]
            loggedAt = row["logged_at"]
            line = row["log_line"]
            messageId = row["message_id"]
        }

        var milliseconds: Int { Int((loggedAt * 1000).rounded(.down)) }
    }

    // MARK: FilterLogEvents

    public func filterLogEvents(_ input: FilterLogEventsInput) async throws -> FilterLogEventsOutput {
        try requireLogGroup(name: input.logGroupName, identifier: input.logGroupIdentifier)
        let pattern = try LogFilterPattern(input.filterPattern ?? "")
        let limit = try Self.limit(input.limit, maximum: 10_000, default: 10_000)
        let after: Int64 =
            try input.nextToken.map { token throws(AWSError) -> Int64 in
                guard let seq = Int64(try PageToken.decode(token, invalid: Self.invalidToken)) else {
                    throw Self.invalidToken
                }
                return seq
            } ?? 0
        let start = input.startTime.map { Double($0) / 1000 } ?? 0
        let end = input.endTime.map { Double($0) / 1000 } ?? .greatestFiniteMagnitude
        let streams = input.logStreamNames.map(Set.init)
        let prefix = input.logStreamNamePrefix
        var events: [FilteredLogEvent] = []
        var searched: [String] = []
        var cursor = after
        var more = true
        // Read in batches, so a selective pattern over a long log neither reads it all at once nor misses a page.
        while events.count < limit && more {
            let rows = try await database.read { [cursor] db in
                try GRDB.Row.fetchAll(
                    db,
                    sql: """
                        SELECT seq, logged_at, log_line, message_id FROM notifications
                        WHERE seq > ? AND logged_at >= ? AND logged_at <= ? ORDER BY seq LIMIT 1000
                        """,
                    arguments: [cursor, start, end]
                ).map(Row.init)
            }
            more = rows.count == 1000
            for row in rows {
                cursor = row.seq
                let stream = Self.streamName(loggedAt: row.loggedAt)
                if let streams, !streams.contains(stream) { continue }
                if let prefix, !stream.hasPrefix(prefix) { continue }
                if searched.last != stream, !searched.contains(stream) { searched.append(stream) }
                guard pattern.matches(row.line) else { continue }
                events.append(
                    FilteredLogEvent(
                        logStreamName: stream, timestamp: row.milliseconds, message: row.line,
                        ingestionTime: row.milliseconds, eventId: String(row.seq)))
                if events.count == limit {
                    more = more || row.seq != rows.last?.seq
                    break
                }
            }
        }
        let next = more ? PageToken.encode(String(cursor)) : nil
        return FilterLogEventsOutput(
            events: events,
            searchedLogStreams: searched.map { SearchedLogStream(logStreamName: $0, searchedCompletely: next == nil) },
            nextToken: next)
    }

    // MARK: GetLogEvents

    /// One stream's events. Without a token it reads the newest page (or, with `startFromHead`, the oldest);
    /// `f/…` tokens read forward and `b/…` backward, and at either end the same token comes back, as on AWS.
    public func getLogEvents(_ input: GetLogEventsInput) async throws -> GetLogEventsOutput {
        try requireLogGroup(name: input.logGroupName, identifier: input.logGroupIdentifier)
        guard let day = Self.day(ofStream: input.logStreamName) else {
            throw AWSError("ResourceNotFoundException", "The specified log stream does not exist.")
        }
        let limit = try Self.limit(input.limit, maximum: 10_000, default: 10_000)
        let start = max(day.start, input.startTime.map { Double($0) / 1000 } ?? 0)
        let end = min(day.end, input.endTime.map { Double($0) / 1000 + 0.001 } ?? .greatestFiniteMagnitude)
        enum Direction { case forward(after: Int64), backward(before: Int64) }
        let direction: Direction
        if let token = input.nextToken {
            let parts = token.split(separator: "/", maxSplits: 1)
            guard parts.count == 2, let seq = Int64(parts[1]) else { throw Self.invalidToken }
            switch parts[0] {
            case "f": direction = .forward(after: seq)
            case "b": direction = .backward(before: seq)
            default: throw Self.invalidToken
            }
        } else {
            direction = input.startFromHead == true ? .forward(after: 0) : .backward(before: .max)
        }
        let rows: [Row] = try await database.read { db in
            switch direction {
            case .forward(let after):
                return try GRDB.Row.fetchAll(
                    db,
                    sql: """
                        SELECT seq, logged_at, log_line, message_id FROM notifications
                        WHERE seq > ? AND logged_at >= ? AND logged_at < ? ORDER BY seq LIMIT ?
                        """,
                    arguments: [after, start, end, limit]
                ).map(Row.init)
            case .backward(let before):
                return try GRDB.Row.fetchAll(
                    db,
                    sql: """
                        SELECT seq, logged_at, log_line, message_id FROM notifications
                        WHERE seq < ? AND logged_at >= ? AND logged_at < ? ORDER BY seq DESC LIMIT ?
                        """,
                    arguments: [before, start, end, limit]
                ).map(Row.init).reversed()
            }
        }
        let forwardFrom: Int64
        let backwardFrom: Int64
        switch direction {
        case .forward(let after):
            forwardFrom = rows.last?.seq ?? after
            backwardFrom = rows.first?.seq ?? after + 1
        case .backward(let before):
            forwardFrom = rows.last?.seq ?? (before == .max ? 0 : before - 1)
            backwardFrom = rows.first?.seq ?? before
        }
        return GetLogEventsOutput(
            events: rows.map {
                OutputLogEvent(timestamp: $0.milliseconds, message: $0.line, ingestionTime: $0.milliseconds)
            },
            nextForwardToken: "f/\(forwardFrom)", nextBackwardToken: "b/\(backwardFrom)")
    }

    // MARK: DescribeLogGroups and DescribeLogStreams

    public func describeLogGroups(_ input: DescribeLogGroupsInput) async throws -> DescribeLogGroupsOutput {
        let limit = try Self.limit(input.limit, maximum: 50, default: 50)
        let (created, bytes) = try await database.read { db in
            (
                try Double.fetchOne(
                    db, sql: "SELECT created FROM log_group WHERE name = ?", arguments: [Self.logGroupName]),
                try Int.fetchOne(db, sql: "SELECT COALESCE(SUM(LENGTH(log_line)), 0) FROM notifications") ?? 0
            )
        }
        var groups: [LogGroup] = []
        let name = Self.logGroupName
        if let created, input.logGroupNamePrefix.map(name.hasPrefix) ?? true,
            input.logGroupNamePattern.map({ $0.isEmpty || name.contains($0) }) ?? true
        {
            groups.append(
                LogGroup(
                    logGroupName: name, creationTime: Int(created * 1000), metricFilterCount: 0,
                    arn: logGroupArn + ":*",
                    storedBytes: bytes, logGroupClass: "STANDARD", logGroupArn: logGroupArn))
        }
        let page = try PageToken.page(
            groups, after: input.nextToken, limit: limit, key: \.logGroupName, invalid: Self.invalidToken)
        return DescribeLogGroupsOutput(logGroups: page.items, nextToken: page.nextToken)
    }

    public func describeLogStreams(_ input: DescribeLogStreamsInput) async throws -> DescribeLogStreamsOutput {
        try requireLogGroup(name: input.logGroupName, identifier: input.logGroupIdentifier)
        let limit = try Self.limit(input.limit, maximum: 50, default: 50)
        let orderBy = input.orderBy ?? "LogStreamName"
        guard ["LogStreamName", "LastEventTime"].contains(orderBy) else {
            throw AWSError(
                "InvalidParameterException",
                "1 validation error detected: Value '\(orderBy)' at 'orderBy' failed to satisfy constraint: Member must satisfy enum value set: [LogStreamName, LastEventTime]"
            )
        }
        if orderBy == "LastEventTime", input.logStreamNamePrefix != nil {
            throw AWSError(
                "InvalidParameterException", "Cannot order by LastEventTime with a logStreamNamePrefix.")
        }
        // One stream per day; GRDB rows are not Sendable, so the days leave the read as plain pairs.
        let days: [(first: Double, last: Double)] = try await database.read { db in
            try GRDB.Row.fetchAll(
                db,
                sql:
                    "SELECT MIN(logged_at) AS first, MAX(logged_at) AS last, CAST(logged_at / 86400 AS INTEGER) AS day FROM notifications GROUP BY day ORDER BY day"
            ).map { (first: $0["first"], last: $0["last"]) }
        }
        var streams = days.map { day -> LogStream in
            let name = Self.streamName(loggedAt: day.first)
            return LogStream(
                logStreamName: name, creationTime: Int(day.first * 1000), firstEventTimestamp: Int(day.first * 1000),
                lastEventTimestamp: Int(day.last * 1000), lastIngestionTime: Int(day.last * 1000),
                arn: "\(logGroupArn):log-stream:\(name)", storedBytes: 0)
        }
        if let prefix = input.logStreamNamePrefix { streams = streams.filter { $0.logStreamName.hasPrefix(prefix) } }
        // Stream names sort by day, so both orders are the same order here.
        if input.descending == true { streams.reverse() }
        let key: (LogStream) -> String =
            input.descending == true
            ? { String(format: "%020ld", Int.max - $0.firstEventTimestamp) } : { $0.logStreamName }
        let page = try PageToken.page(
            streams, after: input.nextToken, limit: limit, key: key, invalid: Self.invalidToken)
        return DescribeLogStreamsOutput(logStreams: page.items, nextToken: page.nextToken)
    }

    // MARK: The structured record

    public func listNotifications() async throws -> ListNotificationsOutput {
        let records = try await database.read { db in
            try GRDB.Row.fetchAll(db, sql: "SELECT * FROM notifications ORDER BY seq").map { row in
                NotificationRecord(
                    messageId: row["message_id"], topicArn: row["topic_arn"], subscriptionArn: row["subscription_arn"],
                    subject: row["subject"], message: row["message"], publishedAt: row["published_at"],
                    loggedAt: row["logged_at"])
            }
        }
        return ListNotificationsOutput(notifications: records)
    }
}
