import Foundation
import Storage
import Testing

@Suite struct StoredTextTests {
    static let dictionary = CompressionDictionary(
        id: 3, fragments: [#"{"timestamp":"#, #","type":"TaskStateEntered","id":"#, #","previousEventId":"#])
    static let other = CompressionDictionary(id: 4, fragments: [#"unrelated"#])

    @Test(arguments: [
        "", "x", #"{"timestamp":1.5,"type":"TaskStateEntered","id":2,"previousEventId":1}"#,
        "naïve – ünïcödé ✓ 🎉", String(repeating: #"{"k":"v"},"#, count: 20_000),
    ])
    func textReadsBackAsItWasWritten(_ text: String) throws {
        let blob = StoredText.compress(Array(text.utf8), with: Self.dictionary)
        #expect(blob.first == Self.dictionary.id)
        #expect(try StoredText.text(blob.databaseValue, dictionaries: [Self.other, Self.dictionary]) == text)
    }

    /// What the dictionary holds is referred to, not spelled out: the text shrinks to a fraction of what zstd
    /// alone makes of it.
    @Test func theDictionarysStringsCostAlmostNothing() throws {
        let text = Array(#"{"timestamp":1.5,"type":"TaskStateEntered","id":2,"previousEventId":1}"#.utf8)
        let withDictionary = StoredText.compress(text, with: Self.dictionary).count
        let without = StoredText.compress(text, with: Self.other).count
        #expect(withDictionary * 2 < without, "\(withDictionary) bytes with the dictionary, \(without) without")
        #expect(withDictionary * 2 < text.count)
    }

    /// A row written before compression holds its text, which reads back unchanged; a blob that names no known
    /// dictionary, or is cut short, is refused rather than read as something else.
    @Test func plainTextReadsAsItIsAndBadBlobsAreRefused() throws {
        #expect(try StoredText.text(#"{"a":1}"#.databaseValue, dictionaries: []) == #"{"a":1}"#)
        let blob = StoredText.compress(Array(String(repeating: "abc", count: 100).utf8), with: Self.dictionary)
        #expect(throws: UnreadableStoredText.self) {
            try StoredText.text(blob.databaseValue, dictionaries: [Self.other])
        }
        #expect(throws: UnreadableStoredText.self) {
            try StoredText.text(blob.prefix(blob.count - 2).databaseValue, dictionaries: [Self.dictionary])
        }
        #expect(throws: UnreadableStoredText.self) {
            try StoredText.text(Data([Self.dictionary.id]).databaseValue, dictionaries: [Self.dictionary])
        }
        #expect(throws: UnreadableStoredText.self) {
            try StoredText.text(DatabaseValue.null, dictionaries: [Self.dictionary])
        }
    }

    /// SQLite keeps the blob a blob in a column declared TEXT (TEXT affinity converts numbers, not blobs), so an
    /// existing table holds both kinds of row without a migration.
    @Test func aTextColumnKeepsBlobsAndTextApart() throws {
        let database = try DatabaseQueue()
        try database.write { db in
            try db.execute(sql: "CREATE TABLE t (id INTEGER PRIMARY KEY, body TEXT NOT NULL)")
            try db.execute(sql: "INSERT INTO t (id, body) VALUES (1, ?)", arguments: [#"{"old":true}"#])
            try db.execute(
                sql: "INSERT INTO t (id, body) VALUES (2, ?)",
                arguments: [StoredText.compress(Array(#"{"new":true}"#.utf8), with: Self.dictionary)])
        }
        let rows = try database.read { db in
            try Row.fetchAll(db, sql: "SELECT body, typeof(body) AS kind FROM t ORDER BY id").map {
                (try StoredText.text($0["body"], dictionaries: [Self.dictionary]), $0["kind"] as String)
            }
        }
        #expect(rows.map(\.0) == [#"{"old":true}"#, #"{"new":true}"#])
        #expect(rows.map(\.1) == ["text", "blob"])
    }

    /// Compressions on many threads at once share the dictionary's primed stream, which each only copies.
    @Test func concurrentCompressionsAgree() async throws {
        let texts = (0..<64).map { #"{"timestamp":\#($0),"type":"TaskStateEntered","id":\#($0)}"# }
        let blobs = await withTaskGroup(of: (Int, Data).self) { group in
            for (index, text) in texts.enumerated() {
                group.addTask { (index, StoredText.compress(Array(text.utf8), with: Self.dictionary)) }
            }
            var blobs = [Data](repeating: Data(), count: texts.count)
            for await (index, blob) in group { blobs[index] = blob }
            return blobs
        }
        for (text, blob) in zip(texts, blobs) {
            #expect(blob == StoredText.compress(Array(text.utf8), with: Self.dictionary))
            #expect(try StoredText.text(blob.databaseValue, dictionaries: [Self.dictionary]) == text)
        }
    }
}
