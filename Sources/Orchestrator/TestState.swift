import Foundation
import JSON
import StatesLanguage
import StepFunctionsLocal
import Synchronization
import Wire

/// TestState: one state, run through the same interpreter executions use, on a virtual clock.
///
/// The state becomes a one-state machine whose targets (Next, Default, Choices' and Catchers' Next) are Pass
/// states ending it, so the interpreter's own history says where it went. A Task calls its service for real (run
/// once to learn the call, made, then run again with the answer), unless `mock` answers instead; a `.sync` or
/// `.waitForTaskToken` task, a Parallel and a Map need a mock, as on AWS.
extension WorkflowEngine {
    public func testState(_ input: TestStateInput) async throws -> TestStateOutput {
        let level = input.inspectionLevel ?? "INFO"
        guard ["INFO", "DEBUG", "TRACE"].contains(level) else {
            throw AWSError.validation(
                "1 validation error detected: Value '\(level)' at 'inspectionLevel' failed to satisfy constraint: Member must satisfy enum value set: [INFO, DEBUG, TRACE]"
            )
        }
        let stateInput = input.input ?? "{}"
        try Self.checkInput(stateInput)
        let (machine, stateName, stateType) = try Self.oneStateMachine(input.definition, name: input.stateName)
        let definition = try checkedDefinition(machine.serialized(), type: "STANDARD")
        let state = definition.states[stateName]
        let pattern = state?.resource?.pattern
        if input.mock == nil,
            stateType == "Parallel" || stateType == "Map" || pattern == .sync || pattern == .waitForTaskToken
        {
            throw AWSError(
                "InvalidDefinition",
                "Invalid State Machine Definition: 'SCHEMA_VALIDATION_FAILED: TestState supports Parallel, Map, .sync and .waitForTaskToken only with a mock'"
            )
        }

        let mocked: LocalRunner.ScheduledResponse.Kind?
        if let mock = input.mock {
            if let result = mock.result {
                guard let value = try? JSONValue.parse(result) else {
                    throw AWSError.validation("The mock result is not valid JSON")
                }
                mocked = .succeeded(value)
            } else {
                mocked = .failed(error: mock.errorOutput?.error ?? "", cause: mock.errorOutput?.cause)
            }
        } else {
            mocked = nil
        }
        // First run: learn the call the state makes (a Task), without making it.
        var answer = mocked
        if state?.type == .task, answer == nil {
            let recorder = InvocationRecorder()
            _ = await Self.run(definition, input: stateInput) { invocation, _ in
                recorder.record(invocation)
                return []
            }
            if let invocation = recorder.first {
                switch await dispatch(
                    invocation,
                    executionArn:
                        "arn:aws:states:\(configuration.region):\(configuration.accountId):execution:TestState:\(random.uuid())",
                    idempotencyKey: "test-state-\(random.uuid())")
                {
                case .completed(let output): answer = .succeeded(output)
                case .failed(let error, let cause): answer = .failed(error: error, cause: cause)
                case .unavailable(let reason):
                    throw AWSError("ServiceUnavailable", "The task's service did not answer: \(reason)")
                }
            }
        }
        let finalAnswer = answer
        let result = await Self.run(definition, input: stateInput) { invocation, _ in
            guard let answer = finalAnswer else { return [] }
            if invocation.resource.pattern == .waitForTaskToken, case .succeeded = answer {
                return [.init(.submitted(.object(JSONObject()))), .init(answer)]
            }
            return [.init(answer)]
        }
        return Self.report(result, stateName: stateName, input: stateInput, level: level)
    }

    static func run(
        _ definition: StateMachineDefinition, input: String, responder: @escaping LocalRunner.Responder
    ) async -> LocalRunner.Result {
        await LocalRunner(definition: definition, stateMachineName: "TestState", clock: .virtual, responder: responder)
            .run(input: input, executionName: "test-state")
    }

    /// `{"StartAt": name, "States": {name: state, target: Pass…}}` from one state's definition, or from a
    /// machine's with `stateName` naming the state.
    static func oneStateMachine(_ text: String, name: String?) throws(AWSError) -> (JSONValue, String, String) {
        guard case .object(let given) = (try? JSONValue.parse(text)) ?? .null else {
            throw AWSError(
                "InvalidDefinition", "Invalid State Machine Definition: 'INVALID_JSON_DESCRIPTION: not a JSON object'")
        }
        var stateName = name ?? "TestState"
        var state = given
        if case .object(let states) = given["States"] ?? .null {
            stateName = name ?? given["StartAt"]?.stringValue ?? ""
            guard case .object(let chosen) = states[stateName] ?? .null else {
                throw AWSError.validation("The state '\(stateName)' is not in the definition")
            }
            state = chosen
        }
        let type = state["Type"]?.stringValue ?? ""
        var targets: [String] = []
        func collect(_ value: JSONValue?) {
            if let next = value?["Next"]?.stringValue, !targets.contains(next), next != stateName {
                targets.append(next)
            }
        }
        collect(.object(state))
        if let fallback = state["Default"]?.stringValue, !targets.contains(fallback) { targets.append(fallback) }
        for rule in state["Choices"]?.arrayValue ?? [] { collect(rule) }
        for catcher in state["Catch"]?.arrayValue ?? [] { collect(catcher) }
        var states = JSONObject()
        states[stateName] = .object(state)
        for target in targets { states[target] = ["Type": "Pass", "End": true] }
        var machine = JSONObject()
        if let language = given["QueryLanguage"] { machine["QueryLanguage"] = language }
        machine["StartAt"] = .string(stateName)
        machine["States"] = .object(states)
        return (.object(machine), stateName, type)
    }

    /// What TestState answers, read from the one-state run's history.
    static func report(_ result: LocalRunner.Result, stateName: String, input: String, level: String)
        -> TestStateOutput
    {
        let events = result.events.map(\.json)
        func details(_ event: JSONValue) -> JSONValue? {
            guard case .object(let object) = event else { return nil }
            return object.first { $0.key.hasSuffix("EventDetails") }?.value
        }
        let entered = events.filter { ($0["type"]?.stringValue ?? "").hasSuffix("StateEntered") }
        let exited = events.first {
            ($0["type"]?.stringValue ?? "").hasSuffix("StateExited") && details($0)?["name"]?.stringValue == stateName
        }
        let failures = events.filter {
            let type = $0["type"]?.stringValue ?? ""
            return type.hasSuffix("Failed") && type != "ExecutionFailed"
        }
        // A retrier scheduled the task again: TestState stops at the first failure and says it is retriable.
        let scheduled = events.filter { $0["type"]?.stringValue == "TaskScheduled" }.count
        var output = TestStateOutput(status: "SUCCEEDED")
        let nextState = entered.dropFirst().first.flatMap { details($0)?["name"]?.stringValue }
        if scheduled > 1, let failure = failures.first {
            output.status = "RETRIABLE"
            output.error = details(failure)?["error"]?.stringValue
            output.cause = details(failure)?["cause"]?.stringValue
        } else if result.status == .failed {
            output.status = "FAILED"
            output.error = result.error
            output.cause = result.cause
        } else if let failure = failures.first {
            output.status = "CAUGHT_ERROR"
            output.error = details(failure)?["error"]?.stringValue
            output.cause = details(failure)?["cause"]?.stringValue
            output.nextState = nextState
            let caughtInput = entered.dropFirst().first.flatMap { details($0)?["input"]?.stringValue }
            output.output = caughtInput
        } else {
            output.output =
                exited.flatMap { details($0)?["output"]?.stringValue } ?? result.output.map { $0.serialized() }
            output.nextState = nextState
        }
        if level != "INFO" {
            var inspection = InspectionData()
            inspection.input = input
            if let scheduled = events.first(where: { $0["type"]?.stringValue == "TaskScheduled" }) {
                inspection.afterParameters = details(scheduled)?["parameters"]?.stringValue
            }
            if let succeeded = events.first(where: { $0["type"]?.stringValue == "TaskSucceeded" }) {
                inspection.result = details(succeeded)?["output"]?.stringValue
            }
            inspection.afterResultPath = output.output
            output.inspectionData = inspection
        }
        return output
    }
}

/// Remembers the first invocation a run asks for.
final class InvocationRecorder: Sendable {
    private let invocations = Mutex<[TaskInvocation]>([])

    func record(_ invocation: TaskInvocation) {
        invocations.withLock { $0.append(invocation) }
    }

    var first: TaskInvocation? { invocations.withLock { $0.first } }
}
