import Foundation
import JSON

/// Evaluates Parameters, ResultSelector and ItemSelector: keys ending in `.$` take a path or an intrinsic function.
struct PayloadEvaluator {
    let context: PathContext
    var random: ErasedRandom

    mutating func evaluate(_ template: JSONValue, input: JSONValue, field: String = "Parameters") throws(StatesError)
        -> JSONValue
    {
        switch template {
        case .object(let object):
            var result = JSONObject()
            for (key, value) in object {
                if key.hasSuffix(".$") {
                    let name = String(key.dropLast(2))
                    guard let expression = value.stringValue else {
                        throw StatesError.runtime(
                            "The value for the field '\(key)' must be a path or an intrinsic function")
                    }
                    result[name] = try evaluateExpression(expression, input: input, field: key)
                } else {
                    result[key] = try evaluate(value, input: input, field: field)
                }
            }
            return .object(result)
        case .array(let elements):
            var evaluated: [JSONValue] = []
            for element in elements { evaluated.append(try evaluate(element, input: input, field: field)) }
            return .array(evaluated)
        default:
            return template
        }
    }

    mutating func evaluateExpression(_ expression: String, input: JSONValue, field: String) throws(StatesError)
        -> JSONValue
    {
        if expression.hasPrefix("States.") {
            var parser = IntrinsicParser(text: Array(expression.unicodeScalars))
            let call: IntrinsicExpression
            do {
                call = try parser.parseCall()
            } catch {
                throw StatesError(
                    ErrorName.intrinsicFailure, "Invalid intrinsic function call \(expression): \(error.reason)")
            }
            return try evaluateIntrinsic(call, input: input)
        }
        let path: JSONPath
        do {
            path = try JSONPath(expression)
        } catch {
            throw StatesError.runtime(
                "The value for the field '\(field)' must be a valid JSONPath or a valid intrinsic function call")
        }
        do {
            return try path.evaluate(input: input, context: context)
        } catch {
            let source = context.root(of: path, input: input) ?? .null
            throw StatesError.runtime(
                "The JSONPath '\(expression)' specified for the field '\(field)' could not be found in the input '\(source.serialized())'"
            )
        }
    }

    mutating func evaluateIntrinsic(_ expression: IntrinsicExpression, input: JSONValue) throws(StatesError)
        -> JSONValue
    {
        switch expression {
        case .literal(let value):
            return value
        case .path(let text):
            guard let path = try? JSONPath(text) else {
                throw StatesError(ErrorName.intrinsicFailure, "Invalid path \(text)")
            }
            do {
                return try path.evaluate(input: input, context: context)
            } catch {
                throw StatesError.runtime(
                    "The JSONPath '\(text)' could not be found in the input '\(input.serialized())'")
            }
        case .call(let name, let arguments):
            var values: [JSONValue] = []
            for argument in arguments { values.append(try evaluateIntrinsic(argument, input: input)) }
            return try Intrinsics.call(name, values, random: &random)
        }
    }
}

indirect enum IntrinsicExpression: Sendable {
    case literal(JSONValue)
    case path(String)
    case call(String, [IntrinsicExpression])
}

struct IntrinsicParser {
    struct Failure: Error {
        let reason: String
    }

    let text: [Unicode.Scalar]
    var position = 0

    mutating func parseCall() throws(Failure) -> IntrinsicExpression {
        let expression = try parseCallAt()
        skipSpaces()
        guard position == text.count else { throw Failure(reason: "unexpected text after the call") }
        return expression
    }

    private mutating func parseCallAt() throws(Failure) -> IntrinsicExpression {
        var name = ""
        while position < text.count, text[position] != "(" {
            name.unicodeScalars.append(text[position])
            position += 1
        }
        guard position < text.count else { throw Failure(reason: "missing '('") }
        position += 1
        var arguments: [IntrinsicExpression] = []
        skipSpaces()
        if position < text.count, text[position] == ")" {
            position += 1
            return .call(name.trimmingCharacters(in: .whitespaces), arguments)
        }
        let trimmedName = name.trimmingCharacters(in: .whitespaces)
        while true {
            skipSpaces()
            // States.Format's template keeps its escapes: Format itself reads them, so that an escaped brace is
            // not a placeholder. Every other string literal is unescaped here, once.
            arguments.append(try parseArgument(rawString: trimmedName == "States.Format" && arguments.isEmpty))
            skipSpaces()
            guard position < text.count else { throw Failure(reason: "missing ')'") }
            if text[position] == "," {
                position += 1
                continue
            }
            guard text[position] == ")" else { throw Failure(reason: "expected ',' or ')'") }
            position += 1
            return .call(trimmedName, arguments)
        }
    }

    /// In a string literal `\\` is one backslash, `\'` a quote, `\{` and `\}` braces (AWS's intrinsic functions
    /// page); `rawString` keeps the escapes for States.Format, which applies the same rule.
    private mutating func parseArgument(rawString: Bool = false) throws(Failure) -> IntrinsicExpression {
        guard position < text.count else { throw Failure(reason: "missing argument") }
        let scalar = text[position]
        if scalar == "'" {
            position += 1
            var value = ""
            while position < text.count, text[position] != "'" {
                if text[position] == "\\", position + 1 < text.count {
                    if rawString { value.unicodeScalars.append("\\") }
                    value.unicodeScalars.append(text[position + 1])
                    position += 2
                    continue
                }
                value.unicodeScalars.append(text[position])
                position += 1
            }
            guard position < text.count else { throw Failure(reason: "unterminated string") }
            position += 1
            return .literal(.string(value))
        }
        if scalar == "$" {
            var depth = 0
            var path = ""
            while position < text.count {
                let c = text[position]
                if depth == 0 && (c == "," || c == ")") { break }
                if c == "[" || c == "(" { depth += 1 }
                if c == "]" || c == ")" { depth -= 1 }
                path.unicodeScalars.append(c)
                position += 1
            }
            return .path(path.trimmingCharacters(in: .whitespaces))
        }
        if text[position...].starts(with: "States.".unicodeScalars) {
            return try parseCallAt()
        }
        var token = ""
        while position < text.count, text[position] != ",", text[position] != ")" {
            token.unicodeScalars.append(text[position])
            position += 1
        }
        let trimmed = token.trimmingCharacters(in: .whitespaces)
        guard let value = try? JSONValue.parse(trimmed), value.objectValue == nil, value.arrayValue == nil else {
            throw Failure(reason: "invalid argument \(trimmed)")
        }
        return .literal(value)
    }

    private mutating func skipSpaces() {
        while position < text.count, text[position] == " " { position += 1 }
    }
}
