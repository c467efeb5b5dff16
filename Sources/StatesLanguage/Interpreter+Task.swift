import Foundation
import JSON

extension InterpreterRun {
    // MARK: Tasks

    /// Schedules (or, after a Retry interval, schedules again) the task of a Task state.
    mutating func schedule(_ taskState: StateDefinition, _ position: StatePosition) -> StateStep {
        guard let resource = taskState.resource else {
            return .ended(.failed(.runtime("The Task state '\(taskState.name)' has no Resource")))
        }
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
            if let fields = taskState.jsonata {
                let states = statesVariable(input: stateInput, context: context)
                if let template = fields.arguments {
                    parameters = try evaluateJSONata(template, field: "Arguments", states: states, context: context)
                } else {
                    parameters = stateInput
                }
                timeout = try jsonataNumber(
                    fields.timeoutSeconds, field: "TimeoutSeconds", integer: true, states: states, context: context
                ).map { Int($0) }
                heartbeat = try jsonataNumber(
                    fields.heartbeatSeconds, field: "HeartbeatSeconds", integer: true, states: states, context: context
                ).map { Int($0) }
                for (field, value) in [("TimeoutSeconds", timeout), ("HeartbeatSeconds", heartbeat)] {
                    if let value, value <= 0 {
                        throw Self.queryError(
                            "The \(field) field must be a positive integer, but was \(value)", location: field)
                    }
                }
            } else {
                let effective: JSONValue
                (effective, parameters) = try applyParameters(taskState, stateInput, context: context)
                let timeoutFromPath = try secondsFromPath(taskState.timeoutSecondsPath, effective, "TimeoutSecondsPath")
                let heartbeatFromPath = try secondsFromPath(
                    taskState.heartbeatSecondsPath, effective, "HeartbeatSecondsPath")
                timeout = taskState.timeoutSeconds ?? timeoutFromPath
                heartbeat = taskState.heartbeatSeconds ?? heartbeatFromPath
            }
        } catch {
            return stateFailed(taskState, position, error)
        }
        let taskKey = String(nextSerial())
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
        position.activity = .task(
            RunningTask(
                taskKey: taskKey, token: token, submitted: false, timeoutAt: timeoutAt, heartbeatSeconds: heartbeat,
                heartbeatAt: heartbeatAt))
        if let token { effects.append(.issueToken(token, taskKey: taskKey)) }
        effects.append(
            .invoke(
                TaskInvocation(
                    taskKey: taskKey, stateName: taskState.name, resource: resource,
                    parameters: parameters.serialized(), token: token)))
        if let timeoutAt { effects.append(.startTimer(id: "timeout:\(taskKey)", dueAt: timeoutAt)) }
        if let heartbeatAt { effects.append(.startTimer(id: "heartbeat:\(taskKey)", dueAt: heartbeatAt)) }
        return .waiting(position)
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

    /// An event for a running task: its submission, result, failure, heartbeat, or a timeout.
    /// Returns nil when the event is for another task.
    mutating func deliver(
        _ event: ExecutionEvent, toTask running: RunningTask, of taskState: StateDefinition, at position: StatePosition
    ) -> StateStep? {
        guard let resource = taskState.resource else { return nil }
        var position = position
        switch event {
        case .taskSubmitted(let key, let output):
            guard key == running.taskKey, !running.submitted else { return nil }
            var details = resourceDetails(resource)
            details["output"] = .string(output.serialized())
            details["outputDetails"] = ["truncated": false]
            record("TaskSubmitted", "taskSubmittedEventDetails", details)
            var updated = running
            updated.submitted = true
            position.activity = .task(updated)
            return .waiting(position)

        case .taskSucceeded(let key, let output):
            guard key == running.taskKey else { return nil }
            var details = resourceDetails(resource)
            details["output"] = .string(output.serialized())
            details["outputDetails"] = ["truncated": false]
            record("TaskSucceeded", "taskSucceededEventDetails", details)
            release(position)
            return completeState(taskState, position, result: output)

        case .taskFailed(let key, let error, let cause):
            guard key == running.taskKey else { return nil }
            var details = resourceDetails(resource)
            // SendTaskFailure without an error: AWS records none, and a catcher sees Error and Cause null.
            if !error.isEmpty { details["error"] = .string(error) }
            if let cause { details["cause"] = .string(cause) }
            record("TaskFailed", "taskFailedEventDetails", details)
            release(position)
            return handleStateError(taskState, position, error: StatesError(error, cause))

        case .heartbeat(let key):
            guard key == running.taskKey else { return nil }
            guard let seconds = running.heartbeatSeconds else { return .waiting(position) }
            var updated = running
            updated.heartbeatAt = now + Double(seconds)
            position.activity = .task(updated)
            effects.append(.startTimer(id: "heartbeat:\(key)", dueAt: now + Double(seconds)))
            return .waiting(position)

        case .timerFired(let id):
            let isTimeout = id == "timeout:\(running.taskKey)" && (running.timeoutAt ?? .infinity) <= now
            let isHeartbeat = id == "heartbeat:\(running.taskKey)" && (running.heartbeatAt ?? .infinity) <= now
            guard isTimeout || isHeartbeat else { return nil }
            // Real AWS records States.Timeout for a missed heartbeat too (research/semantics.md §1.4).
            var details = resourceDetails(resource)
            details["error"] = .string(ErrorName.timeout)
            record("TaskTimedOut", "taskTimedOutEventDetails", details)
            release(position)
            return handleStateError(taskState, position, error: StatesError(ErrorName.timeout, nil))

        case .stop:
            return nil
        }
    }
}
