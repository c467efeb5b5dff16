import Foundation
import Storage
import Testing

@Suite struct StoreTests {
    /// Every commit is synced before it is acknowledged: the writer runs with `synchronous = FULL` (2), not the
    /// NORMAL (1) a pool sets when it turns WAL on, which syncs only at checkpoints.
    @Test func theWriterSyncsEveryCommit() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("store-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let pool = try Store.open(path: directory + "/test.sqlite", migrator: Store.migrator([:]))
        #expect(try await pool.write { try Int.fetchOne($0, sql: "PRAGMA synchronous") } == 2)
        #expect(try await pool.read { try String.fetchOne($0, sql: "PRAGMA journal_mode") } == "wal")
    }

    /// A group commit's savepoints journal their pages in memory (`temp_store = MEMORY`, 2), not in a temporary
    /// file written past 64 KiB: that file cost the orchestrator a quarter of its CPU under load.
    @Test func savepointsAreJournaledInMemory() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("store-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let pool = try Store.open(path: directory + "/test.sqlite", migrator: Store.migrator([:]))
        #expect(try await pool.write { try Int.fetchOne($0, sql: "PRAGMA temp_store") } == 2)
    }
}
