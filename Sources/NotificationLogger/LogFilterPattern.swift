import JSON
import Wire

/// CloudWatch Logs' filter pattern syntax, for FilterLogEvents: what users type to find a line.
///
/// - Terms: `ERROR timeout` (every term), `?ERROR ?WARN` (any of them), `-DEBUG` (none), `"API Executed"` (a
///   phrase). Matching is case-sensitive, on the raw message.
/// - JSON: `{ $.statusCode = 200 }`, `{ $.status != "ok" && ($.latency > 5 || $.error EXISTS) }`, string values
///   with `*` wildcards, `IS NULL`, `IS TRUE`, `IS FALSE`, `NOT EXISTS`. A message that is not JSON never matches.
///
/// Space-delimited patterns (`[ip, user, ...]`) are refused with InvalidParameterException.
public struct LogFilterPattern: Sendable {
    indirect enum Node: Sendable {
        case terms(required: [String], anyOf: [String], excluded: [String])
        case and(Node, Node)
        case or(Node, Node)
        case compare(path: [PathStep], op: String, value: JSONValue)
        case check(path: [PathStep], what: String)
        case all
    }

    enum PathStep: Sendable, Equatable {
        case key(String)
        case index(Int)
    }

    let root: Node

    public init(_ text: String) throws(AWSError) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if trimmed.isEmpty {
            root = .all
        } else if trimmed.hasPrefix("{") {
            var parser = Parser(text: trimmed)
            root = try parser.jsonPattern()
        } else if trimmed.hasPrefix("[") {
            throw Self.invalid("space-delimited patterns are not supported by callbacksim")
        } else {
            root = try Self.terms(trimmed)
        }
    }

    static func invalid(_ why: String) -> AWSError {
        AWSError("InvalidParameterException", "Invalid filter pattern: \(why)")
    }

    public func matches(_ message: String) -> Bool {
        if case .terms = root { return Self.evaluate(root, message: message, json: nil) }
        if case .all = root { return true }
        guard let json = try? JSONValue.parse(message) else { return false }
        return Self.evaluate(root, message: message, json: json)
    }

    static func evaluate(_ node: Node, message: String, json: JSONValue?) -> Bool {
        switch node {
        case .all:
            return true
        case .terms(let required, let anyOf, let excluded):
            return required.allSatisfy { message.contains($0) }
                && (anyOf.isEmpty || anyOf.contains { message.contains($0) })
                && !excluded.contains { message.contains($0) }
        case .and(let a, let b):
            return evaluate(a, message: message, json: json) && evaluate(b, message: message, json: json)
        case .or(let a, let b):
            return evaluate(a, message: message, json: json) || evaluate(b, message: message, json: json)
        case .check(let path, let what):
            let value = json.flatMap { select(path, in: $0) }
            switch what {
            case "NULL": return value == .null
            case "TRUE": return value == .bool(true)
            case "FALSE": return value == .bool(false)
            case "EXISTS": return value != nil
            default: return value == nil  // NOT EXISTS
            }
        case .compare(let path, let op, let expected):
            guard let json, let actual = select(path, in: json) else { return op == "!=" }
            return compare(actual, op, expected)
        }
    }

    static func select(_ path: [PathStep], in value: JSONValue) -> JSONValue? {
        var current = value
        for step in path {
            switch step {
            case .key(let key):
                guard let next = current[key] else { return nil }
                current = next
            case .index(let index):
                guard let array = current.arrayValue, array.indices.contains(index) else { return nil }
                current = array[index]
            }
        }
        return current
    }

    static func compare(_ actual: JSONValue, _ op: String, _ expected: JSONValue) -> Bool {
        if let number = expected.numberValue {
            guard let value = actual.numberValue else { return op == "!=" }
            switch op {
            case "=": return value == number
            case "!=": return value != number
            case "<": return value < number
            case "<=": return value <= number
            case ">": return value > number
            case ">=": return value >= number
            default: return false
            }
        }
        let pattern = expected.stringValue ?? ""
        let text =
            actual.stringValue ?? (actual.numberValue != nil || actual.boolValue != nil ? actual.serialized() : nil)
        guard let text else { return op == "!=" }
        let equal = glob(pattern, text)
        return op == "!=" ? !equal : (op == "=" && equal)
    }

    /// `*` matches any run of characters.
    static func glob(_ pattern: String, _ text: String) -> Bool {
        let parts = pattern.split(separator: "*", omittingEmptySubsequences: false).map(String.init)
        guard parts.count > 1 else { return pattern == text }
        guard text.hasPrefix(parts[0]) else { return false }
        var rest = Substring(text.dropFirst(parts[0].count))
        for (index, part) in parts.enumerated().dropFirst() {
            if index == parts.count - 1 { return part.isEmpty || rest.hasSuffix(part) }
            guard let range = rest.range(of: part) else { return false }
            rest = rest[range.upperBound...]
        }
        return true
    }

    static func terms(_ text: String) throws(AWSError) -> Node {
        var required: [String] = []
        var anyOf: [String] = []
        var excluded: [String] = []
        var index = text.startIndex
        while index < text.endIndex {
            if text[index] == " " {
                index = text.index(after: index)
                continue
            }
            var prefix: Character?
            if text[index] == "?" || text[index] == "-" {
                prefix = text[index]
                index = text.index(after: index)
            }
            var term = ""
            if index < text.endIndex, text[index] == "\"" {
                index = text.index(after: index)
                guard let close = text[index...].firstIndex(of: "\"") else { throw invalid("unterminated quote") }
                term = String(text[index..<close])
                index = text.index(after: close)
            } else {
                let end = text[index...].firstIndex(of: " ") ?? text.endIndex
                term = String(text[index..<end])
                index = end
            }
            guard !term.isEmpty else { continue }
            switch prefix {
            case "?": anyOf.append(term)
            case "-": excluded.append(term)
            default: required.append(term)
            }
        }
        return .terms(required: required, anyOf: anyOf, excluded: excluded)
    }

    /// `{ selector op value (&& | ||) … }` with parentheses.
    struct Parser {
        let characters: [Character]
        var position = 0

        init(text: String) { characters = Array(text) }

        mutating func jsonPattern() throws(AWSError) -> Node {
            try expect("{")
            let node = try or()
            try expect("}")
            skipSpaces()
            guard position == characters.count else { throw invalid("unexpected text after }") }
            return node
        }

        mutating func skipSpaces() {
            while position < characters.count, characters[position].isWhitespace { position += 1 }
        }

        mutating func peek(_ text: String) -> Bool {
            skipSpaces()
            let end = position + text.count
            return end <= characters.count && String(characters[position..<end]) == text
        }

        mutating func expect(_ text: String) throws(AWSError) {
            guard peek(text) else { throw invalid("expected '\(text)'") }
            position += text.count
        }

        mutating func or() throws(AWSError) -> Node {
            var node = try and()
            while peek("||") {
                position += 2
                node = .or(node, try and())
            }
            return node
        }

        mutating func and() throws(AWSError) -> Node {
            var node = try primary()
            while peek("&&") {
                position += 2
                node = .and(node, try primary())
            }
            return node
        }

        mutating func primary() throws(AWSError) -> Node {
            if peek("(") {
                position += 1
                let node = try or()
                try expect(")")
                return node
            }
            let path = try selector()
            for keyword in ["IS NULL", "IS TRUE", "IS FALSE", "NOT EXISTS", "EXISTS"] where peek(keyword) {
                position += keyword.count
                return .check(path: path, what: keyword.replacingOccurrences(of: "IS ", with: ""))
            }
            for op in ["!=", "<=", ">=", "=", "<", ">"] where peek(op) {
                position += op.count
                return .compare(path: path, op: op, value: try value())
            }
            throw invalid("expected a comparison after the selector")
        }

        mutating func selector() throws(AWSError) -> [PathStep] {
            try expect("$")
            var steps: [PathStep] = []
            while position < characters.count {
                if characters[position] == "." {
                    position += 1
                    let start = position
                    while position < characters.count,
                        characters[position].isLetter || characters[position].isNumber || characters[position] == "_"
                            || characters[position] == "-"
                    {
                        position += 1
                    }
                    guard position > start else { throw invalid("empty property name") }
                    steps.append(.key(String(characters[start..<position])))
                } else if characters[position] == "[" {
                    position += 1
                    let start = position
                    while position < characters.count, characters[position].isNumber { position += 1 }
                    guard let index = Int(String(characters[start..<position])) else { throw invalid("bad index") }
                    try expect("]")
                    steps.append(.index(index))
                } else {
                    break
                }
            }
            return steps
        }

        mutating func value() throws(AWSError) -> JSONValue {
            skipSpaces()
            guard position < characters.count else { throw invalid("missing value") }
            if characters[position] == "\"" {
                position += 1
                let start = position
                while position < characters.count, characters[position] != "\"" { position += 1 }
                guard position < characters.count else { throw invalid("unterminated string") }
                defer { position += 1 }
                return .string(String(characters[start..<position]))
            }
            let start = position
            while position < characters.count, !characters[position].isWhitespace,
                !"&|)}".contains(characters[position])
            {
                position += 1
            }
            let word = String(characters[start..<position])
            guard !word.isEmpty else { throw invalid("missing value") }
            if let number = Double(word) { return word.contains(".") ? .double(number) : .int(Int(number)) }
            return .string(word)
        }
    }
}
