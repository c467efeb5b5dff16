import Formats
import Foundation
import JSON

/// One Choice rule: a comparison on a variable, or And/Or/Not of nested rules. Top-level rules carry `Next`.
public indirect enum ChoiceCondition: Sendable {
    case and([ChoiceCondition])
    case or([ChoiceCondition])
    case not(ChoiceCondition)
    case compare(variable: JSONPath, comparison: Comparison)
    /// JSONata: `Condition`, a boolean or a `{% … %}` expression.
    case jsonata(JSONValue)
}

public enum ComparisonOperand: Sendable {
    case value(JSONValue)
    case path(JSONPath)
}

public struct Comparison: Sendable {
    public let name: String
    public let operand: ComparisonOperand
}

public struct ChoiceRule: Sendable {
    public let condition: ChoiceCondition
    public let next: String?
    /// Variables the rule assigns when it matches (top-level rules only).
    public let assign: JSONValue?
    /// JSONata: the state's output when the rule matches.
    public let output: JSONValue?

    public struct ParseError: Error, Sendable {
        public let message: String
    }

    static let operators: Set<String> = [
        "StringEquals", "StringLessThan", "StringGreaterThan", "StringLessThanEquals", "StringGreaterThanEquals",
        "StringMatches", "NumericEquals", "NumericLessThan", "NumericGreaterThan", "NumericLessThanEquals",
        "NumericGreaterThanEquals", "BooleanEquals", "TimestampEquals", "TimestampLessThan", "TimestampGreaterThan",
        "TimestampLessThanEquals", "TimestampGreaterThanEquals", "IsNull", "IsPresent", "IsNumeric", "IsString",
        "IsBoolean", "IsTimestamp",
    ]

    static func parse(_ json: JSONValue, topLevel: Bool, jsonata: Bool = false) throws(ParseError) -> ChoiceRule {
        guard let object = json.objectValue else { throw ParseError(message: "A choice rule must be an object") }
        if jsonata {
            guard let condition = object["Condition"] else {
                throw ParseError(message: "A choice rule in a JSONata state needs a \"Condition\"")
            }
            for key in object.keys where !["Condition", "Next", "Assign", "Output", "Comment"].contains(key) {
                throw ParseError(message: "The field \"\(key)\" is not supported in a JSONata choice rule")
            }
            guard let next = object["Next"]?.stringValue else {
                throw ParseError(message: "The field \"Next\" is required in a top-level choice rule")
            }
            return ChoiceRule(
                condition: .jsonata(condition), next: next, assign: object["Assign"], output: object["Output"])
        }
        let next = object["Next"]?.stringValue
        if topLevel && next == nil {
            throw ParseError(message: "The field \"Next\" is required in a top-level choice rule")
        }
        if !topLevel && object["Next"] != nil { throw ParseError(message: "Nested choice rules cannot have \"Next\"") }
        if !topLevel && object["Assign"] != nil {
            throw ParseError(message: "Nested choice rules cannot have \"Assign\"")
        }
        return ChoiceRule(condition: try parseCondition(object), next: next, assign: object["Assign"], output: nil)
    }

    private static func parseCondition(_ object: JSONObject) throws(ParseError) -> ChoiceCondition {
        if let list = object["And"] ?? object["Or"] {
            guard let array = list.arrayValue, !array.isEmpty else {
                throw ParseError(message: "And/Or must be a non-empty array of rules")
            }
            var conditions: [ChoiceCondition] = []
            for element in array { conditions.append(try parse(element, topLevel: false).condition) }
            return object["And"] != nil ? .and(conditions) : .or(conditions)
        }
        if let inner = object["Not"] {
            return .not(try parse(inner, topLevel: false).condition)
        }
        guard let variableText = object["Variable"]?.stringValue else {
            throw ParseError(message: "A comparison needs a \"Variable\"")
        }
        let variable: JSONPath
        do {
            variable = try JSONPath(variableText)
        } catch {
            throw ParseError(message: "Invalid path in \"Variable\": \(variableText)")
        }
        let found = object.keys.filter { key in
            operators.contains(key) || (key.hasSuffix("Path") && operators.contains(String(key.dropLast(4))))
        }
        guard found.count == 1, let key = found.first, let value = object[key] else {
            throw ParseError(message: "A comparison needs exactly one comparison operator")
        }
        if key.hasSuffix("Path") && !["IsNull", "IsPresent"].contains(key) {
            guard let text = value.stringValue, let path = try? JSONPath(text) else {
                throw ParseError(message: "\(key) must be a valid reference path")
            }
            return .compare(
                variable: variable, comparison: Comparison(name: String(key.dropLast(4)), operand: .path(path)))
        }
        try checkOperandType(key, value)
        return .compare(variable: variable, comparison: Comparison(name: key, operand: .value(value)))
    }

    private static func checkOperandType(_ name: String, _ value: JSONValue) throws(ParseError) {
        let ok: Bool
        if name.hasPrefix("String") || name.hasPrefix("Timestamp") {
            ok = value.stringValue != nil
        } else if name.hasPrefix("Numeric") {
            ok = value.numberValue != nil
        } else {
            ok = value.boolValue != nil
        }
        if !ok { throw ParseError(message: "\(name) has an operand of the wrong type") }
    }
}

extension ChoiceCondition {
    /// Evaluates the rule against the state's input; `context` answers `$$` paths.
    func evaluate(input: JSONValue, context: PathContext) throws(StatesError) -> Bool {
        switch self {
        case .and(let conditions):
            for condition in conditions where try !condition.evaluate(input: input, context: context) { return false }
            return true
        case .or(let conditions):
            for condition in conditions where try condition.evaluate(input: input, context: context) { return true }
            return false
        case .not(let condition):
            return try !condition.evaluate(input: input, context: context)
        case .jsonata:
            throw StatesError.runtime("A JSONata Condition is evaluated by the interpreter, not as a JSONPath rule")
        case .compare(let variable, let comparison):
            let value = try? variable.evaluate(input: input, context: context)
            switch comparison.name {
            case "IsPresent":
                return (value != nil) == (comparison.operandBool ?? true)
            default:
                break
            }
            guard let value else {
                throw StatesError.runtime(
                    "Invalid path '\(variable.text)': The choice state's condition path references an invalid value.")
            }
            let operand: JSONValue
            switch comparison.operand {
            case .value(let literal): operand = literal
            case .path(let path):
                do {
                    operand = try path.evaluate(input: input, context: context)
                } catch {
                    throw StatesError.runtime(
                        "Invalid path '\(path.text)': The choice state's condition path references an invalid value.")
                }
            }
            return Self.compare(comparison.name, value, operand)
        }
    }

    static func compare(_ name: String, _ value: JSONValue, _ operand: JSONValue) -> Bool {
        switch name {
        case "IsNull": return value.isNull == operand.boolValue
        case "IsNumeric": return (value.numberValue != nil) == operand.boolValue
        case "IsString": return (value.stringValue != nil) == operand.boolValue
        case "IsBoolean": return (value.boolValue != nil) == operand.boolValue
        case "IsTimestamp": return (value.stringValue.flatMap(Timestamp.parse) != nil) == operand.boolValue
        case "BooleanEquals":
            guard let a = value.boolValue, let b = operand.boolValue else { return false }
            return a == b
        case "StringMatches":
            guard let a = value.stringValue, let pattern = operand.stringValue else { return false }
            return StringPattern.matches(a, pattern: pattern)
        default:
            break
        }
        if name.hasPrefix("Numeric") {
            guard let a = value.numberValue, let b = operand.numberValue else { return false }
            return order(name.dropFirst("Numeric".count), a, b)
        }
        if name.hasPrefix("String") {
            guard let a = value.stringValue, let b = operand.stringValue else { return false }
            return order(name.dropFirst("String".count), a, b)
        }
        if name.hasPrefix("Timestamp") {
            guard let a = value.stringValue.flatMap(Timestamp.parse),
                let b = operand.stringValue.flatMap(Timestamp.parse)
            else { return false }
            return order(name.dropFirst("Timestamp".count), a, b)
        }
        return false
    }

    private static func order<T: Comparable>(_ relation: Substring, _ a: T, _ b: T) -> Bool {
        switch relation {
        case "Equals": return a == b
        case "LessThan": return a < b
        case "GreaterThan": return a > b
        case "LessThanEquals": return a <= b
        case "GreaterThanEquals": return a >= b
        default: return false
        }
    }
}

extension Comparison {
    var operandBool: Bool? {
        if case .value(let value) = operand { return value.boolValue }
        return nil
    }
}

/// `StringMatches`: `*` matches any run of characters; `\*` and `\\` are literal.
enum StringPattern {
    static func matches(_ string: String, pattern: String) -> Bool {
        var tokens: [Character?] = []  // nil is a wildcard
        var escaping = false
        for character in pattern {
            if escaping {
                tokens.append(character)
                escaping = false
            } else if character == "\\" {
                escaping = true
            } else if character == "*" {
                tokens.append(nil)
            } else {
                tokens.append(character)
            }
        }
        let text = Array(string)
        // Classic wildcard matching with backtracking to the last star.
        var t = 0
        var p = 0
        var star: Int?
        var mark = 0
        while t < text.count {
            if p < tokens.count, let literal = tokens[p], literal == text[t] {
                t += 1
                p += 1
            } else if p < tokens.count, tokens[p] == nil {
                star = p
                mark = t
                p += 1
            } else if let starIndex = star {
                p = starIndex + 1
                mark += 1
                t = mark
            } else {
                return false
            }
        }
        while p < tokens.count, tokens[p] == nil { p += 1 }
        return p == tokens.count
    }
}
