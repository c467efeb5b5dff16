/// A JSON value that keeps what AWS keeps: object key order, and the difference between `200` and `200.0`.
///
/// Foundation's `JSONSerialization` loses both, and its coders cost as much CPU as a ZeroMQ hop
/// (see research/limits.md), so workflow payloads use this type with its own parser and printer.
public enum JSONValue: Sendable {
    case null
    case bool(Bool)
    case int(Int)
    case double(Double)
    case string(String)
    case array([JSONValue])
    case object(JSONObject)
}

/// An object that remembers insertion order (its keys an `OrderedKeys`: a small object is scanned, not hashed).
public struct JSONObject: Sendable, Hashable, Sequence {
    private var orderedKeys = OrderedKeys()
    private var values: [JSONValue] = []

    public init() {}

    public init(_ pairs: [(String, JSONValue)]) {
        orderedKeys.reserveCapacity(pairs.count)
        values.reserveCapacity(pairs.count)
        for (key, value) in pairs { self[key] = value }
    }

    /// Members known to have distinct keys (an encoder's), taken as they are.
    init(uniqueKeys keys: [String], values: [JSONValue]) {
        orderedKeys = OrderedKeys(unique: keys)
        self.values = values
    }

    public var keys: [String] { orderedKeys.keys }
    public var count: Int { values.count }
    public var isEmpty: Bool { values.isEmpty }

    public subscript(key: String) -> JSONValue? {
        get { orderedKeys.position(of: key).map { values[$0] } }
        set {
            switch (orderedKeys.position(of: key), newValue) {
            case let (found?, newValue?):
                values[found] = newValue
            case let (nil, newValue?):
                orderedKeys.append(key)
                values.append(newValue)
            case let (found?, nil):
                orderedKeys.remove(at: found)
                values.remove(at: found)
            case (nil, nil):
                break
            }
        }
    }

    public struct Iterator: IteratorProtocol {
        let object: JSONObject
        var position = 0

        public mutating func next() -> (key: String, value: JSONValue)? {
            guard position < object.values.count else { return nil }
            defer { position += 1 }
            return (object.orderedKeys.keys[position], object.values[position])
        }
    }

    public func makeIterator() -> Iterator { Iterator(object: self) }

    /// Equality ignores key order, as JSON's does.
    public static func == (lhs: JSONObject, rhs: JSONObject) -> Bool {
        guard lhs.count == rhs.count else { return false }
        for (key, value) in lhs where rhs[key] != value { return false }
        return true
    }

    /// Order-independent, as equality is: the members' own hashes are summed.
    public func hash(into hasher: inout Hasher) {
        var sum = 0
        for (key, value) in self {
            var member = Hasher()
            member.combine(key)
            member.combine(value)
            sum &+= member.finalize()
        }
        hasher.combine(count)
        hasher.combine(sum)
    }
}

extension JSONValue: Hashable {
    public static func == (lhs: JSONValue, rhs: JSONValue) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null): return true
        case let (.bool(a), .bool(b)): return a == b
        case let (.string(a), .string(b)): return a == b
        case let (.array(a), .array(b)): return a == b
        case let (.object(a), .object(b)): return a == b
        default:
            if let a = lhs.numberValue, let b = rhs.numberValue { return a == b }
            return false
        }
    }

    public func hash(into hasher: inout Hasher) {
        switch self {
        case .null: hasher.combine(0)
        case .bool(let b): hasher.combine(b)
        case .int(let i): hasher.combine(Double(i))
        case .double(let d): hasher.combine(d)
        case .string(let s): hasher.combine(s)
        case .array(let a): hasher.combine(a)
        case .object(let o): hasher.combine(o)
        }
    }
}

extension JSONValue {
    public var isNull: Bool { if case .null = self { return true } else { return false } }

    public var stringValue: String? { if case .string(let s) = self { return s } else { return nil } }
    public var boolValue: Bool? { if case .bool(let b) = self { return b } else { return nil } }
    public var objectValue: JSONObject? { if case .object(let o) = self { return o } else { return nil } }
    public var arrayValue: [JSONValue]? { if case .array(let a) = self { return a } else { return nil } }

    public var numberValue: Double? {
        switch self {
        case .int(let i): return Double(i)
        case .double(let d): return d
        default: return nil
        }
    }

    /// The value as an integer when it is a whole number (`3` or `3.0`).
    public var integerValue: Int? {
        switch self {
        case .int(let i): return i
        case .double(let d) where d.rounded() == d && abs(d) < 9.0e15: return Int(d)
        default: return nil
        }
    }

    public subscript(key: String) -> JSONValue? {
        objectValue?[key]
    }

    /// The JSON type name AWS uses in error messages.
    public var typeName: String {
        switch self {
        case .null: return "null"
        case .bool: return "boolean"
        case .int, .double: return "number"
        case .string: return "string"
        case .array: return "array"
        case .object: return "object"
        }
    }
}

extension JSONValue: ExpressibleByNilLiteral, ExpressibleByBooleanLiteral, ExpressibleByIntegerLiteral,
    ExpressibleByFloatLiteral, ExpressibleByStringLiteral, ExpressibleByArrayLiteral,
    ExpressibleByDictionaryLiteral
{
    public init(nilLiteral: ()) { self = .null }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(integerLiteral value: Int) { self = .int(value) }
    public init(floatLiteral value: Double) { self = .double(value) }
    public init(stringLiteral value: String) { self = .string(value) }
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
    public init(dictionaryLiteral elements: (String, JSONValue)...) { self = .object(JSONObject(elements)) }
}

extension JSONValue: CustomStringConvertible {
    public var description: String { serialized() }
}
