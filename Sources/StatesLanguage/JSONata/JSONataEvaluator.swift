import Foundation
import JSON

/// A JSONata runtime value: JSON, nothing (`undefined`), a sequence a path produced, or a function.
enum JSONataValue {
    case undefined
    case json(JSONValue)
    /// The results of a path; collapses to its only element unless `keepSingleton` (`a[]`).
    case sequence([JSONataValue], keepSingleton: Bool)
    case function(JSONataFunction)
    /// A regular expression literal, passed to `$contains`, `$split`, `$match` and `$replace`.
    case regex(NSRegularExpression)

    var isUndefined: Bool {
        if case .undefined = self { return true }
        return false
    }

    /// The value as JSON; a sequence becomes an array, undefined and functions nil.
    var jsonValue: JSONValue? {
        switch self {
        case .undefined, .function, .regex: return nil
        case .json(let value): return value
        case .sequence(let items, _): return .array(items.compactMap(\.jsonValue))
        }
    }

    /// Elements when the value is an array or sequence.
    var elements: [JSONataValue]? {
        switch self {
        case .sequence(let items, _): return items
        case .json(.array(let items)): return items.map(JSONataValue.json)
        default: return nil
        }
    }

    var number: Double? {
        if case .json(let value) = self { return value.numberValue }
        return nil
    }

    var string: String? {
        if case .json(.string(let value)) = self { return value }
        return nil
    }

    static func number(_ value: Double) -> JSONataValue { .json(JSONataValue.jsonNumber(value)) }

    /// JSONata's numbers are doubles; integral ones print as integers.
    static func jsonNumber(_ value: Double) -> JSONValue {
        if value.rounded() == value, abs(value) < 9_007_199_254_740_992 { return .int(Int(value)) }
        return .double(value)
    }
}

/// A function value: a lambda with the environment it closes over, or a built-in.
final class JSONataFunction {
    enum Body {
        case lambda([String], JSONataNode, JSONataEnvironment)
        case builtin(String)
    }
    let body: Body
    init(_ body: Body) { self.body = body }
}

final class JSONataEnvironment {
    var bindings: [String: JSONataValue] = [:]
    let parent: JSONataEnvironment?

    init(parent: JSONataEnvironment?) { self.parent = parent }

    func lookup(_ name: String) -> JSONataValue? {
        if let value = bindings[name] { return value }
        return parent?.lookup(name)
    }
}

/// A JSONata error, with the reference implementation's code where it has one.
public struct JSONataError: Error, Sendable, CustomStringConvertible {
    public let code: String
    public let message: String
    public var description: String { "\(code): \(message)" }
}

/// Evaluates a JSONata expression against an input with variables bound. `now` and `random` make `$now()`,
/// `$millis()`, `$random()` and `$uuid()` repeatable.
struct JSONataEvaluator {
    let root: JSONValue
    let now: Double
    var random: ErasedRandom

    mutating func evaluate(_ expression: JSONataExpression, input: JSONValue, variables: [String: JSONValue])
        throws(JSONataError) -> JSONValue?
    {
        let environment = JSONataEnvironment(parent: nil)
        for (name, value) in variables { environment.bindings[name] = .json(value) }
        return try evaluate(expression.root, .json(input), environment).jsonValue
    }

    // MARK: Nodes

    mutating func evaluate(_ node: JSONataNode, _ input: JSONataValue, _ environment: JSONataEnvironment)
        throws(JSONataError) -> JSONataValue
    {
        let result: JSONataValue
        switch node {
        case .number(let value): result = .number(value)
        case .string(let value): result = .json(.string(value))
        case .bool(let value): result = .json(.bool(value))
        case .null: result = .json(.null)
        case .regex(let regex): result = .regex(regex)
        case .name(let name): result = Self.lookup(input, name)
        case .variable(let name):
            switch name {
            case "": result = input
            case "$": result = .json(root)
            default: result = environment.lookup(name) ?? Self.builtin(name) ?? .undefined
            }
        case .wildcard: result = Self.wildcard(input)
        case .descendants:
            var found: [JSONataValue] = []
            Self.descendants(input, into: &found)
            result = .sequence(found, keepSingleton: false)
        case .path(let steps, let keepArray): result = try evaluatePath(steps, keepArray: keepArray, input, environment)
        case .arrayStep(let inner): result = try evaluate(inner, input, environment)
        case .filter(let base, let predicate): result = try evaluateFilter(base, predicate, input, environment)
        case .negate(let operand):
            let value = try evaluate(operand, input, environment)
            if value.isUndefined { return .undefined }
            guard let number = value.number else {
                throw JSONataError(code: "D1002", message: "Cannot negate a non-numeric value")
            }
            result = .number(-number)
        case .binary(let op, let left, let right): result = try evaluateBinary(op, left, right, input, environment)
        case .condition(let test, let then, let otherwise):
            if Self.truthy(try evaluate(test, input, environment)) {
                result = try evaluate(then, input, environment)
            } else if let otherwise {
                result = try evaluate(otherwise, input, environment)
            } else {
                result = .undefined
            }
        case .array(let items): result = try evaluateArray(items, input, environment)
        case .range: throw JSONataError(code: "S0211", message: "A range is only allowed inside [ ]")
        case .object(let pairs):
            var object = JSONObject()
            for (keyNode, valueNode) in pairs {
                guard let key = try evaluate(keyNode, input, environment).string else {
                    throw JSONataError(code: "T1003", message: "Key in object structure must evaluate to a string")
                }
                if let value = try evaluate(valueNode, input, environment).jsonValue { object[key] = value }
            }
            result = .json(.object(object))
        case .block(let expressions):
            let scope = JSONataEnvironment(parent: environment)
            var last = JSONataValue.undefined
            for expression in expressions { last = try evaluate(expression, input, scope) }
            result = last
        case .bind(let name, let valueNode):
            let value = try evaluate(valueNode, input, environment)
            environment.bindings[name] = value
            result = value
        case .call(let callee, let argumentNodes):
            let function = try evaluate(callee, input, environment)
            var arguments: [JSONataValue] = []
            for argument in argumentNodes { arguments.append(try evaluate(argument, input, environment)) }
            result = try invoke(function, arguments, input: input, name: Self.calleeName(callee))
        case .lambda(let parameters, let body):
            result = .function(JSONataFunction(.lambda(parameters, body, environment)))
        case .chain(let left, let right):
            let value = try evaluate(left, input, environment)
            if case .call(let callee, let argumentNodes) = right {
                let function = try evaluate(callee, input, environment)
                var arguments = [value]
                for argument in argumentNodes { arguments.append(try evaluate(argument, input, environment)) }
                result = try invoke(function, arguments, input: input, name: Self.calleeName(callee))
            } else {
                result = try invoke(try evaluate(right, input, environment), [value], input: input, name: "~>")
            }
        case .sort(let base, let terms): result = try evaluateSort(base, terms, input, environment)
        case .group(let base, let pairs): result = try evaluateGroup(base, pairs, input, environment)
        }
        return Self.collapse(result)
    }

    static func calleeName(_ node: JSONataNode) -> String {
        if case .variable(let name) = node { return "$" + name }
        return "function"
    }

    /// A sequence of one is its element; of none, nothing.
    static func collapse(_ value: JSONataValue) -> JSONataValue {
        guard case .sequence(let items, let keep) = value else { return value }
        if items.isEmpty { return .undefined }
        if items.count == 1 && !keep { return items[0] }
        return value
    }

    static func lookup(_ input: JSONataValue, _ key: String) -> JSONataValue {
        if let elements = input.elements {
            var found: [JSONataValue] = []
            for element in elements {
                let value = lookup(element, key)
                if let nested = value.elements {
                    found += nested
                } else if !value.isUndefined {
                    found.append(value)
                }
            }
            return .sequence(found, keepSingleton: false)
        }
        if case .json(.object(let object)) = input, let value = object[key] { return .json(value) }
        return .undefined
    }

    static func wildcard(_ input: JSONataValue) -> JSONataValue {
        var found: [JSONataValue] = []
        if let elements = input.elements {
            for element in elements {
                let value = wildcard(element)
                if let inner = value.elements {
                    found += inner
                } else if !value.isUndefined {
                    found.append(value)
                }
            }
        } else if case .json(.object(let object)) = input {
            for (_, value) in object {
                if case .array(let items) = value {
                    found += items.map(JSONataValue.json)
                } else {
                    found.append(.json(value))
                }
            }
        }
        return .sequence(found, keepSingleton: false)
    }

    static func descendants(_ input: JSONataValue, into found: inout [JSONataValue]) {
        if let elements = input.elements {
            for element in elements { descendants(element, into: &found) }
            return
        }
        guard case .json(let value) = input else { return }
        found.append(input)
        if case .object(let object) = value {
            for (_, child) in object { descendants(.json(child), into: &found) }
        }
    }

    mutating func evaluatePath(
        _ steps: [JSONataNode], keepArray: Bool, _ input: JSONataValue, _ environment: JSONataEnvironment
    ) throws(JSONataError) -> JSONataValue {
        var sequence: [JSONataValue]
        if case .variable = steps.first {
            sequence = [input]
        } else {
            sequence = input.elements ?? (input.isUndefined ? [] : [input])
        }
        var result = JSONataValue.sequence([], keepSingleton: keepArray)
        for (index, step) in steps.enumerated() {
            var results: [JSONataValue] = []
            for item in sequence {
                let value = try evaluate(step, item, environment)
                if !value.isUndefined { results.append(value) }
            }
            let isArrayStep: Bool
            if case .arrayStep = step { isArrayStep = true } else { isArrayStep = false }
            if index == steps.count - 1, results.count == 1, case .json(.array) = results[0], !isArrayStep {
                // The last step named one array: that array is the result, not its elements.
                return keepArray ? .sequence(results[0].elements ?? [], keepSingleton: true) : results[0]
            }
            var flattened: [JSONataValue] = []
            for value in results {
                if case .sequence(let items, _) = value {
                    flattened += items
                } else if case .json(.array(let items)) = value, !isArrayStep {
                    flattened += items.map(JSONataValue.json)
                } else {
                    flattened.append(value)
                }
            }
            result = .sequence(flattened, keepSingleton: keepArray)
            if flattened.isEmpty { break }
            sequence = flattened
        }
        return result
    }

    mutating func evaluateFilter(
        _ base: JSONataNode, _ predicate: JSONataNode, _ input: JSONataValue, _ environment: JSONataEnvironment
    ) throws(JSONataError) -> JSONataValue {
        let value = try evaluate(base, input, environment)
        let items = value.elements ?? (value.isUndefined ? [] : [value])
        func resolved(_ index: Double) -> Int {
            let whole = Int(index.rounded(.down))
            return whole < 0 ? items.count + whole : whole
        }
        if case .number(let index) = predicate {
            let position = resolved(index)
            return items.indices.contains(position) ? items[position] : .undefined
        }
        var kept: [JSONataValue] = []
        for (position, item) in items.enumerated() {
            let test = try evaluate(predicate, item, environment)
            if let number = test.number {
                if resolved(number) == position { kept.append(item) }
            } else if let numbers = test.elements, !numbers.isEmpty, numbers.allSatisfy({ $0.number != nil }) {
                if numbers.contains(where: { resolved($0.number!) == position }) { kept.append(item) }
            } else if Self.truthy(test) {
                kept.append(item)
            }
        }
        return .sequence(kept, keepSingleton: false)
    }

    mutating func evaluateArray(_ items: [JSONataNode], _ input: JSONataValue, _ environment: JSONataEnvironment)
        throws(JSONataError) -> JSONataValue
    {
        var result: [JSONValue] = []
        for item in items {
            if case .range(let fromNode, let toNode) = item {
                let from = try evaluate(fromNode, input, environment)
                let to = try evaluate(toNode, input, environment)
                if from.isUndefined || to.isUndefined { continue }
                guard let start = from.number, let end = to.number, start.rounded() == start, end.rounded() == end
                else {
                    throw JSONataError(code: "T2003", message: "The bounds of a range must be integers")
                }
                guard end - start <= 10_000_000 else {
                    throw JSONataError(code: "D2014", message: "A range may hold at most 10,000,000 items")
                }
                if start <= end { result += (Int(start)...Int(end)).map { .int($0) } }
                continue
            }
            let value = try evaluate(item, input, environment)
            if value.isUndefined { continue }
            if case .array = item, let json = value.jsonValue {
                result.append(json)
            } else if let elements = value.elements {
                result += elements.compactMap(\.jsonValue)
            } else if let json = value.jsonValue {
                result.append(json)
            }
        }
        return .json(.array(result))
    }

    mutating func evaluateSort(
        _ base: JSONataNode, _ terms: [(JSONataNode, Bool)], _ input: JSONataValue, _ environment: JSONataEnvironment
    ) throws(JSONataError) -> JSONataValue {
        let value = try evaluate(base, input, environment)
        let items = value.elements ?? (value.isUndefined ? [] : [value])
        var keyed: [([JSONataValue], JSONataValue)] = []
        for item in items {
            var keys: [JSONataValue] = []
            for (term, _) in terms { keys.append(try evaluate(term, item, environment)) }
            keyed.append((keys, item))
        }
        var failure: JSONataError?
        let sorted = keyed.sorted { a, b in
            for (index, (_, descending)) in terms.enumerated() {
                do throws(JSONataError) {
                    let order = try Self.order(a.0[index], b.0[index])
                    if order != 0 { return descending ? order > 0 : order < 0 }
                } catch {
                    failure = error
                    return false
                }
            }
            return false
        }
        if let failure { throw failure }
        return .sequence(sorted.map { $0.1 }, keepSingleton: false)
    }

    /// Groups the base's items by each pair's key, then evaluates the pair's value on its group's items.
    mutating func evaluateGroup(
        _ base: JSONataNode, _ pairs: [(JSONataNode, JSONataNode)], _ input: JSONataValue,
        _ environment: JSONataEnvironment
    ) throws(JSONataError) -> JSONataValue {
        let value = try evaluate(base, input, environment)
        let items = value.elements ?? (value.isUndefined ? [] : [value])
        var order: [String] = []
        var groups: [String: (pair: Int, items: [JSONataValue])] = [:]
        for item in items {
            for (index, (keyNode, _)) in pairs.enumerated() {
                let key = try evaluate(keyNode, item, environment)
                if key.isUndefined { continue }
                guard let name = key.string else {
                    throw JSONataError(code: "T1003", message: "Key in object structure must evaluate to a string")
                }
                if let existing = groups[name] {
                    guard existing.pair == index else {
                        throw JSONataError(
                            code: "D1009", message: "Multiple key definitions evaluate to same key: \(name)")
                    }
                    groups[name]?.items.append(item)
                } else {
                    order.append(name)
                    groups[name] = (index, [item])
                }
            }
        }
        var object = JSONObject()
        for name in order {
            guard let group = groups[name] else { continue }
            let context: JSONataValue =
                group.items.count == 1 ? group.items[0] : .sequence(group.items, keepSingleton: false)
            if let json = try evaluate(pairs[group.pair].1, context, environment).jsonValue { object[name] = json }
        }
        return .json(.object(object))
    }

    /// -1, 0 or 1; numbers with numbers, strings with strings, undefined last.
    static func order(_ a: JSONataValue, _ b: JSONataValue) throws(JSONataError) -> Int {
        if a.isUndefined { return b.isUndefined ? 0 : 1 }
        if b.isUndefined { return -1 }
        if let x = a.number, let y = b.number { return x < y ? -1 : (x > y ? 1 : 0) }
        if let x = a.string, let y = b.string { return x < y ? -1 : (x > y ? 1 : 0) }
        throw JSONataError(code: "T2008", message: "The values to sort must all be numbers or all be strings")
    }

    // MARK: Operators

    mutating func evaluateBinary(
        _ op: String, _ leftNode: JSONataNode, _ rightNode: JSONataNode, _ input: JSONataValue,
        _ environment: JSONataEnvironment
    ) throws(JSONataError) -> JSONataValue {
        switch op {
        case "and":
            guard Self.truthy(try evaluate(leftNode, input, environment)) else { return .json(.bool(false)) }
            return .json(.bool(Self.truthy(try evaluate(rightNode, input, environment))))
        case "or":
            if Self.truthy(try evaluate(leftNode, input, environment)) { return .json(.bool(true)) }
            return .json(.bool(Self.truthy(try evaluate(rightNode, input, environment))))
        case "??":
            let left = try evaluate(leftNode, input, environment)
            return left.isUndefined ? try evaluate(rightNode, input, environment) : left
        case "?:":
            let left = try evaluate(leftNode, input, environment)
            return Self.truthy(left) ? left : try evaluate(rightNode, input, environment)
        default:
            break
        }
        let left = try evaluate(leftNode, input, environment)
        let right = try evaluate(rightNode, input, environment)
        switch op {
        case "+", "-", "*", "/", "%":
            if left.isUndefined || right.isUndefined { return .undefined }
            guard let x = left.number else {
                throw JSONataError(
                    code: "T2001", message: "The left side of the \(op) operator must evaluate to a number")
            }
            guard let y = right.number else {
                throw JSONataError(
                    code: "T2002", message: "The right side of the \(op) operator must evaluate to a number")
            }
            let value: Double
            switch op {
            case "+": value = x + y
            case "-": value = x - y
            case "*": value = x * y
            case "/": value = x / y
            default: value = x.truncatingRemainder(dividingBy: y)
            }
            guard value.isFinite else {
                throw JSONataError(code: "D1001", message: "Number out of range: \(value)")
            }
            return .number(value)
        case "=", "!=":
            if left.isUndefined || right.isUndefined { return .json(.bool(false)) }
            let equal = Self.deepEqual(left, right)
            return .json(.bool(op == "=" ? equal : !equal))
        case "<", "<=", ">", ">=":
            if left.isUndefined || right.isUndefined { return .undefined }
            let comparison: Int
            if let x = left.number, let y = right.number {
                comparison = x < y ? -1 : (x > y ? 1 : 0)
            } else if let x = left.string, let y = right.string {
                comparison = x < y ? -1 : (x > y ? 1 : 0)
            } else {
                throw JSONataError(
                    code: "T2010",
                    message:
                        "The expressions either side of operator \"\(op)\" must evaluate to numeric or string values")
            }
            switch op {
            case "<": return .json(.bool(comparison < 0))
            case "<=": return .json(.bool(comparison <= 0))
            case ">": return .json(.bool(comparison > 0))
            default: return .json(.bool(comparison >= 0))
            }
        case "&":
            return .json(.string(try Self.stringify(left) + Self.stringify(right)))
        case "in":
            if left.isUndefined || right.isUndefined { return .json(.bool(false)) }
            let candidates = right.elements ?? [right]
            return .json(.bool(candidates.contains { Self.deepEqual($0, left) }))
        default:
            throw JSONataError(code: "S0201", message: "Unknown operator \(op)")
        }
    }

    static func deepEqual(_ a: JSONataValue, _ b: JSONataValue) -> Bool {
        guard let x = a.jsonValue, let y = b.jsonValue else { return false }
        if let m = x.numberValue, let n = y.numberValue { return m == n }
        return x == y
    }

    /// JSONata's boolean cast.
    static func truthy(_ value: JSONataValue) -> Bool {
        switch value {
        case .undefined, .function, .regex: return false
        case .sequence(let items, _):
            return items.count == 1 ? truthy(items[0]) : items.contains(where: truthy)
        case .json(let json):
            switch json {
            case .null: return false
            case .bool(let flag): return flag
            case .string(let text): return !text.isEmpty
            case .int(let number): return number != 0
            case .double(let number): return number != 0
            case .array(let items):
                return items.count == 1 ? truthy(.json(items[0])) : items.contains { truthy(.json($0)) }
            case .object(let object): return !object.isEmpty
            }
        }
    }

    /// `$string()`: strings as they are, numbers in JSONata's form, everything else as compact JSON.
    static func stringify(_ value: JSONataValue) throws(JSONataError) -> String {
        switch value {
        case .undefined, .function, .regex: return ""
        case .json(.string(let text)): return text
        default:
            guard let json = value.jsonValue else { return "" }
            if let number = json.numberValue, json.stringValue == nil, json.boolValue == nil {
                guard number.isFinite else {
                    throw JSONataError(
                        code: "D3001", message: "Attempting to invoke string function on Infinity or NaN")
                }
                return JSONataValue.jsonNumber(number).serialized()
            }
            return json.serialized()
        }
    }

    // MARK: Functions

    static func builtin(_ name: String) -> JSONataValue? {
        JSONataFunctions.names.contains(name) ? .function(JSONataFunction(.builtin(name))) : nil
    }

    mutating func invoke(_ callee: JSONataValue, _ arguments: [JSONataValue], input: JSONataValue, name: String)
        throws(JSONataError) -> JSONataValue
    {
        guard case .function(let function) = callee else {
            throw JSONataError(code: "T1006", message: "Attempted to invoke a non-function: \(name)")
        }
        switch function.body {
        case .builtin(let builtin):
            return Self.collapse(try callBuiltin(builtin, arguments, input: input))
        case .lambda(let parameters, let body, let closure):
            let scope = JSONataEnvironment(parent: closure)
            for (index, parameter) in parameters.enumerated() {
                scope.bindings[parameter] = index < arguments.count ? arguments[index] : .undefined
            }
            return try evaluate(body, input, scope)
        }
    }

    /// Calls a function with as many of `arguments` as it declares (for `$map`'s value, index, array).
    mutating func callback(_ function: JSONataValue, _ arguments: [JSONataValue], input: JSONataValue)
        throws(JSONataError) -> JSONataValue
    {
        if case .function(let callee) = function, case .lambda(let parameters, _, _) = callee.body {
            return try invoke(function, Array(arguments.prefix(parameters.count)), input: input, name: "function")
        }
        return try invoke(function, Array(arguments.prefix(1)), input: input, name: "function")
    }
}
