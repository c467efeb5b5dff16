import Foundation
import JSON

/// A parsed JSONata expression (the query language of `"QueryLanguage": "JSONata"` states).
///
/// Hand-written because no listed package evaluates JSONata. It follows the reference implementation's grammar
/// (jsonata-js): a Pratt parser with the same binding powers.
public struct JSONataExpression: Sendable {
    public let text: String
    let root: JSONataNode

    public struct SyntaxError: Error, Sendable, CustomStringConvertible {
        public let message: String
        public let position: Int
        public var description: String { "\(message) at position \(position)" }
    }

    public init(_ text: String) throws(SyntaxError) {
        self.text = text
        var lexer = JSONataLexer(text)
        var parser = JSONataParser(tokens: try lexer.tokens())
        root = try parser.parseAll()
    }

    /// Evaluates the expression; nil when it yields nothing (JSONata's `undefined`). `now` (epoch seconds) is
    /// what `$now()` and `$millis()` return, `seed` drives `$random()`, `$uuid()` and `$shuffle()`.
    public func evaluate(
        input: JSONValue, variables: [String: JSONValue] = [:], now: Double = 0, seed: UInt64 = 1
    ) throws(JSONataError) -> JSONValue? {
        var evaluator = JSONataEvaluator(root: input, now: now, random: ErasedRandom(base: SplitMix64(seed: seed)))
        return try evaluator.evaluate(self, input: input, variables: variables)
    }

    /// The expression inside `{% … %}`, or nil when the string is a plain literal.
    public static func embedded(in string: String) -> String? {
        let trimmed = string
        guard trimmed.hasPrefix("{%"), trimmed.hasSuffix("%}"), trimmed.count >= 4 else { return nil }
        return String(trimmed.dropFirst(2).dropLast(2))
    }
}

indirect enum JSONataNode: @unchecked Sendable {
    case number(Double)
    case string(String)
    case bool(Bool)
    case null
    case regex(NSRegularExpression)
    /// A field name step.
    case name(String)
    /// `$name`; `$` itself is the empty name, `$$` is "$".
    case variable(String)
    case wildcard
    case descendants
    /// Steps joined by `.`; `keepArray` when a step ended in `[]`.
    case path([JSONataNode], keepArray: Bool)
    /// `base[predicate]`.
    case filter(JSONataNode, JSONataNode)
    case negate(JSONataNode)
    case binary(String, JSONataNode, JSONataNode)
    case condition(JSONataNode, JSONataNode, JSONataNode?)
    /// `[a, b, 1..3]`.
    case array([JSONataNode])
    case range(JSONataNode, JSONataNode)
    case object([(JSONataNode, JSONataNode)])
    case block([JSONataNode])
    case bind(String, JSONataNode)
    case call(JSONataNode, [JSONataNode])
    case lambda([String], JSONataNode)
    /// `^(<a, >b)`: sort terms, true for descending.
    case sort(JSONataNode, [(JSONataNode, Bool)])
    /// `x ~> $f(y)`.
    case chain(JSONataNode, JSONataNode)
    /// A step that is an array constructor keeps its array (it is not flattened into the path).
    case arrayStep(JSONataNode)
    /// `path{key: value}`: the path's items grouped by key, each group's value evaluated on its items.
    case group(JSONataNode, [(JSONataNode, JSONataNode)])
}

enum JSONataToken: Equatable {
    case number(Double)
    case string(String)
    case name(String)
    case variable(String)
    case regex(String, String)
    case op(String)
    case end
}

struct JSONataLexer {
    let scalars: [Unicode.Scalar]
    var position = 0

    init(_ text: String) { scalars = Array(text.unicodeScalars) }

    func error(_ message: String) -> JSONataExpression.SyntaxError {
        JSONataExpression.SyntaxError(message: message, position: position)
    }

    static let operators: [String] = [
        "..", ":=", "!=", ">=", "<=", "**", "~>", "?:", "??", ".", "[", "]", "{", "}", "(", ")", ",", "@", "#",
        ";", ":", "?", "+", "-", "*", "/", "%", "|", "=", "<", ">", "^", "&", "!", "~",
    ]

    mutating func tokens() throws(JSONataExpression.SyntaxError) -> [(JSONataToken, Int)] {
        var result: [(JSONataToken, Int)] = []
        while true {
            skipSpaceAndComments()
            let start = position
            guard position < scalars.count else {
                result.append((.end, position))
                return result
            }
            let scalar = scalars[position]
            if scalar == "/" && regexAllowed(after: result.last?.0) {
                result.append((try readRegex(), start))
            } else if scalar == "\"" || scalar == "'" {
                result.append((.string(try readString(scalar)), start))
            } else if ("0"..."9").contains(scalar) {
                result.append((.number(try readNumber()), start))
            } else if scalar == "`" {
                position += 1
                var name = ""
                while position < scalars.count, scalars[position] != "`" {
                    name.unicodeScalars.append(scalars[position])
                    position += 1
                }
                guard position < scalars.count else { throw error("Unterminated quoted name") }
                position += 1
                result.append((.name(name), start))
            } else if scalar == "$" {
                position += 1
                if position < scalars.count, scalars[position] == "$" {
                    position += 1
                    result.append((.variable("$"), start))
                } else {
                    result.append((.variable(readWord()), start))
                }
            } else if let op = Self.operators.first(where: matches) {
                position += op.unicodeScalars.count
                result.append((.op(op), start))
            } else {
                let word = readWord()
                guard !word.isEmpty else { throw error("Unexpected character '\(scalar)'") }
                result.append((.name(word), start))
            }
        }
    }

    func matches(_ op: String) -> Bool {
        let opScalars = Array(op.unicodeScalars)
        guard position + opScalars.count <= scalars.count else { return false }
        // `..` must not swallow the dot of a number like `1..3` incorrectly; other prefixes are unambiguous.
        return Array(scalars[position..<position + opScalars.count]) == opScalars
    }

    /// A `/` starts a regex where an operand is expected, and divides where one just ended.
    func regexAllowed(after token: JSONataToken?) -> Bool {
        switch token {
        case nil: return true
        case .number, .string, .name, .variable, .regex: return false
        case .op(let op): return ![")", "]", "}"].contains(op)
        case .end: return false
        }
    }

    mutating func skipSpaceAndComments() {
        while position < scalars.count {
            let scalar = scalars[position]
            if scalar.properties.isWhitespace {
                position += 1
            } else if scalar == "/", position + 1 < scalars.count, scalars[position + 1] == "*" {
                position += 2
                while position + 1 < scalars.count, !(scalars[position] == "*" && scalars[position + 1] == "/") {
                    position += 1
                }
                position = min(position + 2, scalars.count)
            } else {
                return
            }
        }
    }

    mutating func readWord() -> String {
        var word = ""
        while position < scalars.count {
            let scalar = scalars[position]
            let isSeparator =
                scalar.properties.isWhitespace
                || ".[]{}(),@#;:?+-*/%|=<>^&!~\"'`$".unicodeScalars.contains(scalar)
            if isSeparator { break }
            word.unicodeScalars.append(scalar)
            position += 1
        }
        return word
    }

    mutating func readNumber() throws(JSONataExpression.SyntaxError) -> Double {
        var text = ""
        func digits() {
            while position < scalars.count, ("0"..."9").contains(scalars[position]) {
                text.unicodeScalars.append(scalars[position])
                position += 1
            }
        }
        digits()
        // A fraction, but not the `..` of a range.
        if position + 1 < scalars.count, scalars[position] == ".", ("0"..."9").contains(scalars[position + 1]) {
            text += "."
            position += 1
            digits()
        }
        if position < scalars.count, scalars[position] == "e" || scalars[position] == "E" {
            text += "e"
            position += 1
            if position < scalars.count, scalars[position] == "+" || scalars[position] == "-" {
                text.unicodeScalars.append(scalars[position])
                position += 1
            }
            digits()
        }
        guard let value = Double(text) else { throw error("Invalid number \(text)") }
        return value
    }

    mutating func readString(_ quote: Unicode.Scalar) throws(JSONataExpression.SyntaxError) -> String {
        position += 1
        var value = ""
        while position < scalars.count, scalars[position] != quote {
            var scalar = scalars[position]
            if scalar == "\\" {
                position += 1
                guard position < scalars.count else { break }
                scalar = scalars[position]
                switch scalar {
                case "n": scalar = "\n"
                case "t": scalar = "\t"
                case "r": scalar = "\r"
                case "b": scalar = "\u{08}"
                case "f": scalar = "\u{0C}"
                case "u":
                    let hex = String(
                        String.UnicodeScalarView(scalars[(position + 1)..<min(position + 5, scalars.count)]))
                    guard hex.count == 4, let code = UInt32(hex, radix: 16), let decoded = Unicode.Scalar(code) else {
                        throw error("Invalid unicode escape")
                    }
                    scalar = decoded
                    position += 4
                default: break  // \" \' \\ \/ stand for themselves
                }
            }
            value.unicodeScalars.append(scalar)
            position += 1
        }
        guard position < scalars.count else { throw error("Unterminated string literal") }
        position += 1
        return value
    }

    mutating func readRegex() throws(JSONataExpression.SyntaxError) -> JSONataToken {
        position += 1
        var pattern = ""
        var inClass = false
        while position < scalars.count {
            let scalar = scalars[position]
            if scalar == "\\", position + 1 < scalars.count {
                pattern.unicodeScalars.append(scalar)
                pattern.unicodeScalars.append(scalars[position + 1])
                position += 2
                continue
            }
            if scalar == "[" { inClass = true }
            if scalar == "]" { inClass = false }
            if scalar == "/" && !inClass { break }
            pattern.unicodeScalars.append(scalar)
            position += 1
        }
        guard position < scalars.count else { throw error("Unterminated regular expression") }
        position += 1
        var flags = ""
        while position < scalars.count, scalars[position] == "i" || scalars[position] == "m" {
            flags.unicodeScalars.append(scalars[position])
            position += 1
        }
        guard !pattern.isEmpty else { throw error("Empty regular expression") }
        return .regex(pattern, flags)
    }
}

struct JSONataParser {
    let tokens: [(JSONataToken, Int)]
    var index = 0

    var current: JSONataToken { tokens[index].0 }

    func error(_ message: String) -> JSONataExpression.SyntaxError {
        JSONataExpression.SyntaxError(message: message, position: tokens[index].1)
    }

    static let bindingPowers: [String: Int] = [
        ".": 75, "[": 80, "{": 70, "(": 80, "@": 80, "#": 80, "?": 20, "?:": 40, "??": 40, "+": 50, "-": 50,
        "*": 60, "/": 60, "%": 60, "=": 40, "<": 40, ">": 40, "^": 40, "!=": 40, "<=": 40, ">=": 40, "~>": 40,
        "and": 30, "or": 25, "in": 40, "&": 50, ":=": 10,
    ]

    func bindingPower(_ token: JSONataToken) -> Int {
        switch token {
        case .op(let op): return Self.bindingPowers[op] ?? 0
        case .name(let name) where ["and", "or", "in"].contains(name): return Self.bindingPowers[name] ?? 0
        default: return 0
        }
    }

    mutating func parseAll() throws(JSONataExpression.SyntaxError) -> JSONataNode {
        let node = try expression(0)
        guard current == .end else { throw error("Unexpected token after the end of the expression") }
        return node
    }

    mutating func advance() -> JSONataToken {
        let token = current
        if index < tokens.count - 1 { index += 1 }
        return token
    }

    mutating func expect(_ op: String) throws(JSONataExpression.SyntaxError) {
        guard current == .op(op) else { throw error("Expected '\(op)'") }
        _ = advance()
    }

    mutating func expression(_ rightBindingPower: Int) throws(JSONataExpression.SyntaxError) -> JSONataNode {
        var left = try prefix(advance())
        while rightBindingPower < bindingPower(current) {
            left = try infix(advance(), left)
        }
        return left
    }

    mutating func prefix(_ token: JSONataToken) throws(JSONataExpression.SyntaxError) -> JSONataNode {
        switch token {
        case .number(let value): return .number(value)
        case .string(let value): return .string(value)
        case .regex(let pattern, let flags):
            var options: NSRegularExpression.Options = []
            if flags.contains("i") { options.insert(.caseInsensitive) }
            if flags.contains("m") { options.insert(.anchorsMatchLines) }
            guard let regex = try? NSRegularExpression(pattern: pattern, options: options) else {
                throw error("Invalid regular expression /\(pattern)/")
            }
            return .regex(regex)
        case .variable(let name): return .variable(name)
        case .name(let name):
            switch name {
            case "true": return .bool(true)
            case "false": return .bool(false)
            case "null": return .null
            case "function", "λ":
                if current == .op("(") { return try lambda() }
                return .name(name)
            default: return .name(name)
            }
        case .op("-"):
            return .negate(try expression(70))
        case .op("*"):
            return .wildcard
        case .op("**"):
            return .descendants
        case .op("("):
            var expressions: [JSONataNode] = []
            while current != .op(")") {
                expressions.append(try expression(0))
                if current != .op(";") { break }
                _ = advance()
            }
            try expect(")")
            return .block(expressions)
        case .op("["):
            var items: [JSONataNode] = []
            if current != .op("]") {
                while true {
                    var item = try expression(0)
                    if current == .op("..") {
                        _ = advance()
                        item = .range(item, try expression(0))
                    }
                    items.append(item)
                    if current != .op(",") { break }
                    _ = advance()
                }
            }
            try expect("]")
            return .array(items)
        case .op("{"):
            return .object(try objectPairs())
        default:
            throw error("Unexpected token")
        }
    }

    mutating func objectPairs() throws(JSONataExpression.SyntaxError) -> [(JSONataNode, JSONataNode)] {
        var pairs: [(JSONataNode, JSONataNode)] = []
        if current != .op("}") {
            while true {
                let key = try expression(0)
                try expect(":")
                let value = try expression(0)
                pairs.append((key, value))
                if current != .op(",") { break }
                _ = advance()
            }
        }
        try expect("}")
        return pairs
    }

    mutating func lambda() throws(JSONataExpression.SyntaxError) -> JSONataNode {
        try expect("(")
        var parameters: [String] = []
        while current != .op(")") {
            guard case .variable(let name) = advance() else { throw error("A function parameter must be a $name") }
            parameters.append(name)
            if current == .op(",") { _ = advance() }
        }
        try expect(")")
        // An optional signature `<n-n:n>` is accepted and ignored.
        if current == .op("<") {
            while current != .op(">") && current != .end { _ = advance() }
            try expect(">")
        }
        try expect("{")
        let body = try expression(0)
        try expect("}")
        return .lambda(parameters, body)
    }

    mutating func infix(_ token: JSONataToken, _ left: JSONataNode) throws(JSONataExpression.SyntaxError)
        -> JSONataNode
    {
        let op: String
        switch token {
        case .op(let value): op = value
        case .name(let value): op = value
        default: throw error("Unexpected token")
        }
        switch op {
        case ".":
            var right = try expression(75)
            if case .array = right { right = .arrayStep(right) }
            return Self.joinPath(left, right)
        case "[":
            if current == .op("]") {
                _ = advance()
                if case .path(let steps, _) = left { return .path(steps, keepArray: true) }
                return .path([left], keepArray: true)
            }
            let predicate = try expression(0)
            try expect("]")
            return .filter(left, predicate)
        case "(":
            var arguments: [JSONataNode] = []
            while current != .op(")") {
                arguments.append(try expression(0))
                if current != .op(",") { break }
                _ = advance()
            }
            try expect(")")
            return .call(left, arguments)
        case "?":
            let then = try expression(0)
            var otherwise: JSONataNode?
            if current == .op(":") {
                _ = advance()
                otherwise = try expression(0)
            }
            return .condition(left, then, otherwise)
        case ":=":
            guard case .variable(let name) = left else { throw error("The left side of := must be a $variable") }
            return .bind(name, try expression(Self.bindingPowers[":="]! - 1))
        case "^":
            try expect("(")
            var terms: [(JSONataNode, Bool)] = []
            while true {
                var descending = false
                if current == .op("<") {
                    _ = advance()
                } else if current == .op(">") {
                    descending = true
                    _ = advance()
                }
                terms.append((try expression(0), descending))
                if current != .op(",") { break }
                _ = advance()
            }
            try expect(")")
            return .sort(left, terms)
        case "~>":
            return .chain(left, try expression(40))
        case "{":
            return .group(left, try objectPairs())
        default:
            let power = Self.bindingPowers[op] ?? 0
            return .binary(op, left, try expression(power))
        }
    }

    static func joinPath(_ left: JSONataNode, _ right: JSONataNode) -> JSONataNode {
        var steps: [JSONataNode]
        var keep = false
        if case .path(let existing, let keepArray) = left {
            steps = existing
            keep = keepArray
        } else {
            steps = [left]
        }
        if case .path(let more, let keepArray) = right {
            steps += more
            keep = keep || keepArray
        } else {
            steps.append(right)
        }
        return .path(steps, keepArray: keep)
    }
}
