import Storage
import Testing

@testable import QueueBroker

/// What a receive or a delete reads must not grow with the queue: with 100,000 messages waiting, sorting every
/// visible message by send order on every receive, and scanning them all for expired ones, made answering them take
/// 346 s; a delete by handle that walked the queue's index on `sent` took longer still. SQLite's own plans show it.
@Suite struct QueryPlanTests {
    static func plan(_ sql: String, _ arguments: StatementArguments) throws -> String {
        let database = try Broker.inMemoryDatabase()
        return try database.read { db in
            try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN " + sql, arguments: arguments).map {
                $0["detail"] as String
            }.joined(separator: "\n")
        }
    }

    @Test func aStandardQueueReadsItsCandidatesInIndexOrder() throws {
        let plan = try Self.plan(Broker.candidatesSQL(fifo: false), ["q", 0, 10])
        #expect(plan.contains("USING INDEX messages_ready"), "\(plan)")
        #expect(!plan.contains("TEMP B-TREE"), "\(plan)")
    }

    @Test func expiringLooksOnlyAtWhatIsPastRetention() throws {
        let plan = try Self.plan(Broker.expireSQL, ["q", 0])
        #expect(plan.contains("USING INDEX messages_by_sent (queue=? AND sent<?)"), "\(plan)")
    }

    /// A long poll's re-look reads both indexes, never the queue's rows one by one.
    @Test func aRelookSeeksBothIndexes() throws {
        let plan = try Self.plan(Broker.mayHaveMessagesSQL, ["q", 0, "q", 0])
        #expect(plan.contains("USING COVERING INDEX messages_ready (queue=? AND visible_at<?)"), "\(plan)")
        #expect(plan.contains("USING COVERING INDEX messages_by_sent (queue=? AND sent<?)"), "\(plan)")
    }

    @Test func deletesAndVisibilityChangesFindTheirMessageByItsHandle() throws {
        let statements: [(String, StatementArguments)] = [
            (Broker.deleteSQL, StatementArguments(["q", "h"])),
            (Broker.deleteInFlightSQL, StatementArguments(["q", "h", 0] as [any DatabaseValueConvertible])),
            (Broker.changeVisibilitySQL, StatementArguments([1, "q", "h", 0] as [any DatabaseValueConvertible])),
        ]
        for (sql, arguments) in statements {
            let plan = try Self.plan(sql, arguments)
            #expect(plan.contains("USING INDEX messages_by_handle (receipt_handle=?)"), "\(sql): \(plan)")
        }
    }

    /// An idempotency key is looked up in the one B-tree that holds its row (no table and index pair), and keys
    /// recorded before schema v4 still answer their repeats after the migration.
    @Test func idempotencyKeysLiveInTheirOwnBTree() throws {
        let plan = try Self.plan("SELECT reply FROM idempotency WHERE key = ?", ["k"])
        #expect(plan.contains("SEARCH idempotency USING PRIMARY KEY (key=?)"), "\(plan)")
        let database = try DatabaseQueue()
        try BrokerSchema.migrator.migrate(database, upTo: "v3-indexes-that-scale")
        try database.write { db in
            try db.execute(
                sql: "INSERT INTO idempotency (key, reply, created) VALUES ('arn#1', '{\"MessageId\":\"m\"}', 1)")
        }
        try BrokerSchema.migrator.migrate(database)
        let (reply, withoutRowid) = try database.read { db in
            (
                try String.fetchOne(db, sql: "SELECT reply FROM idempotency WHERE key = 'arn#1'"),
                try String.fetchOne(db, sql: "SELECT sql FROM sqlite_schema WHERE name = 'idempotency'") ?? ""
            )
        }
        #expect(reply == #"{"MessageId":"m"}"#)
        #expect(withoutRowid.contains("WITHOUT ROWID"))
    }
}
