import Foundation
import GRDB
@_exported import GRDB

/// Opens the SQLite database a service keeps its state in: WAL mode, full sync, migrated to the latest schema.
///
/// Every service owns one file under the data directory; nothing is shared between processes.
public enum Store {
    public static func open(path: String, migrator: DatabaseMigrator) throws -> DatabasePool {
        try FileManager.default.createDirectory(
            atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        var configuration = Configuration()
        configuration.busyMode = .timeout(5)
        // Each write of a group commit is a savepoint, and SQLite journals the pages a savepoint changes in a
        // sub-journal that spills to a temporary file past 64 KiB: a few pwrite calls per step, for pages that
        // only matter until the savepoint is released. In memory they cost a copy.
        configuration.prepareDatabase { db in try db.execute(sql: "PRAGMA temp_store = MEMORY") }
        let pool = try DatabasePool(path: path, configuration: configuration)
        // FULL: the write-ahead log is synced at every commit, so a commit is on disk (not only in the kernel's
        // cache) before its reply leaves. Set on the writer connection once the pool exists: the pool sets NORMAL
        // when it turns WAL on, after any `prepareDatabase` hook has run.
        try pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA synchronous = FULL") }
        try migrator.migrate(pool)
        return pool
    }

    /// A migrator from named SQL scripts, applied in order, each once: how every service states its schema.
    public static func migrator(_ migrations: KeyValuePairs<String, String>) -> DatabaseMigrator {
        var migrator = DatabaseMigrator()
        for (name, sql) in migrations {
            migrator.registerMigration(name) { db in try db.execute(sql: sql) }
        }
        return migrator
    }

    /// An in-memory database for unit tests, with the same schema.
    public static func inMemory(migrator: DatabaseMigrator) throws -> DatabaseQueue {
        let queue = try DatabaseQueue()
        try migrator.migrate(queue)
        return queue
    }
}

extension Database {
    /// Runs a statement compiled once per connection and kept: the services' hot paths run the same few
    /// statements thousands of times a second, and compiling one (parse, plan, authorizer) costs more than running
    /// it. For statements whose text is a literal, never for text built from data.
    public func executeCached(sql: String, arguments: StatementArguments = StatementArguments()) throws {
        try cachedStatement(sql: sql).execute(arguments: arguments)
    }
}
