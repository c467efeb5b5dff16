import Foundation

/// RFC 3339 timestamps as ASL accepts them (an uppercase T and a zone, fractional seconds optional).
public enum Timestamp {
    public static func parse(_ text: String) -> Date? {
        guard isWellFormed(text) else { return nil }
        let withFraction = Date.ISO8601FormatStyle(includingFractionalSeconds: true)
        let plain = Date.ISO8601FormatStyle()
        if let date = try? withFraction.parse(text) { return date }
        if let date = try? plain.parse(text) { return date }
        return nil
    }

    /// `YYYY-MM-DDThh:mm:ss[.fraction](Z|±hh:mm)` with every field in range; Foundation alone accepts hour 25.
    static func isWellFormed(_ text: String) -> Bool {
        let pattern = #"^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|[+-]\d{2}:\d{2})$"#
        guard let match = text.range(of: pattern, options: .regularExpression), match == text.startIndex..<text.endIndex
        else { return false }
        let digits = text.split(whereSeparator: { !$0.isNumber }).prefix(6).compactMap { Int($0) }
        guard digits.count == 6 else { return false }
        return (1...12).contains(digits[1]) && (1...31).contains(digits[2]) && (0...23).contains(digits[3])
            && (0...59).contains(digits[4]) && (0...60).contains(digits[5])
    }

    /// `2024-01-01T12:00:00.123Z`: the form `$$` times take.
    public static func format(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }
}
