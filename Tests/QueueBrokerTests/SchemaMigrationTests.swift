import Foundation
import Logging
import ServiceSupport
import Storage
import Testing
import Wire

@testable import QueueBroker

/// A data directory written before messages named their queue by id (schema v4) opens with the current broker and
/// its queues carry on: a waiting message is received, one in flight is deleted by the handle given before, a
/// message redriven from elsewhere still says where it came from, and sequence numbers go on past the old ones.
@Suite struct BrokerSchemaMigrationTests {
    @Test func messagesStoredByTheV4SchemaAreServedAfterTheMigration() async throws {
        let database = try DatabaseQueue()
        try BrokerSchema.migrator.migrate(database, upTo: "v4-idempotency-by-key")
        let jobs = "arn:aws:sqs:us-east-1:000000000000:jobs"
        let other = "arn:aws:sqs:us-east-1:000000000000:other"
        let clock = ManualWallClock()
        let now = clock.now()
        let handle = "AQEB" + Data(repeating: 6, count: 32).base64EncodedString()
        try await database.write { db in
            for (arn, name) in [(other, "other"), (jobs, "jobs")] {
                try db.execute(
                    sql: "INSERT INTO queues (arn, name, attributes, created, modified) VALUES (?, ?, '{}', 1, 1)",
                    arguments: [arn, name])
            }
            let insert = """
                INSERT INTO messages (seq, message_id, queue, body, md5, sent, visible_at, receive_count, receipt_handle,
                    moved_from) VALUES (?, ?, ?, ?, 'md5', ?, ?, ?, ?, ?)
                """
            try db.execute(sql: insert, arguments: [5, "waiting", jobs, "first", now, now, 0, nil, other])
            try db.execute(sql: insert, arguments: [6, "in-flight", jobs, "second", now, now + 600, 1, handle, nil])
            try db.execute(sql: insert, arguments: [7, "elsewhere", other, "third", now, now, 0, nil, nil])
            // A message sent and deleted before the migration: its number is not given out again.
            try db.execute(sql: "UPDATE sqlite_sequence SET seq = 9 WHERE name = 'messages'")
        }
        try BrokerSchema.migrator.migrate(database)

        let broker = Broker(database: database, clock: clock, logger: Logger(label: "test"))
        let url = "http://localhost:4566/000000000000/jobs"
        let received = try await broker.receiveMessage(
            ReceiveMessageInput(QueueUrl: url, MaxNumberOfMessages: 10, MessageSystemAttributeNames: ["All"])
        ).received
        #expect(received.map { $0.Body } == ["first"])
        #expect(received.first?.Attributes?["DeadLetterQueueSourceArn"] == other)
        try await broker.deleteMessage(DeleteMessageInput(QueueUrl: url, ReceiptHandle: handle))
        _ = try await broker.sendMessage(SendMessageInput(QueueUrl: url, MessageBody: "fourth"), idempotencyKey: nil)
        let rows = try await database.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT messages.seq, messages.body, queues.arn FROM messages
                    JOIN queues ON queues.id = messages.queue ORDER BY messages.seq
                    """
            ).map { "\($0["seq"] as Int) \($0["body"] as String) \($0["arn"] as String)" }
        }
        #expect(rows == ["5 first \(jobs)", "7 third \(other)", "10 fourth \(jobs)"])
    }
}
