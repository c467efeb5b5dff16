import Foundation
import Storage
import Synchronization
import Testing

@Suite struct GroupCommitTests {
    static let migrator = Store.migrator([
        "items": "CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE)"
    ])

    /// A database file of its own (a pool: readers see only what is committed).
    static func openPool() throws -> (DatabasePool, String) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("group-commit-\(UUID())").path
        return (try Store.open(path: directory + "/test.sqlite", migrator: migrator), directory)
    }

    /// Holds the writer inside a write until `release` is called, so the writes made meanwhile wait together.
    final class Gate: Sendable {
        private let entered = DispatchSemaphore(value: 0)
        private let released = DispatchSemaphore(value: 0)
        func hold() {
            entered.signal()
            released.wait()
        }
        func waitUntilHeld() { entered.wait() }
        func release() { released.signal() }
    }

    /// A first write that holds the writer until its gate is released: what is written meanwhile waits together.
    static func holdTheWriter(_ database: GroupCommitDatabase) async -> (Gate, Task<Void, any Error>) {
        let gate = Gate()
        let first = Task { try await database.write { db in gate.hold() } }
        await Task.detached { gate.waitUntilHeld() }.value
        return (gate, first)
    }

    static func waitUntil(_ condition: () -> Bool) async throws {
        for _ in 0..<2_000 where !condition() { try await Task.sleep(for: .milliseconds(5)) }
        #expect(condition())
    }

    @Test func writesThatArriveTogetherShareOneCommitAndAreAnsweredOnlyOnceCommitted() async throws {
        let (pool, directory) = try Self.openPool()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let database = GroupCommitDatabase(pool)
        let (gate, first) = await Self.holdTheWriter(database)
        let writes = (0..<50).map { index in
            Task {
                try await database.write { db in
                    try db.execute(sql: "INSERT INTO items (name) VALUES (?)", arguments: ["item \(index)"])
                    return index
                }
            }
        }
        try await Self.waitUntil { database.waitingWrites == 50 }
        // Nothing is committed while the group waits.
        #expect(try await pool.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM items") } == 0)
        gate.release()
        try await first.value
        for (index, write) in writes.enumerated() {
            #expect(try await write.value == index)
        }
        // Every write answered is committed: another connection sees it.
        #expect(try await pool.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM items") } == 50)
        let statistics = database.groupStatistics
        #expect(statistics.writes == 51)
        #expect(statistics.groups == 2)
    }

    @Test func aWriteThatThrowsRollsBackOnlyItsOwnChanges() async throws {
        let (pool, directory) = try Self.openPool()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let database = GroupCommitDatabase(pool)
        let (gate, first) = await Self.holdTheWriter(database)
        struct Refused: Error {}
        let before = Task {
            try await database.write { db in try db.execute(sql: "INSERT INTO items (name) VALUES ('before')") }
        }
        try await Self.waitUntil { database.waitingWrites == 1 }
        let failing = Task {
            try await database.write { db in
                try db.execute(sql: "INSERT INTO items (name) VALUES ('half done')")
                throw Refused()
            }
        }
        try await Self.waitUntil { database.waitingWrites == 2 }
        let duplicate = Task {
            try await database.write { db in try db.execute(sql: "INSERT INTO items (name) VALUES ('before')") }
        }
        try await Self.waitUntil { database.waitingWrites == 3 }
        let after = Task {
            try await database.write { db in try db.execute(sql: "INSERT INTO items (name) VALUES ('after')") }
        }
        try await Self.waitUntil { database.waitingWrites == 4 }
        gate.release()
        try await first.value
        try await before.value
        await #expect(throws: Refused.self) { try await failing.value }
        await #expect(throws: DatabaseError.self) { try await duplicate.value }
        try await after.value
        let names = try await pool.read { try String.fetchAll($0, sql: "SELECT name FROM items ORDER BY id") }
        #expect(names == ["before", "after"])
        #expect(database.groupStatistics.groups == 2)
    }

    /// A write alone in its group runs without a savepoint of its own; when it throws, its group's transaction
    /// is rolled back instead, so what it did before throwing is gone just the same, and the writer goes on.
    @Test(arguments: [true, false])
    func aLoneWriteThatThrowsLeavesNothingBehind(inPlace: Bool) async throws {
        let (pool, directory) = try Self.openPool()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let database = GroupCommitDatabase(pool, commitsQuietWritesInPlace: inPlace)
        struct Refused: Error {}
        await #expect(throws: Refused.self) {
            try await database.write { db in
                try db.execute(sql: "INSERT INTO items (name) VALUES ('half done')")
                throw Refused()
            }
        }
        await #expect(throws: DatabaseError.self) {
            try await database.write { db in
                try db.execute(sql: "INSERT INTO items (name) VALUES ('twice')")
                try db.execute(sql: "INSERT INTO items (name) VALUES ('twice')")
            }
        }
        try await database.write { db in try db.execute(sql: "INSERT INTO items (name) VALUES ('after')") }
        let names = try await pool.read { try String.fetchAll($0, sql: "SELECT name FROM items ORDER BY id") }
        #expect(names == ["after"])
        #expect(database.groupStatistics == (groups: 3, writes: 3))
        #expect(try await pool.writeWithoutTransaction { db in db.isInsideTransaction } == false)
    }

    /// A slow-disk fault holds each commit back by its delay, and only while it is set; nothing is lost.
    @Test func aCommitDelayHoldsEachCommitBackWhileItIsSet() async throws {
        let delay = CommitDelay()
        let database = GroupCommitDatabase(try Store.inMemory(migrator: Self.migrator), commitDelay: delay)
        delay.seconds = 0.3
        let started = ContinuousClock.now
        try await database.write { db in try db.execute(sql: "INSERT INTO items (name) VALUES ('slow')") }
        // A lower bound only: a loaded machine makes it later, never sooner.
        #expect(ContinuousClock.now - started >= .milliseconds(300))
        delay.seconds = 0
        #expect(delay.seconds == 0)
        try await database.write { db in try db.execute(sql: "INSERT INTO items (name) VALUES ('fast')") }
        let count = try await database.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM items") }
        #expect(count == 2)
    }

    /// A service's database commits a write that finds the writer idle on the caller's own thread (no hand-off
    /// to the writer's queue and back); by default, and for the writes that queue behind a group, the writer's
    /// queue commits them. Both are committed when answered.
    @Test(arguments: [true, false])
    func aQuietWriteIsCommittedOnItsCallersThreadOnlyWhenAsked(inPlace: Bool) async throws {
        let (pool, directory) = try Self.openPool()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let database = GroupCommitDatabase(pool, commitsQuietWritesInPlace: inPlace)
        for index in 0..<5 {
            let caller = pthread_self()
            let committer = try await database.write { db in
                try db.execute(sql: "INSERT INTO items (name) VALUES (?)", arguments: ["\(index)"])
                return pthread_self()
            }
            #expect((pthread_equal(caller, committer) != 0) == inPlace)
        }
        #expect(try await pool.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM items") } == 5)
        // Writes that arrive while a group is committing are still committed together, by the writer's queue.
        let (gate, first) = await Self.holdTheWriter(database)
        let writes = (0..<10).map { index in
            Task {
                try await database.write { db in
                    try db.execute(sql: "INSERT INTO items (name) VALUES (?)", arguments: ["late \(index)"])
                }
            }
        }
        try await Self.waitUntil { database.waitingWrites == 10 }
        gate.release()
        try await first.value
        for write in writes { try await write.value }
        #expect(try await pool.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM items") } == 15)
        #expect(database.groupStatistics.groups == 7)
    }

    @Test func oneCallersWritesKeepTheirOrderAndSeeEachOther() async throws {
        let database = GroupCommitDatabase(try Store.inMemory(migrator: Self.migrator))
        for index in 0..<20 {
            let count = try await database.write { db in
                try db.execute(sql: "INSERT INTO items (name) VALUES (?)", arguments: ["\(index)"])
                return try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM items") ?? 0
            }
            #expect(count == index + 1)
        }
    }
}

extension GroupCommitTests {
    @Test func afterCommitActionsRunOnceCommittedAndNotForARolledBackWrite() async throws {
        let (pool, directory) = try Self.openPool()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let database = GroupCommitDatabase(pool)
        let seen = Mutex<[String: Int]>([:])
        struct Refused: Error {}
        try await database.write { db in
            try db.execute(sql: "INSERT INTO items (name) VALUES ('kept')")
            database.afterCommit {
                // Another connection already sees the write.
                let count = try? pool.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM items") }
                seen.withLock { $0["kept"] = count ?? -1 }
            }
        }
        #expect(seen.withLock { $0 } == ["kept": 1])
        await #expect(throws: Refused.self) {
            try await database.write { db in
                database.afterCommit { seen.withLock { $0["refused"] = 1 } }
                throw Refused()
            }
        }
        try await database.write { db in
            try db.execute(sql: "INSERT INTO items (name) VALUES ('second')")
        }
        #expect(seen.withLock { $0 } == ["kept": 1])
        database.afterCommit { seen.withLock { $0["outside a write"] = 1 } }
        #expect(seen.withLock { $0["outside a write"] } == 1)
    }

    /// A savepoint inside a write that rolls back takes its own changes and after-commit actions with it; what the
    /// write did before and after it is committed and acted on.
    @Test func aSavepointThatRollsBackTakesItsAfterCommitActionsWithIt() async throws {
        let database = GroupCommitDatabase(try Store.inMemory(migrator: Self.migrator))
        let seen = Mutex<[String]>([])
        struct Refused: Error {}
        try await database.write { db in
            for name in ["first", "refused", "last"] {
                try? database.inSavepoint(db) {
                    try db.execute(sql: "INSERT INTO items (name) VALUES (?)", arguments: [name])
                    database.afterCommit { seen.withLock { $0.append(name) } }
                    if name == "refused" { throw Refused() }
                }
            }
        }
        #expect(seen.withLock { $0 } == ["first", "last"])
        let names = try await database.read { try String.fetchAll($0, sql: "SELECT name FROM items ORDER BY id") }
        #expect(names == ["first", "last"])
    }
}

/// The inline driver a simulation uses: groups are committed when the simulation runs what it was handed, and a
/// crash before then loses exactly the writes not yet committed.
@Suite struct SimulatedStorageTests {
    /// Commits handed over, run only when the test says.
    final class Fsyncs: Sendable {
        private let waiting = Mutex<[@Sendable () -> Void]>([])
        var count: Int { waiting.withLock { $0.count } }
        func later(_ commit: @escaping @Sendable () -> Void) { waiting.withLock { $0.append(commit) } }
        func complete() {
            let commits = waiting.withLock { waiting in
                defer { waiting.removeAll() }
                return waiting
            }
            for commit in commits { commit() }
        }
    }

    static func insert(_ database: GroupCommitDatabase, _ name: String) -> Task<Void, any Error> {
        Task {
            try await database.write { db in
                try db.execute(sql: "INSERT INTO items (name) VALUES (?)", arguments: [name])
            }
        }
    }

    static func names(_ writer: any DatabaseWriter) throws -> [String] {
        try writer.read { try String.fetchAll($0, sql: "SELECT name FROM items ORDER BY id") }
    }

    @Test func aWriteIsAnsweredOnlyOnceItsGroupIsCommittedAndACrashLosesOnlyWhatWasNot() async throws {
        let writer = try Store.inMemory(migrator: GroupCommitTests.migrator)
        let fsyncs = Fsyncs()
        let database = GroupCommitDatabase(writer, driver: .inline(commitLater: fsyncs.later))
        let first = Self.insert(database, "committed")
        try await GroupCommitTests.waitUntil { fsyncs.count == 1 }
        #expect(try Self.names(writer).isEmpty)
        fsyncs.complete()
        try await first.value
        #expect(try Self.names(writer) == ["committed"])

        let second = Self.insert(database, "lost")
        try await GroupCommitTests.waitUntil { fsyncs.count == 1 && database.waitingWrites == 1 }
        database.crash()
        fsyncs.complete()  // the fsync "ends" after the crash: too late
        await #expect(throws: DatabaseCrashed.self) { try await second.value }
        await #expect(throws: DatabaseCrashed.self) { try await Self.insert(database, "after").value }
        await #expect(throws: DatabaseCrashed.self) { try await database.read { _ in 1 } }

        // The restarted process opens the same database: what was committed, and nothing else.
        let restarted = GroupCommitDatabase(writer, driver: .inline(commitLater: fsyncs.later))
        #expect(try await restarted.read { try String.fetchAll($0, sql: "SELECT name FROM items") } == ["committed"])
    }
}
