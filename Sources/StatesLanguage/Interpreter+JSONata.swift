import Formats
import Foundation
import JSON

extension InterpreterRun {
    // MARK: JSONata states

    /// `$states`: the state's input, the context object, and the result or error output when there is one.
    func statesVariable(
        input: JSONValue, context: PathContext, result: JSONValue? = nil, errorOutput: JSONValue? = nil
    ) -> JSONValue {
        var states = JSONObject()
        states["input"] = input
        states["context"] = context.object
        if let result { states["result"] = result }
        if let errorOutput { states["errorOutput"] = errorOutput }
        return .object(states)
    }

    static func queryError(_ message: String, location: String?) -> StatesError {
        StatesError(ErrorName.queryEvaluationError, message, location: location)
    }

    /// Evaluates a template: `{% … %}` strings are JSONata expressions, everything else stands for itself.
    mutating func evaluateJSONata(_ template: JSONValue, field: String, states: JSONValue, context: PathContext)
        throws(StatesError) -> JSONValue
    {
        switch template {
        case .string(let text):
            guard let source = JSONataExpression.embedded(in: text) else { return template }
            return try evaluateExpression(source, field: field, states: states, context: context)
        case .object(let object):
            var result = JSONObject()
            for (key, value) in object {
                result[key] = try evaluateJSONata(value, field: "\(field)/\(key)", states: states, context: context)
            }
            return .object(result)
        case .array(let items):
            var result: [JSONValue] = []
            for item in items {
                result.append(try evaluateJSONata(item, field: field, states: states, context: context))
            }
            return .array(result)
        default:
            return template
        }
    }

    mutating func evaluateExpression(_ source: String, field: String, states: JSONValue, context: PathContext)
        throws(StatesError) -> JSONValue
    {
        let shown = source.trimmingCharacters(in: .whitespacesAndNewlines)
        let expression: JSONataExpression
        do {
            expression = try JSONataExpression(source)
        } catch {
            throw Self.queryError(
                "The JSONata expression '\(shown)' specified for the field '\(field)' is not valid: \(error)",
                location: field)
        }
        // Workflow variables, inner scopes over outer, and the reserved $states.
        var variables: [String: JSONValue] = [:]
        for scope in context.variables {
            for (name, value) in scope { variables[name] = value }
        }
        variables["states"] = states
        let input = states["input"] ?? .null
        var evaluator = JSONataEvaluator(root: input, now: now, random: random)
        let value: JSONValue?
        do {
            value = try evaluator.evaluate(expression, input: input, variables: variables)
        } catch {
            random = evaluator.random
            throw Self.queryError(
                "The JSONata expression '\(shown)' specified for the field '\(field)' threw an error during evaluation. \(error.message)",
                location: field)
        }
        random = evaluator.random
        guard let value else {
            throw Self.queryError(
                "The JSONata expression '\(shown)' specified for the field '\(field)' returned nothing (undefined).",
                location: field)
        }
        return value
    }

    /// A field that must come out as a given JSON type; AWS's message names the expression, type and value.
    mutating func evaluateJSONata(
        _ template: JSONValue, field: String, expecting expected: String, states: JSONValue, context: PathContext
    ) throws(StatesError) -> JSONValue {
        let value = try evaluateJSONata(template, field: field, states: states, context: context)
        guard Self.typeName(value) == expected || (expected == "integer" && value.integerValue != nil) else {
            let shown =
                template.stringValue.flatMap(JSONataExpression.embedded(in:))?.trimmingCharacters(
                    in: .whitespacesAndNewlines) ?? template.serialized()
            throw Self.queryError(
                "The JSONata expression '\(shown)' specified for the field '\(field)' returned an unexpected result type. Expected '\(expected)', but was '\(Self.typeName(value))' for value: \(value.serialized())",
                location: field)
        }
        return value
    }

    static func typeName(_ value: JSONValue) -> String {
        switch value {
        case .null: return "null"
        case .bool: return "boolean"
        case .string: return "string"
        case .array: return "array"
        case .object: return "object"
        case .int, .double: return "number"
        }
    }

    /// JSONata's Assign: each value a template, all evaluated with the variables as they were, then set.
    mutating func assignJSONata(_ template: JSONValue?, states: JSONValue, context: PathContext) throws(StatesError)
        -> JSONObject?
    {
        let assigned = try jsonataAssignment(template, states: states, context: context)
        setVariables(assigned)
        return assigned
    }

    /// The values a JSONata Assign gives, not yet set.
    mutating func jsonataAssignment(_ template: JSONValue?, states: JSONValue, context: PathContext)
        throws(StatesError) -> JSONObject?
    {
        guard let object = template?.objectValue else { return nil }
        var assigned = JSONObject()
        for (name, value) in object {
            assigned[name] = try evaluateJSONata(value, field: "Assign/\(name)", states: states, context: context)
        }
        return assigned
    }

    /// A JSONata state's output: its Output, or `fallback` (the input, or a task's result) without one.
    mutating func outputJSONata(_ template: JSONValue?, fallback: JSONValue, states: JSONValue, context: PathContext)
        throws(StatesError) -> JSONValue
    {
        guard let template else { return fallback }
        return try evaluateJSONata(template, field: "Output", states: states, context: context)
    }

    /// Pass, Succeed, Fail, Choice and Wait in JSONata.
    mutating func enterJSONata(
        _ definitionState: StateDefinition, _ fields: JSONataFields, input: JSONValue, context: PathContext,
        enteredId: Int
    ) throws(StatesError) -> StateStep {
        let states = statesVariable(input: input, context: context)
        switch definitionState.type {
        case .pass:
            let assigned = try assignJSONata(definitionState.assign, states: states, context: context)
            let output = try outputJSONata(fields.output, fallback: input, states: states, context: context)
            return exit(definitionState, output: output, assigned: assigned)
        case .succeed:
            let output = try outputJSONata(fields.output, fallback: input, states: states, context: context)
            recordExited(definitionState, output: output)
            return .ended(.succeeded(output))
        case .fail:
            var error = definitionState.error
            var cause = definitionState.cause
            if let template = fields.error {
                error = try evaluateJSONata(
                    template, field: "Error", expecting: "string", states: states, context: context
                ).stringValue
            }
            if let template = fields.cause {
                cause = try evaluateJSONata(
                    template, field: "Cause", expecting: "string", states: states, context: context
                ).stringValue
            }
            return .ended(.failed(StatesError(error ?? "", cause)))
        case .choice:
            var target = definitionState.defaultNext
            var assignment = definitionState.assign
            var output = fields.output
            for (index, rule) in definitionState.choices.enumerated() {
                guard case .jsonata(let condition) = rule.condition else { continue }
                let matched = try evaluateJSONata(
                    condition, field: "Choices/\(index)/Condition", expecting: "boolean", states: states,
                    context: context)
                if matched.boolValue == true {
                    target = rule.next
                    assignment = rule.assign
                    output = rule.output
                    break
                }
            }
            guard let target else {
                throw StatesError(
                    ErrorName.noChoiceMatched,
                    "An error occurred while executing the state '\(definitionState.name)' (entered at the event id #\(enteredId)). No Choice matched and no Default is specified."
                )
            }
            let assigned = try assignJSONata(assignment, states: states, context: context)
            let result = try outputJSONata(output, fallback: input, states: states, context: context)
            recordExited(definitionState, output: result, assigned: assigned)
            return .next(target, result)
        case .wait:
            let dueAt: Double
            if let template = fields.seconds {
                let value = try evaluateJSONata(
                    template, field: "Seconds", expecting: "integer", states: states, context: context)
                guard let seconds = value.integerValue, seconds >= 0 else {
                    throw Self.queryError(
                        "The Seconds field must be a non-negative integer, but was \(value.serialized())",
                        location: "Seconds")
                }
                dueAt = now + Double(seconds)
            } else if let template = fields.timestamp {
                let value = try evaluateJSONata(
                    template, field: "Timestamp", expecting: "string", states: states, context: context)
                guard let text = value.stringValue, let date = Timestamp.parse(text) else {
                    throw Self.queryError(
                        "The Timestamp field does not hold a valid ISO-8601 extended offset date-time: \(value.serialized())",
                        location: "Timestamp")
                }
                dueAt = date.timeIntervalSince1970
            } else {
                dueAt = now
            }
            // Assign and Output are worked out on entry, with the variables as they are then.
            let assigned = try jsonataAssignment(definitionState.assign, states: states, context: context)
            let output = try outputJSONata(fields.output, fallback: input, states: states, context: context)
            return wait(
                definitionState, until: dueAt, input: input, output: output, assigned: assigned, enteredId: enteredId)
        default:
            return .ended(.failed(.runtime("\(definitionState.type.rawValue) is not run by enterJSONata")))
        }
    }

    /// The number a JSONata state gives for a field such as TimeoutSeconds: written as a number or computed.
    mutating func jsonataNumber(
        _ template: JSONValue?, field: String, integer: Bool, states: JSONValue, context: PathContext
    ) throws(StatesError) -> Double? {
        guard let template else { return nil }
        let value = try evaluateJSONata(
            template, field: field, expecting: integer ? "integer" : "number", states: states, context: context)
        return value.numberValue
    }
}
