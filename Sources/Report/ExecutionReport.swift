import Checking
import Foundation
import JSON
import Wire

/// What one execution did, read from its history and joined with the notification log.
public struct ExecutionReport: Codable, Sendable {
    public var executionArn: String
    public var status: String
    /// Names of the states entered, in order.
    public var path: [String]
    /// The MessageId SNS gave each publish task, from the task's result in the history.
    public var publishedMessageIds: [String]
    /// The text of each notification the logger recorded for those message ids.
    public var notifications: [String]

    /// Builds the report. The upstream message names no execution, so the join goes through the publish task's
    /// `MessageId` (research/seed-pattern.md §7.4).
    public init(executionArn: String, status: String, history: [JSONValue], log: [NotificationRecord]) {
        self.executionArn = executionArn
        self.status = status
        let facts = HistoryFacts(history)
        path = facts.statesEntered
        publishedMessageIds = facts.publishedMessageIds
        let ids = Set(publishedMessageIds)
        notifications = log.compactMap { record in
            guard ids.contains(record.messageId) else { return nil }
            return (try? JSONValue.parse(record.message))?["message"]?.stringValue ?? record.message
        }
    }
}
