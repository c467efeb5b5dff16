import Foundation
import GRDB
import Synchronization

/// A service's database: reads from the pool, writes committed in groups.
///
/// Each write runs in a savepoint of a transaction shared with every other write that arrived while the previous
/// group was committing, and its caller is answered only after that transaction is committed: one commit (and one
/// fsync) for the whole group, and no caller hears "done" about something not yet on disk. A write that throws
/// rolls back its own savepoint only; the others in its group are unaffected (a write alone in its group needs no
/// savepoint: its group is rolled back instead). Under no load a group is one write,
/// so latency stays that of a single commit; under load the groups grow and the fsyncs per write fall.
public final class GroupCommitDatabase: Sendable {
    /// How reads and group commits reach the database.
    public enum Driver: Sendable {
        /// On GRDB's own dispatch queues: a process.
        case grdb
        /// On the caller's thread, each group committed when `commitLater` runs what it is given: a simulation,
        /// where nothing may run on a thread of its own, and which decides when the "fsync" ends (and so whether a
        /// crash comes first).
        case inline(commitLater: @Sendable (@escaping @Sendable () -> Void) -> Void)
    }

    /// The database underneath: a `DatabasePool` in the services, a `DatabaseQueue` in unit tests and simulations.
    public let writer: any DatabaseWriter
    private let driver: Driver
    private let queue = Mutex(Queue())
    /// Set on the writer's queue while a group's writes run: what they asked to do once committed.
    private let group = Mutex(Group())

    private struct Queue {
        var pending: [Job] = []
        /// Whether a group is being committed (or about to be) on the writer's dispatch queue.
        var committing = false
        /// Groups committed and writes in them, for the benchmark's report and the tests.
        var groups = 0
        var writes = 0
        /// The process "crashed" (a simulation): nothing more is read, written or committed.
        var crashed = false
    }

    private struct Group {
        var running = false
        var afterCommit: [@Sendable () -> Void] = []
    }

    /// A caller's write: run it inside the group's transaction (saying whether it succeeded), then answer its
    /// caller once the group's fate is known (committed, or the commit's error).
    private struct Job: Sendable {
        /// Runs the write; `alone` says it is its group's only write, which then needs no savepoint of its own.
        let perform:
            @Sendable (_ db: Database, _ alone: Bool) -> (succeeded: Bool, answer: @Sendable ((any Error)?) -> Void)
        let fail: @Sendable (any Error) -> Void
    }

    /// A process's slow-disk fault; on the `.inline` driver the simulation applies it in `commitLater`.
    private let commitDelay: CommitDelay?

    /// Whether a write that finds the writer idle commits its group on its own thread (see `startGroup`): a
    /// service process's choice. Off by default: a write that holds the writer (a test's gate) then blocks a
    /// thread of Swift's cooperative pool, two on this machine, until it lets go.
    private let commitsQuietWritesInPlace: Bool

    public init(
        _ writer: any DatabaseWriter, driver: Driver = .grdb, commitDelay: CommitDelay? = nil,
        commitsQuietWritesInPlace: Bool = false
    ) {
        self.writer = writer
        self.driver = driver
        self.commitDelay = commitDelay
        self.commitsQuietWritesInPlace = commitsQuietWritesInPlace
    }

    public func read<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        if queue.withLock({ $0.crashed }) { throw DatabaseCrashed() }
        switch driver {
        case .grdb: return try await writer.read(body)
        case .inline: return try readHere(body)
        }
    }

    /// A synchronous read on the caller's thread (in an async function, `writer.read` means GRDB's async one).
    /// A simulation's database is a `DatabaseQueue` only it uses, on one thread: read it directly, without the
    /// read-only guard `read` puts around each read (two PRAGMAs), which cost a simulation 7% of its time.
    private func readHere<T>(_ body: (Database) throws -> T) throws -> T {
        if let queue = writer as? DatabaseQueue { return try queue.inDatabase(body) }
        return try writer.read(body)
    }

    /// A simulated crash of the process: the writes waiting for a commit are lost (their callers get
    /// `DatabaseCrashed`, as a killed process's callers get nothing), and every later read and write is refused.
    /// What was committed stays in `writer`, for the restarted process's own `GroupCommitDatabase`.
    public func crash() {
        let lost = queue.withLock { queue in
            queue.crashed = true
            defer { queue.pending.removeAll() }
            return queue.pending
        }
        for job in lost { job.fail(DatabaseCrashed()) }
    }

    /// Runs `body` in the next group's transaction and returns once that transaction is committed.
    public func write<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            let job = Job(
                perform: { db, alone in
                    let result = Result(catching: { () throws -> T in
                        alone ? try body(db) : try Self.inSavepoint(.write, db) { try body(db) }
                    })
                    let succeeded = if case .success = result { true } else { false }
                    return (
                        succeeded,
                        { commitError in
                            if let commitError, succeeded {
                                continuation.resume(throwing: commitError)
                            } else {
                                continuation.resume(with: result)
                            }
                        }
                    )
                },
                fail: { continuation.resume(throwing: $0) })
            let start = queue.withLock { queue -> Bool? in
                if queue.crashed { return nil }
                queue.pending.append(job)
                defer { queue.committing = true }
                return !queue.committing
            }
            switch start {
            case nil: job.fail(DatabaseCrashed())
            case true?: startGroup()
            case false?: break
            }
        }
    }

    /// From inside a write: runs `action` once that write is committed (on the writer's queue, before its caller
    /// is answered), and never if the write is rolled back. For telling waiters that what they wait for can now
    /// be read. Outside a write it runs at once.
    public func afterCommit(_ action: @escaping @Sendable () -> Void) {
        let deferred = group.withLock { group in
            guard group.running else { return false }
            group.afterCommit.append(action)
            return true
        }
        if !deferred { action() }
    }

    /// From inside a write: runs `body` in a savepoint of its own, which rolls back alone if `body` throws — and
    /// takes with it the after-commit actions `body` asked for, so nothing is told about (or started for) what
    /// was undone. For a write that keeps going past one item's failure.
    public func inSavepoint(_ db: Database, _ body: () throws -> Void) throws {
        let mark = group.withLock { $0.afterCommit.count }
        do {
            try Self.inSavepoint(.item, db, body)
        } catch {
            group.withLock { group in
                if group.afterCommit.count > mark { group.afterCommit.removeSubrange(mark...) }
            }
            throw error
        }
    }

    /// How many groups were committed and how many writes they held, since the process started.
    public var groupStatistics: (groups: Int, writes: Int) {
        queue.withLock { ($0.groups, $0.writes) }
    }

    /// Writes waiting for the next group.
    public var waitingWrites: Int {
        queue.withLock { $0.pending.count }
    }

    /// The first group after a quiet spell is committed right here, on the caller's thread, rather than handed
    /// to the writer's queue and its answer handed back: under no load that is two thread wake-ups less for every
    /// write. A group that follows it (writes that arrived meanwhile) goes to the writer's queue, so a caller's
    /// thread commits at most its own group, never a stream of others'.
    private func startGroup() {
        guard case .grdb = driver, commitsQuietWritesInPlace else { return scheduleGroup() }
        if let delay = commitDelay?.seconds, delay > 0 { return scheduleGroup() }
        writer.writeWithoutTransaction { db in self.commitGroup(db) }
    }

    private func scheduleGroup() {
        switch driver {
        case .grdb:
            writer.asyncWriteWithoutTransaction { db in
                // The fault holds the writer, as a slow fsync would: the next group waits behind this one.
                if let delay = self.commitDelay?.seconds, delay > 0 { usleep(UInt32(min(delay, 60) * 1_000_000)) }
                self.commitGroup(db)
            }
        case .inline(let commitLater):
            commitLater { self.writer.writeWithoutTransaction { db in self.commitGroup(db) } }
        }
    }

    /// Commits every write waiting now as one transaction, then schedules the next group behind whatever else
    /// waits for the writer (a group at a time, so writes made directly on the writer are not starved).
    private func commitGroup(_ db: Database) {
        let jobs = queue.withLock { queue in
            // After a crash the queue is empty: its writes were failed, not committed.
            defer { queue.pending.removeAll(keepingCapacity: true) }
            return queue.pending
        }
        var answers: [@Sendable ((any Error)?) -> Void] = []
        answers.reserveCapacity(jobs.count)
        var actions: [@Sendable () -> Void] = []
        var commitError: (any Error)?
        group.withLock { $0.running = true }
        do {
            try db.executeCached(sql: "BEGIN IMMEDIATE TRANSACTION")
            do {
                // A lone write runs without a savepoint: if it fails, the whole transaction is rolled back instead.
                let alone = jobs.count == 1
                var rollsBack = false
                for job in jobs {
                    let (succeeded, answer) = job.perform(db, alone)
                    answers.append(answer)
                    let requested = group.withLock { group in
                        defer { group.afterCommit.removeAll(keepingCapacity: true) }
                        return group.afterCommit
                    }
                    if succeeded { actions += requested } else if alone { rollsBack = true }
                    // Some SQLite errors (disk full, I/O) roll the whole transaction back, not just the savepoint.
                    guard rollsBack || db.isInsideTransaction else { throw TransactionRolledBack() }
                }
                if rollsBack {
                    Self.rollBack(db)
                } else {
                    try db.executeCached(sql: "COMMIT TRANSACTION")
                }
            } catch {
                Self.rollBack(db)
                throw error
            }
        } catch {
            commitError = error
        }
        group.withLock { $0.running = false }
        if commitError == nil {
            for action in actions { action() }
        }
        // Counted before anyone is answered, so a caller that heard back sees its write counted.
        queue.withLock { queue in
            queue.groups += 1
            queue.writes += answers.count
        }
        for answer in answers { answer(commitError) }
        let unperformed = jobs[answers.count...]
        if let commitError {
            for job in unperformed { job.fail(commitError) }
        }
        let more = queue.withLock { queue in
            queue.committing = !queue.pending.isEmpty
            return queue.committing
        }
        if more { scheduleGroup() }
    }
}

extension GroupCommitDatabase {
    // A group's transaction and savepoints run statements compiled once per connection (GRDB's `inTransaction`
    // and `inSavepoint` compile theirs on every call: four compilations a write, each costing more than the
    // statement itself). The savepoints' names are not GRDB's, so a write may still use GRDB's `inSavepoint`.

    /// A savepoint's statements: one name for a group's writes, one for what a write nests in its own.
    fileprivate enum Savepoint {
        case write, item

        var statements: (begin: String, release: String, rollBack: String) {
            switch self {
            case .write:
                (
                    "SAVEPOINT group_write", "RELEASE SAVEPOINT group_write",
                    "ROLLBACK TRANSACTION TO SAVEPOINT group_write"
                )
            case .item:
                ("SAVEPOINT group_item", "RELEASE SAVEPOINT group_item", "ROLLBACK TRANSACTION TO SAVEPOINT group_item")
            }
        }
    }

    /// Runs `body` in a savepoint that rolls back alone if `body` throws. Should the rollback itself fail, the
    /// whole transaction is rolled back, and the group sees that.
    fileprivate static func inSavepoint<T>(_ savepoint: Savepoint, _ db: Database, _ body: () throws -> T) throws -> T {
        let statements = savepoint.statements
        try db.executeCached(sql: statements.begin)
        do {
            let value = try body()
            try db.executeCached(sql: statements.release)
            return value
        } catch {
            if db.isInsideTransaction {
                do {
                    try db.executeCached(sql: statements.rollBack)
                    try db.executeCached(sql: statements.release)
                } catch {
                    rollBack(db)
                }
            }
            throw error
        }
    }

    /// Rolls the transaction back, if SQLite has not already (after some errors it has, and ROLLBACK would fail).
    fileprivate static func rollBack(_ db: Database) {
        guard db.isInsideTransaction else { return }
        try? db.executeCached(sql: "ROLLBACK TRANSACTION")
    }
}

/// A slow-disk fault, shared by a process's databases: every group commit waits this long more before it
/// commits (in a simulation, its simulated fsync does).
public final class CommitDelay: Sendable {
    private let delay = Mutex(0.0)

    public init() {}

    public var seconds: Double {
        get { delay.withLock { $0 } }
        set { delay.withLock { $0 = max(newValue, 0) } }
    }
}

/// The process's simulated crash came first: the write was never committed.
public struct DatabaseCrashed: Error, CustomStringConvertible {
    public var description: String { "the process crashed before this was committed" }
}

/// A write in the group made SQLite roll back the whole transaction: the group's other writes are lost with it.
public struct TransactionRolledBack: Error, CustomStringConvertible {
    public var description: String { "the transaction was rolled back by an error in another write of its group" }
}
