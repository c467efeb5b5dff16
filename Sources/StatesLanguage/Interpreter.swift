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
        var run = Run(interpreter: self, identity: identity, state: ExecutionState(), now: now, random: random)
        run.start()
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
        var run = Run(interpreter: self, identity: identity, state: state, now: now, random: random)
        guard run.apply(event) else { return nil }
        random = run.random.base
        return run.finish()
    }
}

private struct Run {
    static let maximumPayloadBytes = 262_144
    let interpreter: Interpreter
    let identity: ExecutionIdentity
    var state: ExecutionState
    let now: Double
    var random: ErasedRandom
    var events: [HistoryEvent] = []
    var effects: [Effect] = []

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
    }

    func finish() -> Step {
        Step(state: state, events: events, effects: effects)
    }

    // MARK: History

    mutating func record(
        _ type: String, _ detailsKey: String? = nil, _ details: JSONObject? = nil, previous: Int? = nil
    ) {
        let id = state.lastEventId + 1
        events.append(
            HistoryEvent(
                id: id, previousEventId: previous ?? state.lastEventId, timestamp: now, type: type,
                detailsKey: detailsKey, details: details))
        state.lastEventId = id
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
        enter(definition.startAt, input: input, first: true)
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
        state.error = error.error
        state.cause = error.cause
        close()
    }

    mutating func close() {
        state.stopDate = now
        leavePosition()
        state.position = nil
        if definition.timeoutSeconds != nil { effects.append(.cancelTimer(id: "execution-timeout")) }
    }

    /// Retires the token and timers of whatever the execution was waiting on.
    mutating func leavePosition() {
        switch state.position {
        case .task(let task):
            switch task.phase {
            case .running(let running):
                if let token = running.token { effects.append(.retireToken(token)) }
                if running.timeoutAt != nil { effects.append(.cancelTimer(id: "timeout:\(running.taskKey)")) }
                if running.heartbeatSeconds != nil { effects.append(.cancelTimer(id: "heartbeat:\(running.taskKey)")) }
            case .backingOff(let timerId):
                effects.append(.cancelTimer(id: timerId))
            }
        case .wait(let wait):
            effects.append(.cancelTimer(id: wait.timerId))
        case nil:
            break
        }
    }

    func errorDetails(_ error: StatesError) -> JSONObject {
        var details = JSONObject()
        details["error"] = .string(error.error)
        if let cause = error.cause { details["cause"] = .string(cause) }
        return details
    }

    // MARK: Context object

    /// `retryCount` only for Task states: AWS's context object has no RetryCount for the others.
    func context(stateName: String, enteredTime: Double, retryCount: Int?, token: String?) -> JSONValue {
        var execution = JSONObject()
        execution["Id"] = .string(identity.executionArn)
        execution["Input"] = (try? JSONValue.parse(identity.input)) ?? .null
        execution["Name"] = .string(identity.name)
        execution["RoleArn"] = .string(identity.roleArn)
        execution["StartTime"] = .string(Timestamp.format(Date(timeIntervalSince1970: identity.startTime)))
        execution["RedriveCount"] = .int(0)
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
        return .object(context)
    }

    // MARK: Paths

    func applyInputPath(_ setting: PathSetting, _ input: JSONValue, context: JSONValue) throws(StatesError) -> JSONValue
    {
        try select(setting, input, context: context, field: "InputPath")
    }

    func applyOutputPath(_ setting: PathSetting, _ output: JSONValue, context: JSONValue) throws(StatesError)
        -> JSONValue
    {
        try select(setting, output, context: context, field: "OutputPath")
    }

    private func select(_ setting: PathSetting, _ value: JSONValue, context: JSONValue, field: String)
        throws(StatesError)
        -> JSONValue
    {
        switch setting {
        case .absent: return value
        case .null: return .object(JSONObject())
        case .path(let path):
            do {
                return try path.evaluate(path.isContextPath ? context : value)
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

    // MARK: Entering states

    /// Runs states from `name` until one must wait or the execution ends.
    mutating func enter(_ name: String, input: JSONValue, first: Bool = false) {
        var next: (String, JSONValue)? = (name, input)
        var isFirst = first
        while let (stateName, stateInput) = next {
            next = enterOne(stateName, input: stateInput, first: isFirst)
            isFirst = false
        }
    }

    /// Enters one state. Returns where to go next, or nil when the execution waits or ended.
    mutating func enterOne(_ name: String, input: JSONValue, first: Bool) -> (String, JSONValue)? {
        guard let definitionState = definition.states[name] else {
            failExecution(.runtime("State \(name) does not exist"))
            return nil
        }
        record(
            "\(definitionState.type.rawValue)StateEntered", "stateEnteredEventDetails",
            JSONObject([
                ("input", .string(input.serialized())), ("inputDetails", ["truncated": false]), ("name", .string(name)),
            ]),
            previous: first ? 0 : nil)
        let enteredId = state.lastEventId
        let context = self.context(
            stateName: name, enteredTime: now, retryCount: definitionState.type == .task ? 0 : nil, token: nil)
        if definition.queryLanguage == .jsonata {
            failExecution(.runtime("callbacksim does not run JSONata state machines yet (QueryLanguage: JSONata)"))
            return nil
        }
        do throws(StatesError) {
            switch definitionState.type {
            case .pass:
                let effective = try applyInputPath(definitionState.inputPath, input, context: context)
                var result = effective
                if let parameters = definitionState.parameters {
                    var evaluator = PayloadEvaluator(context: context, random: random)
                    result = try evaluator.evaluate(parameters, input: effective)
                    random = evaluator.random
                }
                if let literal = definitionState.result { result = literal }
                let merged = try applyResultPath(definitionState.resultPath, result: result, input: input)
                let output = try applyOutputPath(definitionState.outputPath, merged, context: context)
                return exit(definitionState, output: output)
            case .succeed:
                let effective = try applyInputPath(definitionState.inputPath, input, context: context)
                let output = try applyOutputPath(definitionState.outputPath, effective, context: context)
                record(
                    "SucceedStateExited", "stateExitedEventDetails",
                    JSONObject([
                        ("name", .string(name)), ("output", .string(output.serialized())),
                        ("outputDetails", ["truncated": false]),
                    ]))
                succeedExecution(output: output)
                return nil
            case .fail:
                var error = definitionState.error
                var cause = definitionState.cause
                if let path = definitionState.errorPath {
                    error = try referencedString(path, field: "ErrorPath", input: input, context: context)
                }
                if let path = definitionState.causePath {
                    cause = try referencedString(path, field: "CausePath", input: input, context: context)
                }
                failExecution(StatesError(error ?? "", cause))
                return nil
            case .choice:
                let effective = try applyInputPath(definitionState.inputPath, input, context: context)
                var target = definitionState.defaultNext
                for rule in definitionState.choices
                where try rule.condition.evaluate(input: effective, context: context) {
                    target = rule.next
                    break
                }
                guard let target else {
                    failExecution(
                        StatesError(
                            ErrorName.noChoiceMatched,
                            "An error occurred while executing the state '\(name)' (entered at the event id #\(enteredId)). No Choice matched and no Default is specified."
                        ))
                    return nil
                }
                let output = try applyOutputPath(definitionState.outputPath, effective, context: context)
                record(
                    "ChoiceStateExited", "stateExitedEventDetails",
                    JSONObject([
                        ("name", .string(name)), ("output", .string(output.serialized())),
                        ("outputDetails", ["truncated": false]),
                    ]))
                return (target, output)
            case .wait:
                let effective = try applyInputPath(definitionState.inputPath, input, context: context)
                let dueAt = try waitDeadline(definitionState, input: effective, context: context, enteredId: enteredId)
                let output = try applyOutputPath(definitionState.outputPath, effective, context: context)
                if dueAt <= now {
                    return exit(definitionState, output: output)
                }
                let timerId = "wait:\(enteredId)"
                state.position = .wait(WaitPosition(stateName: name, output: output.serialized(), timerId: timerId))
                effects.append(.startTimer(id: timerId, dueAt: dueAt))
                return nil
            case .task:
                let position = TaskPosition(
                    stateName: name, stateInput: input.serialized(), enteredTime: now,
                    retryCounts: Array(repeating: 0, count: definitionState.retry.count),
                    phase: .backingOff(timerId: ""))
                return schedule(definitionState, position)
            case .parallel, .map:
                failExecution(
                    .runtime(
                        "callbacksim does not run \(definitionState.type.rawValue) states yet (state '\(name)')"))
                return nil
            }
        } catch {
            if ErrorName.isTerminal(error.error) || ![.task, .parallel, .map].contains(definitionState.type) {
                failExecution(withStateLocation(error, name: name, enteredId: enteredId))
                return nil
            }
            return handleStateError(definitionState, stateInput: input, error: error)
        }
    }

    func referencedString(_ path: JSONPath, field: String, input: JSONValue, context: JSONValue) throws(StatesError)
        -> String?
    {
        do {
            return try path.evaluate(path.isContextPath ? context : input).stringValue
        } catch {
            throw StatesError.runtime(
                "The JSONPath '\(path.text)' specified for the field '\(field)' could not be found in the input '\(input.serialized())'"
            )
        }
    }

    func withStateLocation(_ error: StatesError, name: String, enteredId: Int) -> StatesError {
        guard error.error == ErrorName.runtime, let cause = error.cause, !cause.hasPrefix("An error occurred") else {
            return error
        }
        return StatesError(
            error.error,
            "An error occurred while executing the state '\(name)' (entered at the event id #\(enteredId)). \(cause)")
    }

    mutating func exit(_ definitionState: StateDefinition, output: JSONValue) -> (String, JSONValue)? {
        // AWS's payload quota: 256 KiB of UTF-8 per state output.
        if output.serialized().utf8.count > Self.maximumPayloadBytes {
            failExecution(
                StatesError(
                    ErrorName.dataLimitExceeded,
                    "The state/task '\(definitionState.name)' returned a result with a size exceeding the maximum number of bytes service limit."
                ))
            return nil
        }
        record(
            "\(definitionState.type.rawValue)StateExited", "stateExitedEventDetails",
            JSONObject([
                ("name", .string(definitionState.name)), ("output", .string(output.serialized())),
                ("outputDetails", ["truncated": false]),
            ]))
        if let next = definitionState.next { return (next, output) }
        succeedExecution(output: output)
        return nil
    }

    func waitDeadline(_ waitState: StateDefinition, input: JSONValue, context: JSONValue, enteredId: Int)
        throws(StatesError)
        -> Double
    {
        if let seconds = waitState.seconds { return now + Double(seconds) }
        if let path = waitState.secondsPath {
            let value: JSONValue
            do {
                value = try path.evaluate(path.isContextPath ? context : input)
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
                value = try path.evaluate(path.isContextPath ? context : input)
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

    // MARK: Tasks

    /// Schedules (or reschedules, after a retry back-off) the task of a Task state.
    mutating func schedule(_ taskState: StateDefinition, _ position: TaskPosition) -> (String, JSONValue)? {
        guard let resource = taskState.resource else { return nil }
        var position = position
        let stateInput = (try? JSONValue.parse(position.stateInput)) ?? .null
        let token = resource.pattern == .waitForTaskToken ? TaskToken.mint(using: &random) : nil
        let retryCount = position.retryCounts.reduce(0, +)
        let context = self.context(
            stateName: taskState.name, enteredTime: position.enteredTime, retryCount: retryCount, token: token)
        let parameters: JSONValue
        let timeout: Int?
        let heartbeat: Int?
        do throws(StatesError) {
            let effective = try applyInputPath(taskState.inputPath, stateInput, context: context)
            if let template = taskState.parameters {
                var evaluator = PayloadEvaluator(context: context, random: random)
                parameters = try evaluator.evaluate(template, input: effective)
                random = evaluator.random
            } else {
                parameters = effective
            }
            let timeoutFromPath = try secondsFromPath(taskState.timeoutSecondsPath, effective, "TimeoutSecondsPath")
            let heartbeatFromPath = try secondsFromPath(
                taskState.heartbeatSecondsPath, effective, "HeartbeatSecondsPath")
            timeout = taskState.timeoutSeconds ?? timeoutFromPath
            heartbeat = taskState.heartbeatSeconds ?? heartbeatFromPath
        } catch {
            if ErrorName.isTerminal(error.error) {
                failExecution(withStateLocation(error, name: taskState.name, enteredId: state.lastEventId))
                return nil
            }
            return handleStateError(taskState, stateInput: stateInput, error: error)
        }
        let taskKey = String(state.lastEventId + 1)
        var scheduled = JSONObject()
        scheduled["resourceType"] = .string(resource.resourceType)
        scheduled["resource"] = .string(resource.resource)
        scheduled["region"] = .string(interpreter.region)
        scheduled["parameters"] = .string(parameters.serialized())
        if let timeout { scheduled["timeoutInSeconds"] = .int(timeout) }
        if let heartbeat { scheduled["heartbeatInSeconds"] = .int(heartbeat) }
        record("TaskScheduled", "taskScheduledEventDetails", scheduled)
        record("TaskStarted", "taskStartedEventDetails", resourceDetails(resource))
        let timeoutAt = timeout.map { now + Double($0) }
        let heartbeatAt = heartbeat.map { now + Double($0) }
        position.phase = .running(
            RunningTask(
                taskKey: taskKey, token: token, submitted: false, timeoutAt: timeoutAt, heartbeatSeconds: heartbeat,
                heartbeatAt: heartbeatAt))
        state.position = .task(position)
        if let token { effects.append(.issueToken(token, taskKey: taskKey)) }
        effects.append(
            .invoke(
                TaskInvocation(
                    taskKey: taskKey, stateName: taskState.name, resource: resource,
                    parameters: parameters.serialized(), token: token)))
        if let timeoutAt { effects.append(.startTimer(id: "timeout:\(taskKey)", dueAt: timeoutAt)) }
        if let heartbeatAt { effects.append(.startTimer(id: "heartbeat:\(taskKey)", dueAt: heartbeatAt)) }
        return nil
    }

    func secondsFromPath(_ path: JSONPath?, _ input: JSONValue, _ field: String) throws(StatesError) -> Int? {
        guard let path else { return nil }
        guard let value = try? path.evaluate(input), let seconds = value.integerValue, seconds > 0 else {
            throw StatesError.runtime(
                "The \(field) parameter does not reference a valid positive integer: \(path.text)")
        }
        return seconds
    }

    func resourceDetails(_ resource: TaskResource) -> JSONObject {
        JSONObject([("resourceType", .string(resource.resourceType)), ("resource", .string(resource.resource))])
    }

    /// The running task, when the event names it; nil means the event is stale.
    func runningTask(_ key: String) -> (StateDefinition, TaskPosition, RunningTask)? {
        guard case .task(let position) = state.position, case .running(let running) = position.phase,
            running.taskKey == key, let taskState = definition.states[position.stateName]
        else { return nil }
        return (taskState, position, running)
    }

    mutating func apply(_ event: ExecutionEvent) -> Bool {
        switch event {
        case .taskSubmitted(let key, let output):
            guard let (taskState, position, running) = runningTask(key), !running.submitted,
                let resource = taskState.resource
            else { return false }
            var details = resourceDetails(resource)
            details["output"] = .string(output.serialized())
            details["outputDetails"] = ["truncated": false]
            record("TaskSubmitted", "taskSubmittedEventDetails", details)
            var updated = running
            updated.submitted = true
            var newPosition = position
            newPosition.phase = .running(updated)
            state.position = .task(newPosition)
            return true

        case .taskSucceeded(let key, let output):
            guard let (taskState, position, _) = runningTask(key), let resource = taskState.resource else {
                return false
            }
            var details = resourceDetails(resource)
            details["output"] = .string(output.serialized())
            details["outputDetails"] = ["truncated": false]
            record("TaskSucceeded", "taskSucceededEventDetails", details)
            leavePosition()
            state.position = nil
            completeTask(taskState, position, result: output)
            return true

        case .taskFailed(let key, let error, let cause):
            guard let (taskState, position, _) = runningTask(key), let resource = taskState.resource else {
                return false
            }
            var details = resourceDetails(resource)
            // SendTaskFailure without an error: AWS records none, and a catcher sees Error and Cause null.
            if !error.isEmpty { details["error"] = .string(error) }
            if let cause { details["cause"] = .string(cause) }
            record("TaskFailed", "taskFailedEventDetails", details)
            leavePosition()
            state.position = nil
            failTask(taskState, position, StatesError(error, cause))
            return true

        case .heartbeat(let key):
            guard let (_, position, running) = runningTask(key) else { return false }
            guard let seconds = running.heartbeatSeconds else { return true }
            var updated = running
            updated.heartbeatAt = now + Double(seconds)
            var newPosition = position
            newPosition.phase = .running(updated)
            state.position = .task(newPosition)
            effects.append(.startTimer(id: "heartbeat:\(key)", dueAt: now + Double(seconds)))
            return true

        case .timerFired(let id):
            return fire(id)

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
        }
    }

    mutating func fire(_ id: String) -> Bool {
        if id == "execution-timeout" {
            let error = StatesError(ErrorName.timeout, "The execution exceeded the state machine's TimeoutSeconds")
            record("ExecutionTimedOut", "executionTimedOutEventDetails", errorDetails(error))
            state.status = .timedOut
            state.error = error.error
            state.cause = error.cause
            close()
            return true
        }
        switch state.position {
        case .wait(let wait) where wait.timerId == id:
            guard let waitState = definition.states[wait.stateName] else { return false }
            state.position = nil
            let output = (try? JSONValue.parse(wait.output)) ?? .null
            if let (next, input) = exit(waitState, output: output) { enter(next, input: input) }
            return true
        case .task(let position):
            switch position.phase {
            case .backingOff(let timerId) where timerId == id:
                guard let taskState = definition.states[position.stateName] else { return false }
                if let (next, input) = schedule(taskState, position) { enter(next, input: input) }
                return true
            case .running(let running):
                let isTimeout = id == "timeout:\(running.taskKey)" && (running.timeoutAt ?? .infinity) <= now
                let isHeartbeat = id == "heartbeat:\(running.taskKey)" && (running.heartbeatAt ?? .infinity) <= now
                guard isTimeout || isHeartbeat, let taskState = definition.states[position.stateName],
                    let resource = taskState.resource
                else { return false }
                // Real AWS records States.Timeout for a missed heartbeat too (research/semantics.md §1.4).
                var details = resourceDetails(resource)
                details["error"] = .string(ErrorName.timeout)
                record("TaskTimedOut", "taskTimedOutEventDetails", details)
                leavePosition()
                state.position = nil
                failTask(taskState, position, StatesError(ErrorName.timeout, nil))
                return true
            default:
                return false
            }
        default:
            return false
        }
    }

    mutating func completeTask(_ taskState: StateDefinition, _ position: TaskPosition, result: JSONValue) {
        let stateInput = (try? JSONValue.parse(position.stateInput)) ?? .null
        let context = self.context(
            stateName: taskState.name, enteredTime: position.enteredTime, retryCount: position.retryCounts.reduce(0, +),
            token: nil)
        do throws(StatesError) {
            var selected = result
            if let selector = taskState.resultSelector {
                var evaluator = PayloadEvaluator(context: context, random: random)
                selected = try evaluator.evaluate(selector, input: result, field: "ResultSelector")
                random = evaluator.random
            }
            let merged = try applyResultPath(taskState.resultPath, result: selected, input: stateInput)
            let output = try applyOutputPath(taskState.outputPath, merged, context: context)
            if let (next, input) = exit(taskState, output: output) { enter(next, input: input) }
        } catch {
            if ErrorName.isTerminal(error.error) {
                failExecution(error)
            } else if let (next, input) = handleStateError(
                taskState, stateInput: stateInput, error: error, position: position)
            {
                enter(next, input: input)
            }
        }
    }

    mutating func failTask(_ taskState: StateDefinition, _ position: TaskPosition, _ error: StatesError) {
        let stateInput = (try? JSONValue.parse(position.stateInput)) ?? .null
        if let (next, input) = handleStateError(taskState, stateInput: stateInput, error: error, position: position) {
            enter(next, input: input)
        }
    }

    /// Retry, then Catch, then fail the execution: ASL's order.
    mutating func handleStateError(
        _ failedState: StateDefinition, stateInput: JSONValue, error: StatesError, position: TaskPosition? = nil
    ) -> (String, JSONValue)? {
        if ErrorName.isTerminal(error.error) {
            failExecution(error)
            return nil
        }
        var position =
            position
            ?? TaskPosition(
                stateName: failedState.name, stateInput: stateInput.serialized(), enteredTime: now,
                retryCounts: Array(repeating: 0, count: failedState.retry.count), phase: .backingOff(timerId: ""))
        if let index = failedState.retry.firstIndex(where: { retrier in
            retrier.errorEquals.contains { ErrorName.matches($0, error.error) }
        }) {
            let retrier = failedState.retry[index]
            let attempt = position.retryCounts[index]
            if attempt < retrier.maxAttempts {
                var delay = retrier.intervalSeconds * pow(retrier.backoffRate, Double(attempt))
                if let cap = retrier.maxDelaySeconds { delay = min(delay, cap) }
                if retrier.jitterFull { delay = Double.random(in: 0...delay, using: &random) }
                position.retryCounts[index] += 1
                let timerId = "retry:\(state.lastEventId)"
                position.phase = .backingOff(timerId: timerId)
                state.position = .task(position)
                effects.append(.startTimer(id: timerId, dueAt: now + delay))
                return nil
            }
        }
        if let catcher = failedState.catchers.first(where: { catcher in
            catcher.errorEquals.contains { ErrorName.matches($0, error.error) }
        }) {
            var errorOutput = JSONObject()
            if error.error.isEmpty {
                errorOutput["Error"] = .null
                errorOutput["Cause"] = error.cause.map(JSONValue.string) ?? .null
            } else {
                errorOutput["Error"] = .string(error.error)
                if let cause = error.cause { errorOutput["Cause"] = .string(cause) }
            }
            let output: JSONValue
            do {
                output = try applyResultPath(catcher.resultPath, result: .object(errorOutput), input: stateInput)
            } catch {
                failExecution(error)
                return nil
            }
            record(
                "\(failedState.type.rawValue)StateExited", "stateExitedEventDetails",
                JSONObject([
                    ("name", .string(failedState.name)), ("output", .string(output.serialized())),
                    ("outputDetails", ["truncated": false]),
                ]))
            return (catcher.next, output)
        }
        failExecution(error)
        return nil
    }
}
