import JSON

/// A JSONPath as ASL uses it: `$.a.b[0]`, `$['x y']`, `$.items[*].id`, `$..name`, `$[1:3]`, `$$.…` for the
/// context object and `$name.…` for a workflow variable. A *reference path* (ResultPath, Choice `Variable`,
/// `SecondsPath`) is a definite one.
public struct JSONPath: Sendable, Equatable, CustomStringConvertible {
    /// What the path starts from.
    public enum Root: Sendable, Equatable {
        /// `$`: the state's input (or whatever the field applies to).
        case input
        /// `$$`: the context object.
        case context
        /// `$name`: a workflow variable set by `Assign`.
        case variable(String)
    }

    public enum Component: Sendable, Equatable {
        case key(String)
        case index(Int)
        case wildcard
        case deepScan(String?)
        case slice(start: Int?, end: Int?, step: Int?)
        case union([Component])
        /// `[?(@.price < 10)]`: the elements (or values) the expression holds for; `text` is as written.
        case filter(FilterExpression, text: String)
    }

    public let text: String
    public let root: Root
    public let components: [Component]

    public var isContextPath: Bool { root == .context }

    public var description: String { text }

    /// True when the path names at most one value (no wildcard, slice, union or deep scan).
    public var isDefinite: Bool {
        components.allSatisfy {
            switch $0 {
            case .key, .index: return true
            default: return false
            }
        }
    }

    public struct SyntaxError: Error, Sendable {
        public let path: String
        public let reason: String
    }

    init(root: Root, components: [Component], text: String) {
        self.root = root
        self.components = components
        self.text = text
    }

    public init(_ text: String) throws(SyntaxError) {
        self.text = text
        var scanner = PathScanner(text: Array(text.unicodeScalars), path: text)
        (root, components) = try scanner.parse()
    }

    /// Reads the value the path names. Throws `PathError` when nothing is there.
    public func evaluate(_ root: JSONValue) throws(PathError) -> JSONValue {
        if isDefinite {
            var current = root
            for component in components {
                switch component {
                case .key(let key):
                    guard let object = current.objectValue, let value = object[key] else {
                        throw PathError(path: text)
                    }
                    current = value
                case .index(let index):
                    guard let array = current.arrayValue else { throw PathError(path: text) }
                    let resolved = index < 0 ? array.count + index : index
                    guard array.indices.contains(resolved) else { throw PathError(path: text) }
                    current = array[resolved]
                default:
                    break
                }
            }
            return current
        }
        var matches = [root]
        for component in components {
            matches = matches.flatMap { Self.apply(component, to: $0, document: root) }
        }
        return .array(matches)
    }

    private static func apply(_ component: Component, to value: JSONValue, document: JSONValue) -> [JSONValue] {
        switch component {
        case .key(let key):
            return value.objectValue?[key].map { [$0] } ?? []
        case .index(let index):
            guard let array = value.arrayValue else { return [] }
            let resolved = index < 0 ? array.count + index : index
            return array.indices.contains(resolved) ? [array[resolved]] : []
        case .wildcard:
            if let array = value.arrayValue { return array }
            if let object = value.objectValue { return object.map(\.value) }
            return []
        case .deepScan(let key):
            var results: [JSONValue] = []
            collect(value, key: key, into: &results)
            return results
        case .slice(let start, let end, let step):
            guard let array = value.arrayValue else { return [] }
            let count = array.count
            let step = step ?? 1
            guard step > 0 else { return [] }
            func clamp(_ bound: Int?, _ fallback: Int) -> Int {
                guard var bound else { return fallback }
                if bound < 0 { bound += count }
                return min(max(bound, 0), count)
            }
            let lower = clamp(start, 0)
            let upper = clamp(end, count)
            guard lower < upper else { return [] }
            return stride(from: lower, to: upper, by: step).map { array[$0] }
        case .union(let parts):
            return parts.flatMap { apply($0, to: value, document: document) }
        case .filter(let expression, _):
            let candidates = value.arrayValue ?? value.objectValue.map { $0.map(\.value) } ?? []
            return candidates.filter { expression.holds(for: $0, root: document) }
        }
    }

    private static func collect(_ value: JSONValue, key: String?, into results: inout [JSONValue]) {
        switch value {
        case .object(let object):
            for (childKey, child) in object {
                if key == nil || childKey == key { results.append(child) }
                collect(child, key: key, into: &results)
            }
        case .array(let array):
            for child in array {
                if key == nil { results.append(child) }
                collect(child, key: key, into: &results)
            }
        default:
            break
        }
    }

    /// Writes `value` at this (definite) path inside `root`, creating objects on the way: ResultPath's rule.
    public func assign(_ value: JSONValue, into root: JSONValue) throws(PathError) -> JSONValue {
        try Self.assign(value, into: root, components[...], path: text)
    }

    private static func assign(
        _ value: JSONValue, into node: JSONValue, _ rest: ArraySlice<Component>, path: String
    ) throws(PathError) -> JSONValue {
        guard let first = rest.first else { return value }
        switch first {
        case .key(let key):
            var object: JSONObject
            switch node {
            case .object(let existing): object = existing
            default:
                throw PathError(
                    path: path, reason: "Unable to apply ResultPath \"\(path)\" to input \(node.serialized())")
            }
            object[key] = try assign(value, into: object[key] ?? .object(JSONObject()), rest.dropFirst(), path: path)
            return .object(object)
        case .index(let index):
            guard var array = node.arrayValue, array.indices.contains(index) else {
                throw PathError(
                    path: path, reason: "Unable to apply ResultPath \"\(path)\" to input \(node.serialized())")
            }
            array[index] = try assign(value, into: array[index], rest.dropFirst(), path: path)
            return .array(array)
        default:
            throw PathError(path: path, reason: "ResultPath \"\(path)\" is not a reference path")
        }
    }

    /// The path as AWS prints it in error causes: `$['a']['b']`.
    public var bracketNotation: String {
        var output = "$"
        for component in components {
            switch component {
            case .key(let key): output += "['\(key)']"
            case .index(let index): output += "[\(index)]"
            case .wildcard: output += "[*]"
            case .deepScan(let key): output += ".." + (key.map { "['\($0)']" } ?? "[*]")
            case .slice(let start, let end, _):
                output += "[\(start.map(String.init) ?? ""):\(end.map(String.init) ?? "")]"
            case .union: output += "[…]"
            case .filter(_, let text): output += "[\(text)]"
            }
        }
        return output
    }
}

/// A JSONPath filter: `[?(@.status == 0 && @.year > 1990)]`.
public indirect enum FilterExpression: Sendable, Equatable {
    case compare(FilterOperand, String, FilterOperand)
    /// `[?(@.isbn)]`: the path names something.
    case exists(FilterOperand)
    case and(FilterExpression, FilterExpression)
    case or(FilterExpression, FilterExpression)
    case not(FilterExpression)

    func holds(for element: JSONValue, root: JSONValue) -> Bool {
        switch self {
        case .and(let a, let b): return a.holds(for: element, root: root) && b.holds(for: element, root: root)
        case .or(let a, let b): return a.holds(for: element, root: root) || b.holds(for: element, root: root)
        case .not(let inner): return !inner.holds(for: element, root: root)
        case .exists(let operand): return operand.value(for: element, root: root) != nil
        case .compare(let left, let op, let right):
            guard let a = left.value(for: element, root: root), let b = right.value(for: element, root: root) else {
                return op == "!="
            }
            if let x = a.numberValue, let y = b.numberValue { return Self.compare(x, op, y) }
            if let x = a.stringValue, let y = b.stringValue { return Self.compare(x, op, y) }
            switch op {
            case "==": return a == b
            case "!=": return a != b
            default: return false
            }
        }
    }
}

extension FilterExpression {
    static func compare<T: Comparable>(_ x: T, _ op: String, _ y: T) -> Bool {
        switch op {
        case "==": return x == y
        case "!=": return x != y
        case "<": return x < y
        case "<=": return x <= y
        case ">": return x > y
        default: return x >= y
        }
    }
}

public enum FilterOperand: Sendable, Equatable {
    /// `@…` (relative to the element) or `$…` (from the document's root).
    case path(relative: Bool, [JSONPath.Component], text: String)
    case literal(JSONValue)

    func value(for element: JSONValue, root: JSONValue) -> JSONValue? {
        switch self {
        case .literal(let value): return value
        case .path(let relative, let components, let text):
            return try? JSONPath(root: .input, components: components, text: text).evaluate(relative ? element : root)
        }
    }
}

/// What a path reads besides the value a field applies to: the context object (`$$`) and the workflow
/// variables in scope (`$name`), innermost scope last.
struct PathContext {
    /// The context object (`$$`), built the first time a path or expression reads it: a state's context is made
    /// at every step, and most steps read none of it.
    private let source: ContextObject
    var variables: [JSONObject] = []

    init(variables: [JSONObject], build: @escaping () -> JSONValue) {
        source = ContextObject(build: build)
        self.variables = variables
    }

    var object: JSONValue { source.value }

    private final class ContextObject {
        private var built: JSONValue?
        private var build: (() -> JSONValue)?

        init(build: @escaping () -> JSONValue) { self.build = build }

        var value: JSONValue {
            if let built { return built }
            let value = build?() ?? .null
            built = value
            build = nil
            return value
        }
    }

    func variable(_ name: String) -> JSONValue? {
        for scope in variables.reversed() {
            if let value = scope[name] { return value }
        }
        return nil
    }

    /// The value a path starts from; nil for a variable that was never assigned.
    func root(of path: JSONPath, input: JSONValue) -> JSONValue? {
        switch path.root {
        case .input: return input
        case .context: return object
        case .variable(let name): return variable(name)
        }
    }
}

extension JSONPath {
    func evaluate(input: JSONValue, context: PathContext) throws(PathError) -> JSONValue {
        guard let root = context.root(of: self, input: input) else { throw PathError(path: text) }
        return try evaluate(root)
    }
}

/// A path that named nothing.
public struct PathError: Error, Sendable {
    public let path: String
    public let reason: String?

    public init(path: String, reason: String? = nil) {
        self.path = path
        self.reason = reason
    }
}

private struct PathScanner {
    let text: [Unicode.Scalar]
    let path: String
    var position = 0

    func error(_ reason: String) -> JSONPath.SyntaxError {
        JSONPath.SyntaxError(path: path, reason: reason)
    }

    mutating func parse() throws(JSONPath.SyntaxError) -> (JSONPath.Root, [JSONPath.Component]) {
        guard position < text.count, text[position] == "$" else { throw error("A path must start with '$'") }
        position += 1
        var root = JSONPath.Root.input
        if position < text.count, text[position] == "$" {
            root = .context
            position += 1
        } else if position < text.count, Self.isNameStart(text[position]) {
            var name = ""
            while position < text.count, Self.isNameStart(text[position]) || ("0"..."9").contains(text[position]) {
                name.unicodeScalars.append(text[position])
                position += 1
            }
            root = .variable(name)
        }
        var components: [JSONPath.Component] = []
        while position < text.count {
            let scalar = text[position]
            if scalar == "." {
                position += 1
                if position < text.count, text[position] == "." {
                    position += 1
                    if position < text.count, text[position] == "*" {
                        position += 1
                        components.append(.deepScan(nil))
                    } else if position < text.count, text[position] == "[" {
                        components.append(.deepScan(nil))
                    } else {
                        components.append(.deepScan(try readName()))
                    }
                } else if position < text.count, text[position] == "*" {
                    position += 1
                    components.append(.wildcard)
                } else {
                    components.append(.key(try readName()))
                }
            } else if scalar == "[" {
                position += 1
                components.append(try readBracket())
            } else {
                throw error("Unexpected character '\(scalar)'")
            }
        }
        return (root, components)
    }

    static func isNameStart(_ scalar: Unicode.Scalar) -> Bool {
        scalar == "_" || ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar)
    }

    mutating func readName() throws(JSONPath.SyntaxError) -> String {
        var name = ""
        while position < text.count, text[position] != ".", text[position] != "[" {
            name.unicodeScalars.append(text[position])
            position += 1
        }
        guard !name.isEmpty else { throw error("Empty field name") }
        return name
    }

    mutating func readBracket() throws(JSONPath.SyntaxError) -> JSONPath.Component {
        var parts: [JSONPath.Component] = []
        while true {
            skipSpaces()
            guard position < text.count else { throw error("Unterminated '['") }
            let scalar = text[position]
            if scalar == "'" || scalar == "\"" {
                parts.append(.key(try readQuoted(scalar)))
            } else if scalar == "*" {
                position += 1
                parts.append(.wildcard)
            } else if scalar == "?" {
                parts.append(try readFilter())
            } else {
                parts.append(try readIndexOrSlice())
            }
            skipSpaces()
            guard position < text.count else { throw error("Unterminated '['") }
            if text[position] == "," {
                position += 1
                continue
            }
            guard text[position] == "]" else { throw error("Expected ']'") }
            position += 1
            return parts.count == 1 ? parts[0] : .union(parts)
        }
    }

    mutating func readQuoted(_ quote: Unicode.Scalar) throws(JSONPath.SyntaxError) -> String {
        position += 1
        var value = ""
        while position < text.count, text[position] != quote {
            // Only the enclosing quote is escaped; any other backslash is part of the key.
            if text[position] == "\\", position + 1 < text.count, text[position + 1] == quote {
                position += 1
            }
            value.unicodeScalars.append(text[position])
            position += 1
        }
        guard position < text.count else { throw error("Unterminated quoted name") }
        position += 1
        return value
    }

    /// `?( … )` inside brackets: comparisons of `@`-relative paths, `$` paths and literals, with `&&`, `||`, `!`.
    mutating func readFilter() throws(JSONPath.SyntaxError) -> JSONPath.Component {
        let start = position
        position += 1
        skipSpaces()
        guard position < text.count, text[position] == "(" else { throw error("Expected '(' after '?'") }
        position += 1
        let expression = try readOr()
        skipSpaces()
        guard position < text.count, text[position] == ")" else { throw error("Expected ')' to close the filter") }
        position += 1
        let written = String(String.UnicodeScalarView(text[start..<position]))
        return .filter(expression, text: written)
    }

    mutating func readOr() throws(JSONPath.SyntaxError) -> FilterExpression {
        var left = try readAnd()
        while consume("||") { left = .or(left, try readAnd()) }
        return left
    }

    mutating func readAnd() throws(JSONPath.SyntaxError) -> FilterExpression {
        var left = try readUnary()
        while consume("&&") { left = .and(left, try readUnary()) }
        return left
    }

    mutating func readUnary() throws(JSONPath.SyntaxError) -> FilterExpression {
        skipSpaces()
        if position < text.count, text[position] == "!", !lookingAt("!=") {
            position += 1
            return .not(try readUnary())
        }
        if position < text.count, text[position] == "(" {
            position += 1
            let inner = try readOr()
            skipSpaces()
            guard position < text.count, text[position] == ")" else { throw error("Expected ')'") }
            position += 1
            return inner
        }
        let left = try readOperand()
        skipSpaces()
        for op in ["==", "!=", "<=", ">=", "<", ">"] where consume(op) {
            return .compare(left, op, try readOperand())
        }
        guard case .path = left else { throw error("A filter needs a comparison or an @ path") }
        return .exists(left)
    }

    mutating func readOperand() throws(JSONPath.SyntaxError) -> FilterOperand {
        skipSpaces()
        guard position < text.count else { throw error("Unterminated filter") }
        let scalar = text[position]
        if scalar == "@" || scalar == "$" {
            let start = position
            position += 1
            var components: [JSONPath.Component] = []
            while position < text.count, text[position] == "." || text[position] == "[" {
                if text[position] == "." {
                    position += 1
                    components.append(.key(try readFilterName()))
                } else {
                    position += 1
                    components.append(try readBracket())
                }
            }
            return .path(
                relative: scalar == "@", components, text: String(String.UnicodeScalarView(text[start..<position])))
        }
        if scalar == "'" || scalar == "\"" {
            return .literal(.string(try readQuoted(scalar)))
        }
        var word = ""
        while position < text.count, !" )&|=!<>".unicodeScalars.contains(text[position]) {
            word.unicodeScalars.append(text[position])
            position += 1
        }
        guard let literal = try? JSONValue.parse(word) else { throw error("Unknown value '\(word)' in a filter") }
        return .literal(literal)
    }

    mutating func readFilterName() throws(JSONPath.SyntaxError) -> String {
        var name = ""
        while position < text.count, !" .[)&|=!<>".unicodeScalars.contains(text[position]) {
            name.unicodeScalars.append(text[position])
            position += 1
        }
        guard !name.isEmpty else { throw error("Empty field name") }
        return name
    }

    func lookingAt(_ literal: String) -> Bool {
        let scalars = Array(literal.unicodeScalars)
        return position + scalars.count <= text.count && Array(text[position..<position + scalars.count]) == scalars
    }

    mutating func consume(_ literal: String) -> Bool {
        skipSpaces()
        guard lookingAt(literal) else { return false }
        position += literal.unicodeScalars.count
        return true
    }

    mutating func readIndexOrSlice() throws(JSONPath.SyntaxError) -> JSONPath.Component {
        var numbers: [Int?] = [readInteger()]
        while position < text.count, text[position] == ":" {
            position += 1
            numbers.append(readInteger())
        }
        if numbers.count == 1 {
            guard let index = numbers[0] else { throw error("Expected an index") }
            return .index(index)
        }
        guard numbers.count <= 3 else { throw error("Invalid slice") }
        return .slice(start: numbers[0], end: numbers[1], step: numbers.count == 3 ? numbers[2] : nil)
    }

    mutating func readInteger() -> Int? {
        skipSpaces()
        var digits = ""
        if position < text.count, text[position] == "-" {
            digits = "-"
            position += 1
        }
        while position < text.count, ("0"..."9").contains(text[position]) {
            digits.unicodeScalars.append(text[position])
            position += 1
        }
        skipSpaces()
        return Int(digits)
    }

    mutating func skipSpaces() {
        while position < text.count, text[position] == " " { position += 1 }
    }
}
