import Formats
import Foundation
import SeededRandom
import Testing

@Suite struct TimestampTests {
    /// `$$` times are written by hand for speed; they must read exactly as Foundation's ISO 8601 style writes
    /// them, its float artefacts included (it cuts milliseconds from the seconds since 2001).
    @Test func formatsExactlyAsFoundationsISO8601Style() {
        let foundation = Date.ISO8601FormatStyle(includingFractionalSeconds: true)
        var random = SplitMix64(seed: 2026)
        var checked = 0
        for index in 0..<20_000 {
            var seconds = Double(random.next() % 4_102_444_800_000) / 1000  // 1970 to 2100, whole milliseconds
            if index % 2 == 0 { seconds += Double(random.next() % 1_000_000) / 1_000_000_000 }
            let date = Date(timeIntervalSince1970: seconds)
            if Timestamp.format(date) != date.formatted(foundation) {
                Issue.record("\(seconds): \(Timestamp.format(date)) != \(date.formatted(foundation))")
            }
            checked += 1
        }
        #expect(checked == 20_000)
        #expect(Timestamp.format(Date(timeIntervalSince1970: 1_700_000_000.5)) == "2023-11-14T22:13:20.500Z")
        #expect(Timestamp.format(Date(timeIntervalSince1970: 951_782_400)) == "2000-02-29T00:00:00.000Z")
    }
}
