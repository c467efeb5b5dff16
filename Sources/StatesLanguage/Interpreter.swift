import Formats
import Foundation
import JSON

/// The pure ASL interpreter: definition + execution state + event → new state, history events and effects.
///
/// It reads no clock (the caller passes `now`), draws randomness only from the generator it is given, and asks
/// for I/O through `Effect`s. So it runs the same in the orchestrator, in `callbacksim asl run` on a virtual clock,
/// and in unit tests.
public struct Interpreter: Sendable {
    public let definition: StateMachineDefinition
    public let region: String

    public init(definition: StateMachineDefinition, region: String = "us-east-1") {
        self.definition = definition
        self.region = region
    }

    /// Starts an execution: ExecutionStarted, then every state up to the first that must wait.
    public func start(_ identity: ExecutionIdentity, now: Double, random: inout any RandomNumberGenerator) -> Step {
        var run = InterpreterRun(
            interpreter: self, identity: identity, state: ExecutionState(), now: now, random: random)
        run.start()
        random = run.random.base
        return run.finish()
    }

    /// Restarts a failed, timed-out or stopped execution at the state its main flow last entered, with that
    /// state's input and the variables it saw (RedriveExecution). A Parallel or Map state starts over whole,
    /// where AWS reruns only the branches and iterations that did not succeed. Nil when it cannot be redriven.
    public func redrive(
        state: ExecutionState, identity: ExecutionIdentity, now: Double, random: inout any RandomNumberGenerator
    ) -> Step? {
        guard state.isRedrivable, let point = state.redrivePoint else { return nil }
        var run = InterpreterRun(interpreter: self, identity: identity, state: state, now: now, random: random)
        run.redrive(from: point)
        random = run.random.base
        return run.finish()
    }

    /// Applies one event. Returns nil when the event does not apply (a stale timer, a task already closed):
    /// the caller then changes nothing, and a SendTask* call gets `TaskTimedOut`.
    public func handle(
        _ event: ExecutionEvent, state: ExecutionState, identity: ExecutionIdentity, now: Double,
        random: inout any RandomNumberGenerator
    ) -> Step? {
        guard state.status == .running else { return nil }
        var run = InterpreterRun(interpreter: self, identity: identity, state: state, now: now, random: random)
        guard run.apply(event) else { return nil }
        random = run.random.base
        return run.finish()
    }
}

/// What a flow does after a state: go on to the next, wait, or end (the branch's, iteration's or execution's end).
enum StateStep {
    case next(String, JSONValue)
    case waiting(StatePosition)
    case ended(FlowEnd)
}

enum FlowEnd {
    case succeeded(JSONValue)
    case failed(StatesError)
}

/// Where a flow stands after running as far as it can.
enum FlowProgress {
    case waiting(StatePosition)
    case ended(FlowEnd)
}

/// One step of one execution: the interpreter's working state while it applies an event.
struct InterpreterRun {
    static let maximumPayloadBytes = 262_144
    static let maximumHistoryEvents = 25_000
    static let historyLimitError = StatesError(
        ErrorName.runtime, "The execution reached the maximum number of history events (25000).")

    let interpreter: Interpreter
    let identity: ExecutionIdentity
    var state: ExecutionState
    let now: Double
    var random: ErasedRandom
    var events: [HistoryEvent] = []
    var effects: [Effect] = []
    /// Above zero while a Distributed Map's iterations run: their events belong to child executions.
    var muted = 0
    /// The execution's input, parsed once: every context object holds it.
    let executionInput: JSONValue
    /// The workflow variables in scope, the main flow's first, the flow running now last.
    var scopes: [JSONObject] = []
    /// Set when a state tried to record event 25,000: only the execution's own end may take that id.
    var historyFull = false

    var definition: StateMachineDefinition { interpreter.definition }

    init(
        interpreter: Interpreter, identity: ExecutionIdentity, state: ExecutionState, now: Double,
        random: any RandomNumberGenerator
    ) {
        self.random = ErasedRandom(base: random)
        self.interpreter = interpreter
        self.identity = identity
        self.state = state
        self.now = now
        executionInput = (try? JSONValue.parse(identity.input)) ?? .null
        scopes = [state.root?.scope ?? JSONObject()]
    }

    func finish() -> Step {
        Step(state: state, events: events, effects: effects)
    }

    // MARK: History

    mutating func record(
        _ type: String, _ detailsKey: String? = nil, _ details: JSONObject? = nil, previous: Int? = nil
    ) {
        guard muted == 0 else { return }
        if state.lastEventId >= Self.maximumHistoryEvents - 1, !type.hasPrefix("Execution") {
            historyFull = true
            return
        }
        let id = state.lastEventId + 1
        events.append(
            HistoryEvent(
                id: id, previousEventId: previous ?? state.lastEventId, timestamp: now, type: type,
                detailsKey: detailsKey, details: details))
        state.lastEventId = id
    }

    /// A fresh number for a task key or timer id, unique within the execution.
    mutating func nextSerial() -> Int {
        state.serial += 1
        return state.serial
    }

    // MARK: Start and finish

    mutating func start() {
        record(
            "ExecutionStarted", "executionStartedEventDetails",
            JSONObject([
                ("input", .string(identity.input)), ("inputDetails", ["truncated": false]),
                ("roleArn", .string(identity.roleArn)),
            ]))
        if let timeout = definition.timeoutSeconds {
            effects.append(.startTimer(id: "execution-timeout", dueAt: identity.startTime + Double(timeout)))
        }
        let input = (try? JSONValue.parse(identity.input)) ?? .object(JSONObject())
        settle(proceed(enter(definition.graph, definition.startAt, input: input, first: true), in: definition.graph))
    }

    mutating func redrive(from point: RedrivePoint) {
        state.redriveCount += 1
        state.status = .running
        state.output = nil
        state.error = nil
        state.cause = nil
        state.stopDate = nil
        record(
            "ExecutionRedriven", "executionRedrivenEventDetails",
            JSONObject([("redriveCount", .int(state.redriveCount))]))
        if let timeout = definition.timeoutSeconds {
            effects.append(.startTimer(id: "execution-timeout", dueAt: now + Double(timeout)))
        }
        scopes = [point.variables.flatMap { try? JSONValue.parse($0).objectValue } ?? JSONObject()]
        let input = (try? JSONValue.parse(point.stateInput)) ?? .object(JSONObject())
        settle(proceed(enter(definition.graph, point.stateName, input: input, first: false), in: definition.graph))
    }

    /// Applies an event to the execution; false when nothing waits for it.
    mutating func apply(_ event: ExecutionEvent) -> Bool {
        switch event {
        case .stop(let error, let cause):
            var details = JSONObject()
            if let error { details["error"] = .string(error) }
            if let cause { details["cause"] = .string(cause) }
            record("ExecutionAborted", "executionAbortedEventDetails", details)
            state.status = .aborted
            state.error = error
            state.cause = cause
            close()
            return true
        case .timerFired(let id) where id == "execution-timeout":
            let error = StatesError(ErrorName.timeout, "The execution exceeded the state machine's TimeoutSeconds")
            record("ExecutionTimedOut", "executionTimedOutEventDetails", errorDetails(error))
            state.status = .timedOut
            state.error = error.error.isEmpty ? nil : error.error
            state.cause = error.cause
            close()
            return true
        default:
            guard let root = state.root, let progress = deliver(event, to: root, in: definition.graph) else {
                return false
            }
            settle(progress)
            return true
        }
    }

    /// Where the main flow got to decides the execution: still running, succeeded or failed.
    mutating func settle(_ progress: FlowProgress) {
        if historyFull {
            if case .waiting(let position) = progress { release(position) }
            state.root = nil
            failExecution(Self.historyLimitError)
            return
        }
        switch progress {
        case .waiting(var position):
            position.scope = scopes[0]
            state.root = position
        case .ended(.succeeded(let output)):
            state.root = nil
            succeedExecution(output: output)
        case .ended(.failed(let error)):
            state.root = nil
            failExecution(error)
        }
    }

    mutating func succeedExecution(output: JSONValue) {
        let text = output.serialized()
        record(
            "ExecutionSucceeded", "executionSucceededEventDetails",
            JSONObject([("output", .string(text)), ("outputDetails", ["truncated": false])]))
        state.status = .succeeded
        state.output = text
        close()
    }

    mutating func failExecution(_ error: StatesError) {
        record("ExecutionFailed", "executionFailedEventDetails", errorDetails(error))
        state.status = .failed
        state.error = error.error.isEmpty ? nil : error.error
        state.cause = error.cause
        close()
    }

    mutating func close() {
        state.stopDate = now
        if let root = state.root { release(root) }
        state.root = nil
        if definition.timeoutSeconds != nil { effects.append(.cancelTimer(id: "execution-timeout")) }
    }

    /// Retires the tokens, cancels the timers and the calls still owed of a position and of everything below it.
    mutating func release(_ position: StatePosition) {
        var released: [Effect] = []
        position.visit { position in
            switch position.activity {
            case .task(let running):
                if !running.submitted { released.append(.cancelInvocation(taskKey: running.taskKey)) }
                if let token = running.token { released.append(.retireToken(token)) }
                if running.timeoutAt != nil { released.append(.cancelTimer(id: "timeout:\(running.taskKey)")) }
                if running.heartbeatSeconds != nil {
                    released.append(.cancelTimer(id: "heartbeat:\(running.taskKey)"))
                }
            case .backingOff(let timerId), .wait(let timerId, _, _):
                released.append(.cancelTimer(id: timerId))
            case .parallel, .map:
                break
            }
        }
        effects += released
    }

    /// Stops a flow that a sibling's failure ended: its tokens and timers go, and its states record that they
    /// were aborted, innermost first.
    mutating func abort(_ position: StatePosition, in graph: StateGraph) {
        guard let definitionState = graph.states[position.stateName] else { return }
        switch position.activity {
        case .parallel(let flows):
            for (index, flow) in flows.enumerated() {
                if let child = flow.position { abort(child, in: definitionState.branches[index]) }
            }
        case .map(let run):
            if let settings = definitionState.map { abortIterations(run, of: definitionState, settings) }
            if run.mapRunArn != nil { record("MapRunAborted") }
        case .task, .backingOff, .wait:
            release(position)
        }
        record("\(definitionState.type.rawValue)StateAborted")
    }

    func errorDetails(_ error: StatesError) -> JSONObject {
        var details = JSONObject()
        // A Fail state without Error fails with none: AWS then records `{}`, not an empty error.
        if !error.error.isEmpty { details["error"] = .string(error.error) }
        if let cause = error.cause { details["cause"] = .string(cause) }
        return details
    }

    // MARK: Context object

    /// `retryCount` only for Task states: AWS's context object has no RetryCount for the others.
    /// `mapItem` is `$$.Map.Item`, which a Map state's ItemSelector sees.
    func context(
        stateName: String, enteredTime: Double, retryCount: Int?, token: String?,
        mapItem: (index: Int, value: JSONValue)? = nil
    ) -> PathContext {
        let (identity, executionInput, redriveCount) = (identity, executionInput, state.redriveCount)
        return PathContext(variables: scopes) {
            Self.contextObject(
                identity: identity, executionInput: executionInput, redriveCount: redriveCount, stateName: stateName,
                enteredTime: enteredTime, retryCount: retryCount, token: token, mapItem: mapItem)
        }
    }

    private static func contextObject(
        identity: ExecutionIdentity, executionInput: JSONValue, redriveCount: Int, stateName: String,
        enteredTime: Double, retryCount: Int?, token: String?, mapItem: (index: Int, value: JSONValue)?
    ) -> JSONValue {
        var execution = JSONObject()
        execution["Id"] = .string(identity.executionArn)
        execution["Input"] = executionInput
        execution["Name"] = .string(identity.name)
        execution["RoleArn"] = .string(identity.roleArn)
        execution["StartTime"] = .string(Timestamp.format(Date(timeIntervalSince1970: identity.startTime)))
        execution["RedriveCount"] = .int(redriveCount)
        var context = JSONObject()
        context["Execution"] = .object(execution)
        var stateObject = JSONObject([
            ("EnteredTime", .string(Timestamp.format(Date(timeIntervalSince1970: enteredTime)))),
            ("Name", .string(stateName)),
        ])
        if let retryCount { stateObject["RetryCount"] = .int(retryCount) }
        context["State"] = .object(stateObject)
        context["StateMachine"] = ["Id": .string(identity.stateMachineArn), "Name": .string(identity.stateMachineName)]
        if let token { context["Task"] = ["Token": .string(token)] }
        if let mapItem { context["Map"] = ["Item": ["Index": .int(mapItem.index), "Value": mapItem.value]] }
        return .object(context)
    }

    // MARK: Paths

    func applyInputPath(_ setting: PathSetting, _ input: JSONValue, context: PathContext) throws(StatesError)
        -> JSONValue
    {
        try select(setting, input, context: context, field: "InputPath")
    }

    /// InputPath, then Parameters: what a Task sends, or what a Parallel gives its branches.
    mutating func applyParameters(_ definitionState: StateDefinition, _ stateInput: JSONValue, context: PathContext)
        throws(StatesError) -> (effective: JSONValue, parameters: JSONValue)
    {
        let effective = try applyInputPath(definitionState.inputPath, stateInput, context: context)
        guard let template = definitionState.parameters else { return (effective, effective) }
        return (effective, try evaluate(template, input: effective, context: context))
    }

    func applyOutputPath(_ setting: PathSetting, _ output: JSONValue, context: PathContext) throws(StatesError)
        -> JSONValue
    {
        try select(setting, output, context: context, field: "OutputPath")
    }

    func select(_ setting: PathSetting, _ value: JSONValue, context: PathContext, field: String)
        throws(StatesError)
        -> JSONValue
    {
        switch setting {
        case .absent: return value
        case .null: return .object(JSONObject())
        case .path(let path):
            do {
                return try path.evaluate(input: value, context: context)
            } catch {
                throw StatesError.runtime(
                    "Invalid path '\(path.text)' : No results for path: \(path.bracketNotation)")
            }
        }
    }

    func applyResultPath(_ setting: PathSetting, result: JSONValue, input: JSONValue) throws(StatesError) -> JSONValue {
        switch setting {
        case .absent: return result
        case .null: return input
        case .path(let path):
            if path.components.isEmpty { return result }
            do {
                return try path.assign(result, into: input)
            } catch {
                throw StatesError(
                    ErrorName.resultPathMatchFailure, error.reason ?? "Unable to apply ResultPath \(path.text)")
            }
        }
    }

    // MARK: Flows

    /// Runs a flow's states from `step` on, until one must wait or the flow ends.
    mutating func proceed(_ step: StateStep, in graph: StateGraph) -> FlowProgress {
        var step = step
        while true {
            switch step {
            case .next(let name, let input): step = enter(graph, name, input: input, first: false)
            case .waiting(let position): return .waiting(position)
            case .ended(let end): return .ended(end)
            }
        }
    }

    /// Runs a Parallel branch or a Map iteration from its StartAt, in a variable scope of its own.
    mutating func runFlow(_ graph: StateGraph, input: JSONValue) -> FlowProgress {
        scopes.append(JSONObject())
        return closeScope(proceed(enter(graph, graph.startAt, input: input, first: false), in: graph))
    }

    /// Hands an event to a branch or iteration, in its own variable scope.
    mutating func deliver(_ event: ExecutionEvent, toFlow child: StatePosition, in graph: StateGraph) -> FlowProgress? {
        scopes.append(child.scope)
        guard let progress = deliver(event, to: child, in: graph) else {
            scopes.removeLast()
            return nil
        }
        return closeScope(progress)
    }

    /// Leaves a branch's or iteration's scope; one that waits keeps its variables in its position.
    mutating func closeScope(_ progress: FlowProgress) -> FlowProgress {
        let scope = scopes.removeLast()
        guard case .waiting(var position) = progress else { return progress }
        position.scope = scope
        return .waiting(position)
    }

    /// Evaluates an `Assign` with `value` as its `$` and the variables as they were when the state began, then
    /// sets them in the running flow's scope. Returns what it set, for the state's Exited event.
    mutating func assign(_ template: JSONValue?, _ value: JSONValue, context: PathContext) throws(StatesError)
        -> JSONObject?
    {
        guard let template else { return nil }
        let assigned = try evaluate(template, input: value, context: context, field: "Assign").objectValue
        setVariables(assigned)
        return assigned
    }

    /// Sets variables in the running flow's scope.
    mutating func setVariables(_ assigned: JSONObject?) {
        for (name, value) in assigned ?? JSONObject() { scopes[scopes.count - 1][name] = value }
    }

    /// Hands an event to the position that waits for it, anywhere in the tree, and runs on from there.
    /// Returns nil when no position waits for it (a stale timer, a task already closed).
    mutating func deliver(_ event: ExecutionEvent, to position: StatePosition, in graph: StateGraph) -> FlowProgress? {
        guard let definitionState = graph.states[position.stateName] else { return nil }
        let step: StateStep
        switch position.activity {
        case .task(let running):
            guard let taskStep = deliver(event, toTask: running, of: definitionState, at: position) else { return nil }
            step = taskStep
        case .backingOff(let timerId):
            guard case .timerFired(let id) = event, id == timerId else { return nil }
            step = attempt(definitionState, position)
        case .wait(let timerId, let output, let assignedText):
            guard case .timerFired(let id) = event, id == timerId else { return nil }
            let assigned = assignedText.flatMap { try? JSONValue.parse($0).objectValue }
            setVariables(assigned)
            step = exit(definitionState, output: (try? JSONValue.parse(output)) ?? .null, assigned: assigned)
        case .parallel(let flows):
            guard let parallelStep = deliver(event, toBranches: flows, of: definitionState, at: position) else {
                return nil
            }
            step = parallelStep
        case .map(let run):
            guard let mapStep = deliver(event, toIterations: run, of: definitionState, at: position) else {
                return nil
            }
            step = mapStep
        }
        return proceed(step, in: graph)
    }

    // MARK: Entering states

    /// Enters one state and runs it as far as it goes without waiting.
    mutating func enter(_ graph: StateGraph, _ name: String, input: JSONValue, first: Bool) -> StateStep {
        if historyFull { return .ended(.failed(Self.historyLimitError)) }
        guard let definitionState = graph.states[name] else {
            return .ended(.failed(.runtime("State \(name) does not exist")))
        }
        record(
            "\(definitionState.type.rawValue)StateEntered", "stateEnteredEventDetails",
            JSONObject([
                ("input", .string(input.serialized())), ("inputDetails", ["truncated": false]), ("name", .string(name)),
            ]),
            previous: first ? 0 : nil)
        let enteredId = state.lastEventId
        if scopes.count == 1, muted == 0 {
            // The main flow: a redrive would start here.
            let variables = scopes[0].isEmpty ? nil : JSONValue.object(scopes[0]).serialized()
            state.redrivePoint = RedrivePoint(stateName: name, stateInput: input.serialized(), variables: variables)
        }
        let context = self.context(
            stateName: name, enteredTime: now, retryCount: definitionState.type == .task ? 0 : nil, token: nil)
        if let fields = definitionState.jsonata, ![.task, .parallel, .map].contains(definitionState.type) {
            do throws(StatesError) {
                return try enterJSONata(definitionState, fields, input: input, context: context, enteredId: enteredId)
            } catch {
                return failedOnEntry(error, name: name, enteredId: enteredId)
            }
        }
        do throws(StatesError) {
            switch definitionState.type {
            case .pass:
                let effective = try applyInputPath(definitionState.inputPath, input, context: context)
                var result = effective
                if let parameters = definitionState.parameters {
                    result = try evaluate(parameters, input: effective, context: context)
                }
                if let literal = definitionState.result { result = literal }
                let assigned = try assign(definitionState.assign, result, context: context)
                let merged = try applyResultPath(definitionState.resultPath, result: result, input: input)
                let output = try applyOutputPath(definitionState.outputPath, merged, context: context)
                return exit(definitionState, output: output, assigned: assigned)
            case .succeed:
                let effective = try applyInputPath(definitionState.inputPath, input, context: context)
                let output = try applyOutputPath(definitionState.outputPath, effective, context: context)
                recordExited(definitionState, output: output)
                return .ended(.succeeded(output))
            case .fail:
                var error = definitionState.error
                var cause = definitionState.cause
                if let path = definitionState.errorPath {
                    error = try referencedString(path, field: "ErrorPath", input: input, context: context)
                }
                if let path = definitionState.causePath {
                    cause = try referencedString(path, field: "CausePath", input: input, context: context)
                }
                return .ended(.failed(StatesError(error ?? "", cause)))
            case .choice:
                let effective = try applyInputPath(definitionState.inputPath, input, context: context)
                var target = definitionState.defaultNext
                // A matching rule's Assign, or the state's when the Default is taken.
                var assignment = definitionState.assign
                for rule in definitionState.choices
                where try rule.condition.evaluate(input: effective, context: context) {
                    target = rule.next
                    assignment = rule.assign
                    break
                }
                guard let target else {
                    return .ended(
                        .failed(
                            StatesError(
                                ErrorName.noChoiceMatched,
                                "An error occurred while executing the state '\(name)' (entered at the event id #\(enteredId)). No Choice matched and no Default is specified."
                            )))
                }
                let assigned = try assign(assignment, effective, context: context)
                let output = try applyOutputPath(definitionState.outputPath, effective, context: context)
                recordExited(definitionState, output: output, assigned: assigned)
                return .next(target, output)
            case .wait:
                let effective = try applyInputPath(definitionState.inputPath, input, context: context)
                let dueAt = try waitDeadline(definitionState, input: effective, context: context, enteredId: enteredId)
                let output = try applyOutputPath(definitionState.outputPath, effective, context: context)
                var assigned: JSONObject?
                if let template = definitionState.assign {
                    assigned = try evaluate(template, input: effective, context: context, field: "Assign").objectValue
                }
                return wait(
                    definitionState, until: dueAt, input: input, output: output, assigned: assigned,
                    enteredId: enteredId)
            case .task, .parallel, .map:
                let position = StatePosition(
                    stateName: name, stateInput: input.serialized(), enteredTime: now, enteredEventId: enteredId,
                    retryCounts: Array(repeating: 0, count: definitionState.retry.count),
                    activity: .backingOff(timerId: ""))
                return attempt(definitionState, position)
            }
        } catch {
            return failedOnEntry(error, name: name, enteredId: enteredId)
        }
    }

    /// Pass, Choice, Wait, Succeed and Fail have no Retry or Catch: their errors end the flow.
    mutating func failedOnEntry(_ error: StatesError, name: String, enteredId: Int) -> StateStep {
        let located = withStateLocation(error, name: name, enteredId: enteredId)
        recordEvaluationFailure(located, stateName: name)
        return .ended(.failed(located))
    }

    /// A JSONata failure leaves an EvaluationFailed event before the state's error handling.
    mutating func recordEvaluationFailure(_ error: StatesError, stateName: String) {
        guard error.error == ErrorName.queryEvaluationError else { return }
        var details = JSONObject()
        if let cause = error.cause { details["cause"] = .string(cause) }
        details["error"] = .string(error.error)
        if let location = error.location { details["location"] = .string(location) }
        details["state"] = .string(stateName)
        record("EvaluationFailed", "evaluationFailedEventDetails", details)
    }

    /// A Wait state: exits now when its time has come, or sets a timer and waits; `assigned` takes effect on exit.
    mutating func wait(
        _ waitState: StateDefinition, until dueAt: Double, input: JSONValue, output: JSONValue, assigned: JSONObject?,
        enteredId: Int
    ) -> StateStep {
        if dueAt <= now {
            setVariables(assigned)
            return exit(waitState, output: output, assigned: assigned)
        }
        let timerId = "wait:\(nextSerial())"
        effects.append(.startTimer(id: timerId, dueAt: dueAt))
        return .waiting(
            StatePosition(
                stateName: waitState.name, stateInput: input.serialized(), enteredTime: now, enteredEventId: enteredId,
                retryCounts: [],
                activity: .wait(
                    timerId: timerId, output: output.serialized(),
                    assigned: assigned.map { JSONValue.object($0).serialized() })))
    }

    /// Runs (or, after a Retry interval, runs again) the work of a Task, Parallel or Map state.
    mutating func attempt(_ definitionState: StateDefinition, _ position: StatePosition) -> StateStep {
        switch definitionState.type {
        case .parallel: return startParallel(definitionState, position)
        case .map: return startMap(definitionState, position)
        default: return schedule(definitionState, position)
        }
    }

    mutating func evaluate(_ template: JSONValue, input: JSONValue, context: PathContext, field: String = "Parameters")
        throws(StatesError) -> JSONValue
    {
        var evaluator = PayloadEvaluator(context: context, random: random)
        defer { random = evaluator.random }
        return try evaluator.evaluate(template, input: input, field: field)
    }

    /// ErrorPath/CausePath: a path into the input or context, or an intrinsic function, that names a string.
    mutating func referencedString(_ expression: String, field: String, input: JSONValue, context: PathContext)
        throws(StatesError) -> String?
    {
        var evaluator = PayloadEvaluator(context: context, random: random)
        defer { random = evaluator.random }
        return try evaluator.evaluateExpression(expression, input: input, field: field).stringValue
    }

    func withStateLocation(_ error: StatesError, name: String, enteredId: Int) -> StatesError {
        guard [ErrorName.runtime, ErrorName.queryEvaluationError].contains(error.error), let cause = error.cause,
            !cause.hasPrefix("An error occurred")
        else {
            return error
        }
        return StatesError(
            error.error,
            "An error occurred while executing the state '\(name)' (entered at the event id #\(enteredId)). \(cause)",
            location: error.location)
    }

    mutating func recordExited(_ definitionState: StateDefinition, output: JSONValue, assigned: JSONObject? = nil) {
        var details = JSONObject()
        if let assigned {
            details["assignedVariables"] = .object(
                JSONObject(assigned.map { ($0.key, .string($0.value.serialized())) }))
            details["assignedVariablesDetails"] = ["truncated": false]
        }
        details["name"] = .string(definitionState.name)
        details["output"] = .string(output.serialized())
        details["outputDetails"] = ["truncated": false]
        record("\(definitionState.type.rawValue)StateExited", "stateExitedEventDetails", details)
    }

    mutating func exit(_ definitionState: StateDefinition, output: JSONValue, assigned: JSONObject? = nil) -> StateStep
    {
        // AWS's payload quota: 256 KiB of UTF-8 per state output.
        if output.serialized().utf8.count > Self.maximumPayloadBytes {
            return .ended(
                .failed(
                    StatesError(
                        ErrorName.dataLimitExceeded,
                        "The state/task '\(definitionState.name)' returned a result with a size exceeding the maximum number of bytes service limit."
                    )))
        }
        recordExited(definitionState, output: output, assigned: assigned)
        if let next = definitionState.next { return .next(next, output) }
        return .ended(.succeeded(output))
    }

    func waitDeadline(_ waitState: StateDefinition, input: JSONValue, context: PathContext, enteredId: Int)
        throws(StatesError)
        -> Double
    {
        if let seconds = waitState.seconds { return now + Double(seconds) }
        if let path = waitState.secondsPath {
            let value: JSONValue
            do {
                value = try path.evaluate(input: input, context: context)
            } catch {
                throw StatesError.runtime("Invalid path '\(path.text)' : No results for path: \(path.bracketNotation)")
            }
            guard let seconds = value.integerValue else {
                throw StatesError.runtime(
                    "The SecondsPath parameter cannot be parsed as a long value: \(path.text) == \(value.serialized())")
            }
            guard seconds >= 0 else {
                throw StatesError.runtime(
                    "The SecondsPath parameter references a negative value: \(path.text) == \(value.serialized())")
            }
            return now + Double(seconds)
        }
        let text = waitState.timestamp
        if let path = waitState.timestampPath {
            let value: JSONValue
            do {
                value = try path.evaluate(input: input, context: context)
            } catch {
                throw StatesError.runtime("Invalid path '\(path.text)' : No results for path: \(path.bracketNotation)")
            }
            guard let string = value.stringValue, let date = Timestamp.parse(string) else {
                throw StatesError.runtime(
                    "The TimestampPath parameter does not reference a valid ISO-8601 extended offset date-time format string: \(path.text) == \(value.stringValue ?? value.serialized())"
                )
            }
            return date.timeIntervalSince1970
        }
        guard let text, let date = Timestamp.parse(text) else {
            throw StatesError.runtime(
                "The Timestamp parameter does not reference a valid ISO-8601 extended offset date-time format string: \(text ?? "null")"
            )
        }
        return date.timeIntervalSince1970
    }

    // MARK: Results and errors of Task, Parallel and Map states

    /// ResultSelector, ResultPath and OutputPath over a state's result, then on to the next state.
    mutating func completeState(_ definitionState: StateDefinition, _ position: StatePosition, result: JSONValue)
        -> StateStep
    {
        let stateInput = (try? JSONValue.parse(position.stateInput)) ?? .null
        let context = self.context(
            stateName: definitionState.name, enteredTime: position.enteredTime,
            retryCount: definitionState.type == .task ? position.retryCounts.reduce(0, +) : nil, token: nil)
        if let fields = definitionState.jsonata {
            let states = statesVariable(input: stateInput, context: context, result: result)
            do throws(StatesError) {
                let assigned = try assignJSONata(definitionState.assign, states: states, context: context)
                let output = try outputJSONata(fields.output, fallback: result, states: states, context: context)
                return exit(definitionState, output: output, assigned: assigned)
            } catch {
                return stateFailed(definitionState, position, error)
            }
        }
        do throws(StatesError) {
            var selected = result
            if let selector = definitionState.resultSelector {
                selected = try evaluate(selector, input: result, context: context, field: "ResultSelector")
            }
            let assigned = try assign(definitionState.assign, selected, context: context)
            let merged = try applyResultPath(definitionState.resultPath, result: selected, input: stateInput)
            let output = try applyOutputPath(definitionState.outputPath, merged, context: context)
            return exit(definitionState, output: output, assigned: assigned)
        } catch {
            // Located as every state's own evaluation errors are ("An error occurred while executing the state…").
            return stateFailed(definitionState, position, error)
        }
    }

    /// An error while preparing a state's work (its input, parameters, settings) or shaping its result.
    mutating func stateFailed(_ definitionState: StateDefinition, _ position: StatePosition, _ error: StatesError)
        -> StateStep
    {
        let located = withStateLocation(error, name: definitionState.name, enteredId: position.enteredEventId)
        recordEvaluationFailure(located, stateName: definitionState.name)
        if located.error == ErrorName.queryEvaluationError, definitionState.type == .map,
            retrierIndex(definitionState, position, error: located) == nil
        {
            record("MapStateFailed")
        }
        if ErrorName.isTerminal(located.error) { return .ended(.failed(located)) }
        return handleStateError(definitionState, position, error: located)
    }

    /// Retry, then Catch, then end the flow with the error: ASL's order.
    mutating func handleStateError(_ failedState: StateDefinition, _ position: StatePosition, error: StatesError)
        -> StateStep
    {
        if historyFull { return .ended(.failed(Self.historyLimitError)) }
        if ErrorName.isTerminal(error.error) { return .ended(.failed(error)) }
        var position = position
        if let index = retrierIndex(failedState, position, error: error) {
            let retrier = failedState.retry[index]
            let attempt = position.retryCounts[index]
            var delay = retrier.intervalSeconds * pow(retrier.backoffRate, Double(attempt))
            if let cap = retrier.maxDelaySeconds { delay = min(delay, cap) }
            if retrier.jitterFull { delay = Double.random(in: 0...delay, using: &random) }
            position.retryCounts[index] += 1
            let timerId = "retry:\(nextSerial())"
            position.activity = .backingOff(timerId: timerId)
            effects.append(.startTimer(id: timerId, dueAt: now + delay))
            return .waiting(position)
        }
        if let catcher = failedState.catchers.first(where: { catcher in
            catcher.errorEquals.contains { ErrorName.matches($0, error.error) }
        }) {
            let stateInput = (try? JSONValue.parse(position.stateInput)) ?? .null
            let context = self.context(
                stateName: failedState.name, enteredTime: position.enteredTime, retryCount: nil, token: nil)
            let output: JSONValue
            let assigned: JSONObject?
            do throws(StatesError) {
                if failedState.jsonata != nil {
                    let states = statesVariable(input: stateInput, context: context, errorOutput: errorOutput(error))
                    assigned = try assignJSONata(catcher.assign, states: states, context: context)
                    output = try outputJSONata(
                        catcher.output, fallback: errorOutput(error), states: states, context: context)
                } else {
                    assigned = try assign(catcher.assign, errorOutput(error), context: context)
                    output = try applyResultPath(catcher.resultPath, result: errorOutput(error), input: stateInput)
                }
            } catch {
                return .ended(.failed(error))
            }
            recordExited(failedState, output: output, assigned: assigned)
            return .next(catcher.next, output)
        }
        return .ended(.failed(error))
    }

    /// The retrier that will retry `error`: the first that names it, if it has attempts left.
    func retrierIndex(_ failedState: StateDefinition, _ position: StatePosition, error: StatesError) -> Int? {
        guard !ErrorName.isTerminal(error.error),
            let index = failedState.retry.firstIndex(where: { retrier in
                retrier.errorEquals.contains { ErrorName.matches($0, error.error) }
            }),
            position.retryCounts[index] < failedState.retry[index].maxAttempts
        else { return nil }
        return index
    }

    /// What a catcher passes on: `{"Error": …, "Cause": …}`.
    func errorOutput(_ error: StatesError) -> JSONValue {
        var object = JSONObject()
        if error.error.isEmpty {
            // SendTaskFailure without an error: a catcher sees Error and Cause null.
            object["Error"] = .null
            object["Cause"] = error.cause.map(JSONValue.string) ?? .null
        } else {
            object["Error"] = .string(error.error)
            if let cause = error.cause { object["Cause"] = .string(cause) }
        }
        return .object(object)
    }
}
