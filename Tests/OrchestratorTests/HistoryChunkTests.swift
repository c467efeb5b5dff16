import JSON
import StatesLanguage
import Testing

@testable import Orchestrator

/// A step's events are stored as one compressed row, a line each, and read back as the same texts with their ids.
@Suite struct HistoryChunkTests {
    static func event(_ id: Int, output: String) -> HistoryEvent {
        var event = try! HistoryEvent(
            json: [
                "id": .int(id), "previousEventId": .int(id - 1), "timestamp": 1_764_000_000.5,
                "type": "PassStateExited",
            ]
        )
        event.detailsKey = "stateExitedEventDetails"
        event.details = JSONObject([("name", "Pass"), ("output", .string(output))])
        return event
    }

    /// Texts with what a split by Characters and a split by bytes could disagree on (combining marks, a
    /// character outside the BMP, an escaped newline and carriage return) come back byte for byte, and a gap in the
    /// ids starts a new row.
    @Test func eventsComeBackAsTheirTextsWithTheirIds() throws {
        let outputs = ["{\"a\":\"é\"}", "e\u{301}\u{1F600}", "line\nbreak\r\n", ""]
        let events = [1, 2, 3, 5].enumerated().map { Self.event($0.element, output: outputs[$0.offset]) }
        let chunks = HistoryChunk.chunks(of: events)
        #expect(chunks.map(\.firstId) == [1, 5])
        let read = try chunks.flatMap { try HistoryChunk.eventTexts($0.stored.databaseValue, firstId: $0.firstId) }
        #expect(read.map(\.id) == [1, 2, 3, 5])
        #expect(read.map(\.text) == events.map { String(decoding: $0.jsonBytes, as: UTF8.self) })
    }
}
