import Formats
import JSON

/// A parsed, validated Amazon States Language definition.
public struct StateMachineDefinition: Sendable {
    public let comment: String?
    public let graph: StateGraph
    public var startAt: String { graph.startAt }
    public var states: [String: StateDefinition] { graph.states }
    public let timeoutSeconds: Int?
    public let queryLanguage: QueryLanguage
    /// The definition as given; `DescribeStateMachine` returns it unchanged.
    public let source: JSONValue
    /// What the definition is accepted with but should know, such as fields callbacksim ignores.
    public internal(set) var warnings: [Diagnostic] = []

    public static func parse(_ text: String) throws(InvalidDefinition) -> StateMachineDefinition {
        let json: JSONValue
        do {
            json = try JSONValue.parse(text)
        } catch {
            throw InvalidDefinition([
                Diagnostic(
                    code: "INVALID_JSON_DESCRIPTION", message: "Definition is not valid JSON: \(error)", location: "")
            ])
        }
        return try parse(json)
    }

    public static func parse(_ json: JSONValue) throws(InvalidDefinition) -> StateMachineDefinition {
        var reader = DefinitionReader()
        let definition = reader.readMachine(json)
        if var definition, reader.diagnostics.isEmpty {
            definition.warnings = reader.warnings
            return definition
        }
        throw InvalidDefinition(reader.diagnostics)
    }
}

public enum QueryLanguage: String, Sendable, Codable {
    case jsonPath = "JSONPath"
    case jsonata = "JSONata"
}

public enum StateType: String, Sendable, Codable {
    case task = "Task", pass = "Pass", choice = "Choice", wait = "Wait", succeed = "Succeed", fail = "Fail"
    case parallel = "Parallel", map = "Map"
}

/// A `StartAt` and its `States`: the machine's own, a Parallel branch, or a Map's ItemProcessor.
public struct StateGraph: Sendable {
    public let startAt: String
    public let states: [String: StateDefinition]
}

/// InputPath and OutputPath may be absent (meaning `$`), `null` (meaning `{}`), or a path.
public enum PathSetting: Sendable, Equatable {
    case absent
    case null
    case path(JSONPath)
}

public struct StateDefinition: Sendable {
    public let name: String
    public let type: StateType
    public let next: String?
    public let end: Bool
    public let inputPath: PathSetting
    public let outputPath: PathSetting
    public let resultPath: PathSetting
    public let parameters: JSONValue?
    public let resultSelector: JSONValue?
    public let result: JSONValue?
    /// Workflow variables the state sets when it exits.
    public let assign: JSONValue?
    // Task
    public let resource: TaskResource?
    public let timeoutSeconds: Int?
    public let timeoutSecondsPath: JSONPath?
    public let heartbeatSeconds: Int?
    public let heartbeatSecondsPath: JSONPath?
    public let retry: [Retrier]
    public let catchers: [Catcher]
    // Choice
    public let choices: [ChoiceRule]
    public let defaultNext: String?
    // Wait
    public let seconds: Int?
    public let secondsPath: JSONPath?
    public let timestamp: String?
    public let timestampPath: JSONPath?
    // Fail
    public let error: String?
    /// A reference path or an intrinsic function.
    public let errorPath: String?
    public let cause: String?
    /// A reference path or an intrinsic function.
    public let causePath: String?
    // Parallel
    public let branches: [StateGraph]
    // Map
    public let map: MapSettings?
    /// Set when the state uses JSONata (its own QueryLanguage, or the machine's).
    public let jsonata: JSONataFields?
}

/// A JSONata state's templates and expression-valued fields, as written; `{% … %}` strings are evaluated when the
/// state runs.
public struct JSONataFields: Sendable {
    public let arguments: JSONValue?
    public let output: JSONValue?
    public let items: JSONValue?
    public let timeoutSeconds: JSONValue?
    public let heartbeatSeconds: JSONValue?
    public let seconds: JSONValue?
    public let timestamp: JSONValue?
    public let maxConcurrency: JSONValue?
    public let toleratedFailureCount: JSONValue?
    public let toleratedFailurePercentage: JSONValue?
    public let error: JSONValue?
    public let cause: JSONValue?
}

/// What a Map state iterates over and how.
public struct MapSettings: Sendable {
    public enum Mode: String, Sendable {
        case inline = "INLINE"
        case distributed = "DISTRIBUTED"
    }
    /// `ItemProcessor`, or the legacy `Iterator`.
    public let processor: StateGraph
    public let mode: Mode
    public let itemsPath: PathSetting
    /// `ItemSelector`, or the legacy `Parameters`: each iteration's input.
    public let itemSelector: JSONValue?
    public let maxConcurrency: Int?
    public let maxConcurrencyPath: JSONPath?
    public let toleratedFailureCount: Int?
    public let toleratedFailureCountPath: JSONPath?
    public let toleratedFailurePercentage: Double?
    public let toleratedFailurePercentagePath: JSONPath?
    public let label: String?
    /// ItemBatcher's `MaxItemsPerBatch` and `BatchInput`.
    public let maxItemsPerBatch: Int?
    public let batchInput: JSONValue?
    /// A field callbacksim reads but does not run (ItemReader, ResultWriter): the state fails with a clear cause.
    public let unsupportedField: String?
}

public struct Retrier: Sendable {
    public let errorEquals: [String]
    public let intervalSeconds: Double
    public let maxAttempts: Int
    public let backoffRate: Double
    public let maxDelaySeconds: Double?
    public let jitterFull: Bool
}

public struct Catcher: Sendable {
    public let errorEquals: [String]
    public let next: String
    public let resultPath: PathSetting
    public let assign: JSONValue?
    /// JSONata: the catcher's output (default: the error output).
    public let output: JSONValue?
}

/// A Task's `Resource`, split the way history events name it.
public struct TaskResource: Sendable, Codable, Equatable {
    public enum Pattern: String, Sendable, Codable {
        case requestResponse, sync, waitForTaskToken
    }
    public let arn: String
    /// `sqs`, `sns`, `lambda`, `states`, …
    public let resourceType: String
    /// `sendMessage.waitForTaskToken`, `publish`, `invoke`, …
    public let resource: String
    /// The API action without the pattern suffix: `sendMessage`.
    public let action: String
    public let pattern: Pattern

    /// `.sync:2`: a child execution's output comes back parsed, not as JSON text.
    public var isSync2: Bool { resource.hasSuffix(".sync:2") }

    public init?(arn: String) {
        self.arn = arn
        let parts = ARN.fields(arn).map(String.init)
        guard parts.count >= 6, parts[0] == "arn" else { return nil }
        if parts[2] == "states", parts[3].isEmpty, parts[4].isEmpty {
            // arn:aws:states:::sqs:sendMessage.waitForTaskToken, arn:aws:states:::states:startExecution.sync:2,
            // arn:aws:states:::aws-sdk:sfn:sendTaskSuccess (resource type `aws-sdk:sfn`, as histories name it)
            if parts[5] == "aws-sdk" {
                guard parts.count >= 8, !parts[6].isEmpty, !parts[7].isEmpty else { return nil }
                resourceType = "aws-sdk:" + parts[6]
                resource = parts[7...].joined(separator: ":")
            } else {
                guard parts.count >= 7, !parts[6].isEmpty else { return nil }
                resourceType = parts[5]
                resource = parts[6...].joined(separator: ":")
            }
            if resource.hasSuffix(".waitForTaskToken") {
                pattern = .waitForTaskToken
                action = String(resource.dropLast(".waitForTaskToken".count))
            } else if resource.hasSuffix(".sync") {
                pattern = .sync
                action = String(resource.dropLast(".sync".count))
            } else if resource.hasSuffix(".sync:2") {
                pattern = .sync
                action = String(resource.dropLast(".sync:2".count))
            } else {
                pattern = .requestResponse
                action = resource
            }
        } else if parts[2] == "lambda", parts.count >= 7, parts[5] == "function" {
            // A bare Lambda function ARN: invoked request-response, its payload is the state's input.
            resourceType = "lambda"
            resource = arn
            action = "invoke"
            pattern = .requestResponse
        } else {
            return nil
        }
    }
}

/// Why a definition was refused, in the shape of ValidateStateMachineDefinition's diagnostics.
public struct InvalidDefinition: Error, Sendable, CustomStringConvertible {
    public let diagnostics: [Diagnostic]

    public init(_ diagnostics: [Diagnostic]) {
        self.diagnostics = diagnostics
    }

    /// AWS's `InvalidDefinition` message: "Invalid State Machine Definition: 'CODE: message at /path'".
    public var description: String {
        "Invalid State Machine Definition: '"
            + diagnostics.map { "\($0.code): \($0.message) at /\($0.location)" }.joined(separator: ", ") + "'"
    }
}

public struct Diagnostic: Sendable, Codable, Equatable {
    public let code: String
    public let message: String
    public let location: String
    /// ERROR refuses the definition; WARNING only informs.
    public let severity: String

    public init(code: String, message: String, location: String, severity: String = "ERROR") {
        self.code = code
        self.message = message
        self.location = location
        self.severity = severity
    }
}

extension StateGraph {
    /// Every state of the graph and of the graphs nested in it (Parallel branches, Map processors), with the
    /// path to it (`States.Branch.States.Task`).
    public var allStates: [(location: String, state: StateDefinition)] {
        var found: [(String, StateDefinition)] = []
        func walk(_ graph: StateGraph, _ prefix: String) {
            for (name, state) in graph.states.sorted(by: { $0.key < $1.key }) {
                let location = "\(prefix)States/\(name)"
                found.append((location, state))
                for (index, branch) in state.branches.enumerated() { walk(branch, "\(location)/Branches/\(index)/") }
                if let map = state.map { walk(map.processor, "\(location)/ItemProcessor/") }
            }
        }
        walk(self, "")
        return found
    }
}

extension StateMachineDefinition {
    /// ValidateStateMachineDefinition's checks: the definition's own errors and warnings, and what the machine's
    /// type does not allow (an EXPRESS machine runs no `.sync` or `.waitForTaskToken` task).
    public static func validate(_ text: String, type: String = "STANDARD") -> (
        definition: StateMachineDefinition?, errors: [Diagnostic], warnings: [Diagnostic]
    ) {
        let definition: StateMachineDefinition
        do {
            definition = try parse(text)
        } catch {
            return (nil, error.diagnostics, [])
        }
        var errors: [Diagnostic] = []
        if type == "EXPRESS" {
            for (location, state) in definition.graph.allStates
            where state.resource?.pattern == .waitForTaskToken || state.resource?.pattern == .sync {
                errors.append(
                    Diagnostic(
                        code: "SCHEMA_VALIDATION_FAILED",
                        message:
                            "Express state machines do not support the .sync or .waitForTaskToken service integration patterns",
                        location: location + "/Resource"))
            }
        }
        return (errors.isEmpty ? definition : nil, errors, definition.warnings)
    }
}
