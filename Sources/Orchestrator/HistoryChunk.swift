import Foundation
import StatesLanguage
import Storage

/// A step's history events as one row: their JSON texts, a line each (JSON text never holds a raw newline),
/// compressed together with the Step Functions dictionary. Event ids in a row are consecutive from `firstId`.
struct HistoryChunk {
    /// At most this many events a row: a Map step can add thousands, and reading a page decompresses whole rows.
    static let maximumEvents = 100

    let firstId: Int
    let lastId: Int
    let stored: Data

    /// `events` (a step's, in order) as rows: a new row at every gap in the ids and every `maximumEvents`.
    static func chunks(of events: [HistoryEvent]) -> [HistoryChunk] {
        var chunks: [HistoryChunk] = []
        var start = events.startIndex
        while start < events.endIndex {
            var end = start + 1
            while end < events.endIndex, end - start < maximumEvents, events[end].id == events[end - 1].id + 1 {
                end += 1
            }
            var text: [UInt8] = []
            for event in events[start..<end] {
                if !text.isEmpty { text.append(UInt8(ascii: "\n")) }
                text += event.jsonBytes
            }
            chunks.append(
                HistoryChunk(
                    firstId: events[start].id, lastId: events[end - 1].id,
                    stored: StoredText.compress(text, with: .stepFunctions1)))
            start = end
        }
        return chunks
    }

    /// The events a stored row holds, with their ids.
    static func eventTexts(_ stored: DatabaseValue, firstId: Int) throws -> [(id: Int, text: String)] {
        // Split as bytes: splitting a String compares Characters, which cost a simulation's checker 3% of its time.
        try WorkflowEngine.storedText(stored).utf8.split(
            separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false
        )
        .enumerated().map { (firstId + $0.offset, String(Substring($0.element))) }
    }
}
