import Foundation
import JSON

/// What never changes during an execution: who it is and what it started with.
public struct ExecutionIdentity: Codable, Sendable, Equatable {
    public var executionArn: String
    public var name: String
    public var stateMachineArn: String
    public var stateMachineName: String
    public var roleArn: String
    /// Epoch seconds.
    public var startTime: Double
    /// The execution input as JSON text (kept as text so key order survives storage).
    public var input: String

    public init(
        executionArn: String, name: String, stateMachineArn: String, stateMachineName: String, roleArn: String,
        startTime: Double, input: String
    ) {
        self.executionArn = executionArn
        self.name = name
        self.stateMachineArn = stateMachineArn
        self.stateMachineName = stateMachineName
        self.roleArn = roleArn
        self.startTime = startTime
        self.input = input
    }
}

public enum ExecutionStatus: String, Codable, Sendable {
    case running = "RUNNING"
    case succeeded = "SUCCEEDED"
    case failed = "FAILED"
    case timedOut = "TIMED_OUT"
    case aborted = "ABORTED"
}

/// Everything the interpreter needs to resume an execution: the orchestrator stores it after every step.
public struct ExecutionState: Codable, Sendable, Equatable {
    public internal(set) var status: ExecutionStatus = .running
    public internal(set) var lastEventId = 0
    public internal(set) var output: String?
    public internal(set) var error: String?
    public internal(set) var cause: String?
    public internal(set) var stopDate: Double?
    /// Names task keys and timers uniquely; apart from event ids because a Distributed Map's iterations record
    /// their events in child executions, not here.
    var serial = 0
    /// Where the execution's main flow waits; Parallel and Map positions hold their branches' and iterations'.
    var root: StatePosition?
    /// The last state the main flow entered, with its input and the variables then: where a redrive starts.
    var redrivePoint: RedrivePoint?
    /// How often RedriveExecution restarted the execution (`$$.Execution.RedriveCount`); optional so states
    /// stored before redrives existed still decode.
    var redrives: Int?
    public internal(set) var redriveCount: Int {
        get { redrives ?? 0 }
        set { redrives = newValue }
    }

    /// Whether RedriveExecution can restart it: it failed, timed out or was stopped after entering a state.
    public var isRedrivable: Bool {
        [.failed, .timedOut, .aborted].contains(status) && redrivePoint != nil
    }

    /// Whether the task waits with its call accepted (TaskSubmitted recorded): a `.sync` child may complete it then.
    public func hasSubmitted(taskKey: String) -> Bool {
        var submitted = false
        root?.visit { position in
            if case .task(let task) = position.activity, task.taskKey == taskKey { submitted = task.submitted }
        }
        return submitted
    }

    /// The tokens of the tasks the execution waits on (several under Parallel and Map).
    public var openTaskTokens: [String] {
        var tokens: [String] = []
        root?.visit { position in
            if case .task(let task) = position.activity, let token = task.token { tokens.append(token) }
        }
        return tokens
    }
}

struct RedrivePoint: Codable, Sendable, Equatable {
    var stateName: String
    var stateInput: String
    var variables: String?
}

/// A state that has been entered and has not finished: it waits for a task, a timer, or its branches.
struct StatePosition: Codable, Sendable, Equatable {
    var stateName: String
    /// The raw state input as JSON text: ResultPath writes the result into it.
    var stateInput: String
    var enteredTime: Double
    var enteredEventId: Int
    var retryCounts: [Int]
    var activity: Activity
    /// The variables its flow assigned, kept while the flow waits here (JSON object text).
    var variables: String? = nil

    enum Activity: Codable, Sendable, Equatable {
        case task(RunningTask)
        /// A Task, Parallel or Map state waiting out a Retry interval.
        case backingOff(timerId: String)
        /// A Wait state; `output` is the state's output, after InputPath and OutputPath, and `assigned` the
        /// variables its Assign sets when it exits.
        case wait(timerId: String, output: String, assigned: String?)
        case parallel(branches: [Flow])
        case map(MapRun)
    }

    /// The variables of the flow waiting here.
    var scope: JSONObject {
        get { variables.flatMap { try? JSONValue.parse($0).objectValue } ?? JSONObject() }
        set { variables = newValue.isEmpty ? nil : JSONValue.object(newValue).serialized() }
    }

    /// Calls `body` on this position and every position below it.
    func visit(_ body: (StatePosition) -> Void) {
        body(self)
        switch activity {
        case .parallel(let flows): for flow in flows { flow.position?.visit(body) }
        case .map(let run): for flow in run.iterations { flow.position?.visit(body) }
        case .task, .backingOff, .wait: break
        }
    }
}

/// One Parallel branch or Map iteration.
enum Flow: Codable, Sendable, Equatable {
    case running(StatePosition)
    case succeeded(output: String)
    case failed(error: String, cause: String?)

    var position: StatePosition? {
        if case .running(let position) = self { return position }
        return nil
    }
}

struct MapRun: Codable, Sendable, Equatable {
    /// Each iteration's input as JSON text, after ItemSelector and ItemBatcher.
    var inputs: [String]
    /// The iterations started so far, in item order.
    var iterations: [Flow]
    /// 0: no limit.
    var maxConcurrency: Int
    var toleratedFailureCount: Int?
    var toleratedFailurePercentage: Double?
    var failures = 0
    /// Set for a Distributed Map: its iterations are child executions, their events not in this history.
    var mapRunArn: String?

    var runningCount: Int { iterations.count { $0.position != nil } }
}

struct RunningTask: Codable, Sendable, Equatable {
    var taskKey: String
    var token: String?
    var submitted: Bool
    var timeoutAt: Double?
    var heartbeatSeconds: Int?
    var heartbeatAt: Double?
}

/// Something that happened to a running execution, from outside the interpreter.
public enum ExecutionEvent: Sendable, Equatable {
    /// The integration accepted a `.waitForTaskToken` call (e.g. SQS answered SendMessage).
    case taskSubmitted(taskKey: String, output: JSONValue)
    /// The task's result: the integration's response, or the output given to SendTaskSuccess.
    case taskSucceeded(taskKey: String, output: JSONValue)
    case taskFailed(taskKey: String, error: String, cause: String?)
    case heartbeat(taskKey: String)
    case timerFired(id: String)
    case stop(error: String?, cause: String?)

    /// The task the event is for, if it is for one.
    public var taskKey: String? {
        switch self {
        case .taskSubmitted(let key, _), .taskSucceeded(let key, _), .taskFailed(let key, _, _), .heartbeat(let key):
            return key
        case .timerFired, .stop:
            return nil
        }
    }
}

/// Work the caller must do after a step; the interpreter itself touches no socket, disk or clock.
public enum Effect: Sendable, Equatable {
    case invoke(TaskInvocation)
    case startTimer(id: String, dueAt: Double)
    case cancelTimer(id: String)
    /// A task token now names a task waiting for SendTask*; `retireToken` closes it for good.
    case issueToken(String, taskKey: String)
    case retireToken(String)
    /// The task whose `invoke` this was has ended before the integration answered (timed out, stopped, aborted
    /// by a sibling, or completed by an early callback): a call still owed must not be made any more.
    case cancelInvocation(taskKey: String)
}

/// One call of an integration that the caller performs and answers with a `taskSubmitted`, `taskSucceeded` or
/// `taskFailed` event for `taskKey`.
public struct TaskInvocation: Codable, Sendable, Equatable {
    public var taskKey: String
    public var stateName: String
    public var resource: TaskResource
    /// Parameters as JSON text.
    public var parameters: String
    public var token: String?
}

/// One history event in the shape of GetExecutionHistory's `HistoryEvent`.
public struct HistoryEvent: Sendable, Equatable {
    public var id: Int
    public var previousEventId: Int
    public var timestamp: Double
    public var type: String
    public var detailsKey: String?
    public var details: JSONObject?

    public var json: JSONValue {
        var object = JSONObject()
        object["timestamp"] = .double(timestamp)
        object["type"] = .string(type)
        object["id"] = .int(id)
        object["previousEventId"] = .int(previousEventId)
        if let detailsKey, let details { object[detailsKey] = .object(details) }
        return .object(object)
    }

    public init(json: JSONValue) throws {
        guard let object = json.objectValue, let id = object["id"]?.integerValue, let type = object["type"]?.stringValue
        else { throw JSONParseError(message: "not a history event", offset: 0) }
        self.id = id
        self.type = type
        self.previousEventId = object["previousEventId"]?.integerValue ?? 0
        self.timestamp = object["timestamp"]?.numberValue ?? 0
        let key = object.keys.first { $0.hasSuffix("EventDetails") }
        self.detailsKey = key
        self.details = key.flatMap { object[$0]?.objectValue }
    }

    init(id: Int, previousEventId: Int, timestamp: Double, type: String, detailsKey: String?, details: JSONObject?) {
        self.id = id
        self.previousEventId = previousEventId
        self.timestamp = timestamp
        self.type = type
        self.detailsKey = detailsKey
        self.details = details
    }
}

/// The result of one step: the new state, the history it wrote and the effects it asks for.
public struct Step: Sendable {
    public var state: ExecutionState
    public var events: [HistoryEvent]
    public var effects: [Effect]
}

/// Stored execution state that does not read back: never run on as if its data were null.
public struct CorruptExecutionState: Error, CustomStringConvertible {
    public var executionArn: String
    public var detail: String

    public init(executionArn: String, detail: String) {
        self.executionArn = executionArn
        self.detail = detail
    }

    public var description: String { "The stored state of \(executionArn) is corrupt: \(detail)" }
}

extension ExecutionState {
    /// Checks that every JSON text the state keeps (state inputs, variables, Wait outputs, branch outputs, Map
    /// inputs) parses, so the interpreter never reads a damaged value as null.
    public func validate(executionArn: String) throws(CorruptExecutionState) {
        var problem: String?
        func check(_ text: String?, _ what: String, in state: String) {
            guard problem == nil, let text, (try? JSONValue.parse(text)) == nil else { return }
            problem = "the \(what) kept for state '\(state)' is not JSON: \(text.prefix(200))"
        }
        if let output { check(output, "output", in: "(execution)") }
        if let point = redrivePoint {
            check(point.stateInput, "redrive input", in: point.stateName)
            check(point.variables, "redrive variables", in: point.stateName)
        }
        root?.visit { position in
            check(position.stateInput, "input", in: position.stateName)
            check(position.variables, "variables", in: position.stateName)
            switch position.activity {
            case .wait(_, let output, let assigned):
                check(output, "Wait output", in: position.stateName)
                check(assigned, "assigned variables", in: position.stateName)
            case .parallel(let flows):
                for case .succeeded(let output) in flows { check(output, "branch output", in: position.stateName) }
            case .map(let run):
                for input in run.inputs { check(input, "iteration input", in: position.stateName) }
                for case .succeeded(let output) in run.iterations {
                    check(output, "iteration output", in: position.stateName)
                }
            case .task, .backingOff:
                break
            }
        }
        if let problem { throw CorruptExecutionState(executionArn: executionArn, detail: problem) }
    }
}
