import Formats
import Foundation
import JSON
// SplitMix64 is part of what the interpreter offers its callers (seeded runs).
@_exported import SeededRandom

/// The intrinsic functions of the States Language, with AWS's States.IntrinsicFailure for a bad argument.
enum Intrinsics {
    static func call(_ name: String, _ args: [JSONValue], random: inout ErasedRandom) throws(StatesError)
        -> JSONValue
    {
        func fail(_ message: String) -> StatesError {
            StatesError(ErrorName.intrinsicFailure, "Invalid arguments in \(name): \(message)")
        }
        func count(_ range: ClosedRange<Int>) throws(StatesError) {
            guard range.contains(args.count) else {
                throw fail(
                    "expected \(range.lowerBound == range.upperBound ? "\(range.lowerBound)" : "\(range)") arguments, got \(args.count)"
                )
            }
        }
        func string(_ index: Int) throws(StatesError) -> String {
            guard let value = args[index].stringValue else { throw fail("argument \(index + 1) must be a string") }
            return value
        }
        func array(_ index: Int) throws(StatesError) -> [JSONValue] {
            guard let value = args[index].arrayValue else { throw fail("argument \(index + 1) must be an array") }
            return value
        }
        func integer(_ index: Int) throws(StatesError) -> Int {
            guard let value = args[index].integerValue else { throw fail("argument \(index + 1) must be an integer") }
            return value
        }
        /// MathAdd and MathRandom take any number and round it as Java's Math.round does: half up (-1.5 → -1).
        func rounded(_ index: Int) throws(StatesError) -> Int {
            if let value = args[index].integerValue { return value }
            guard let value = args[index].numberValue, abs(value) < 9.0e15 else {
                throw fail("argument \(index + 1) must be a number")
            }
            return Int((value + 0.5).rounded(.down))
        }

        switch name {
        case "States.Format":
            try count(1...Int.max)
            let template = try string(0)
            var output = ""
            var argumentIndex = 1
            var characters = Array(template)[...]
            while let character = characters.popFirst() {
                if character == "\\", let escaped = characters.popFirst() {
                    output.append(escaped)
                } else if character == "{", characters.first == "}" {
                    characters.removeFirst()
                    guard argumentIndex < args.count else { throw fail("more placeholders than arguments") }
                    output += Self.formatted(args[argumentIndex])
                    argumentIndex += 1
                } else {
                    output.append(character)
                }
            }
            guard argumentIndex == args.count else { throw fail("more arguments than placeholders") }
            return .string(output)
        case "States.StringToJson":
            try count(1...1)
            if try string(0).allSatisfy(\.isWhitespace) { return .null }
            do {
                return try JSONValue.parse(try string(0))
            } catch {
                throw fail("argument is not a JSON text")
            }
        case "States.JsonToString":
            try count(1...1)
            return .string(args[0].serialized())
        case "States.Array":
            return .array(args)
        case "States.ArrayPartition":
            try count(2...2)
            let elements = try array(0)
            let size = try integer(1)
            guard size > 0 else { throw fail("chunk size must be positive") }
            return .array(
                stride(from: 0, to: elements.count, by: size).map {
                    .array(Array(elements[$0..<min($0 + size, elements.count)]))
                })
        case "States.ArrayContains":
            try count(2...2)
            return .bool(try array(0).contains(args[1]))
        case "States.ArrayRange":
            try count(3...3)
            let start = try integer(0)
            let end = try integer(1)
            let step = try integer(2)
            guard step != 0 else { throw fail("step must not be 0") }
            let values = Array(stride(from: start, through: end, by: step))
            guard values.count <= 1000 else { throw fail("the range has more than 1000 elements") }
            return .array(values.map { .int($0) })
        case "States.ArrayGetItem":
            try count(2...2)
            let elements = try array(0)
            let index = try integer(1)
            guard elements.indices.contains(index) else { throw fail("index \(index) is out of bounds") }
            return elements[index]
        case "States.ArrayLength":
            try count(1...1)
            return .int(try array(0).count)
        case "States.ArrayUnique":
            try count(1...1)
            var seen: [JSONValue] = []
            for element in try array(0) where !seen.contains(element) { seen.append(element) }
            return .array(seen)
        case "States.Base64Encode":
            try count(1...1)
            return .string(Data(try string(0).utf8).base64EncodedString())
        case "States.Base64Decode":
            try count(1...1)
            guard let data = Data(base64Encoded: try string(0)), let text = String(data: data, encoding: .utf8) else {
                throw fail("argument is not valid base64")
            }
            return .string(text)
        case "States.JsonMerge":
            try count(3...3)
            guard case .object(let left) = args[0], case .object(let right) = args[1] else {
                throw fail("the first two arguments must be objects")
            }
            guard args[2].boolValue == false else {
                throw fail("deep merge is not supported; the third argument must be false")
            }
            var merged = left
            for (key, value) in right { merged[key] = value }
            return .object(merged)
        case "States.MathRandom":
            try count(2...3)
            let start = try rounded(0)
            let end = try rounded(1)
            guard start < end else { throw fail("start must be less than end") }
            if args.count == 3 {
                var seeded = SplitMix64(seed: UInt64(bitPattern: Int64(try integer(2))))
                return .int(Int.random(in: start..<end, using: &seeded))
            }
            return .int(Int.random(in: start..<end, using: &random))
        case "States.MathAdd":
            try count(2...2)
            return .int(try rounded(0) + rounded(1))
        case "States.StringSplit":
            try count(2...2)
            let separators = Set(try string(1))
            return .array(try string(0).split(whereSeparator: { separators.contains($0) }).map { .string(String($0)) })
        case "States.Hash":
            try count(2...2)
            let algorithm = try string(1)
            let data: String
            switch args[0] {
            case .string(let text): data = text
            case .null: throw fail("the data to hash must not be null")
            default: data = args[0].serialized()
            }
            guard data.utf8.count <= 10_000 else { throw fail("the data to hash exceeds 10,000 characters") }
            guard let digest = HexDigest.hex(Array(data.utf8), algorithm: algorithm) else {
                throw fail(
                    "the hash algorithm must be one of \(HexDigest.algorithms.joined(separator: ", ")), got \(algorithm)"
                )
            }
            return .string(digest)
        case "States.UUID":
            try count(0...0)
            return .string(randomUUID(using: &random))
        default:
            throw StatesError(
                ErrorName.intrinsicFailure, "The intrinsic function \(name) is not supported by callbacksim yet")
        }
    }
}

extension Intrinsics {
    /// How States.Format prints an argument: AWS's runtime is Java, so objects and arrays print as Java's maps and
    /// lists do (`{Arg1=1, Arg2=[]}`), strings without quotes.
    static func formatted(_ value: JSONValue) -> String {
        switch value {
        case .string(let text): return text
        case .array(let elements): return "[" + elements.map(formatted).joined(separator: ", ") + "]"
        case .object(let object):
            return "{" + object.map { "\($0.key)=\(formatted($0.value))" }.joined(separator: ", ") + "}"
        default: return value.serialized()
        }
    }
}

/// Lets the interpreter hold any generator while the standard library's `random(in:using:)` wants a concrete one.
/// A version 4 UUID drawn from `random`, so a seeded run repeats it.
func randomUUID(using random: inout some RandomNumberGenerator) -> String {
    var bytes = (0..<16).map { _ in UInt8.random(in: 0...255, using: &random) }
    bytes[6] = (bytes[6] & 0x0F) | 0x40
    bytes[8] = (bytes[8] & 0x3F) | 0x80
    let hex = bytes.map { String(format: "%02x", $0) }.joined()
    let parts = [
        hex.prefix(8), hex.dropFirst(8).prefix(4), hex.dropFirst(12).prefix(4), hex.dropFirst(16).prefix(4),
        hex.dropFirst(20),
    ]
    return parts.joined(separator: "-")
}

struct ErasedRandom: RandomNumberGenerator {
    var base: any RandomNumberGenerator

    mutating func next() -> UInt64 {
        base.next()
    }
}
