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

    /// `2024-01-01T12:00:00.123Z`: the form `$$` times take. Exactly what Foundation's
    /// `Date.ISO8601FormatStyle(includingFractionalSeconds: true)` writes (milliseconds cut, not rounded, from the
    /// seconds since 2001 a `Date` keeps), at a tenth of its cost: every state an execution enters is stamped.
    public static func format(_ date: Date) -> String {
        let sinceReference = date.timeIntervalSinceReferenceDate
        let whole = sinceReference.rounded(.down)
        let millisecond = Int64((sinceReference - whole) * 1000)
        let milliseconds = (Int64(whole) + 978_307_200) * 1000 + millisecond
        let (days, millisecondOfDay) = floorDivision(milliseconds, 86_400_000)
        let (year, month, day) = civilDate(daysSince1970: days)
        guard (1...9999).contains(year) else {
            return date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
        }
        var text = [UInt8]()
        text.reserveCapacity(24)
        func digits(_ value: Int64, _ width: Int) {
            var divisor: Int64 = 1
            for _ in 1..<width { divisor *= 10 }
            var rest = value
            while divisor > 0 {
                text.append(UInt8(ascii: "0") + UInt8(rest / divisor))
                rest %= divisor
                divisor /= 10
            }
        }
        digits(year, 4)
        text.append(UInt8(ascii: "-"))
        digits(month, 2)
        text.append(UInt8(ascii: "-"))
        digits(day, 2)
        text.append(UInt8(ascii: "T"))
        digits(millisecondOfDay / 3_600_000, 2)
        text.append(UInt8(ascii: ":"))
        digits(millisecondOfDay / 60_000 % 60, 2)
        text.append(UInt8(ascii: ":"))
        digits(millisecondOfDay / 1000 % 60, 2)
        text.append(UInt8(ascii: "."))
        digits(millisecondOfDay % 1000, 3)
        text.append(UInt8(ascii: "Z"))
        return String(decoding: text, as: UTF8.self)
    }

    private static func floorDivision(_ value: Int64, _ divisor: Int64) -> (quotient: Int64, remainder: Int64) {
        let quotient = value >= 0 ? value / divisor : (value - divisor + 1) / divisor
        return (quotient, value - quotient * divisor)
    }

    /// The proleptic Gregorian date of a day counted from 1970-01-01 (Howard Hinnant's `civil_from_days`).
    private static func civilDate(daysSince1970: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let days = daysSince1970 + 719_468
        let era = (days >= 0 ? days : days - 146_096) / 146_097
        let dayOfEra = days - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let shiftedMonth = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * shiftedMonth + 2) / 5 + 1
        let month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}
