import Foundation
import JSON
import StatesLanguage
import Storage
import Wire

/// The integrations the engine answers itself, because Step Functions is what they call: nested workflows
/// (`states:startExecution`, request-response, `.sync`, `.sync:2`, `.waitForTaskToken`) and the AWS SDK
/// integration with Step Functions' own API (`aws-sdk:sfn:sendTaskSuccess`, …). Every other resource goes to the
/// dispatcher.
extension WorkflowEngine {
    /// Calls a Task's resource: here for Step Functions' own, through the dispatcher for the others.
    func dispatch(_ invocation: TaskInvocation, executionArn: String, idempotencyKey: String) async -> DispatchOutcome {
        switch invocation.resource.resourceType {
        case "states":
            return await startChild(invocation, parent: executionArn, idempotencyKey: idempotencyKey)
        case "aws-sdk:sfn":
            return await callOwnAPI(invocation, executionArn: executionArn)
        default:
            return await dispatcher.dispatch(invocation, executionArn: executionArn, idempotencyKey: idempotencyKey)
        }
    }

    /// Whether a Task may name `resource` (checked when a machine is created).
    func supports(_ resource: TaskResource) -> Bool {
        switch resource.resourceType {
        case "states": return resource.action == "startExecution"
        case "aws-sdk:sfn":
            return router.operations.contains(OperationName(.stepFunctions, Self.operationName(resource.action)))
        default: return dispatcher.supports(resource)
        }
    }

    /// `sendTaskSuccess` → `SendTaskSuccess`.
    static func operationName(_ action: String) -> String { action.prefix(1).uppercased() + action.dropFirst() }

    // MARK: Nested workflows

    /// Starts the child execution a `states:startExecution` task asks for. Its name, when the task gives none, is
    /// made from the call's idempotency key, so delivering the call again starts nothing new. A `.sync` child
    /// remembers its parent's task: its end completes that task (`executionEnded`).
    func startChild(_ invocation: TaskInvocation, parent: String, idempotencyKey: String) async -> DispatchOutcome {
        let parameters = (try? JSONValue.parse(invocation.parameters)) ?? .null
        guard let machine = parameters["StateMachineArn"]?.stringValue else {
            return .failed(error: ErrorName.runtime, cause: "The parameter StateMachineArn is required")
        }
        let input = parameters["Input"].map { $0.stringValue ?? $0.serialized() } ?? "{}"
        let name = parameters["Name"]?.stringValue ?? Self.deterministicName(idempotencyKey)
        let waitsForEnd = invocation.resource.pattern == .sync
        let link = ParentLink(
            executionArn: parent, taskKey: waitsForEnd ? invocation.taskKey : nil,
            parsedOutput: invocation.resource.isSync2)
        do {
            let started = try await start(
                StartExecutionInput(stateMachineArn: machine, name: name, input: input), parent: link,
                synchronous: false)
            return .completed(["ExecutionArn": .string(started.arn), "StartDate": .int(Int(started.startDate * 1000))])
        } catch let error as AWSError {
            let type = error.type.hasSuffix("Exception") ? error.type : error.type + "Exception"
            return .failed(error: "StepFunctions.\(type)", cause: error.message)
        } catch {
            return .unavailable("\(error)")
        }
    }

    /// A UUID-shaped name from a key: the same key always gives the same name.
    static func deterministicName(_ key: String) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        var hex = ""
        for round in 0..<2 {
            for byte in (key + String(round)).utf8 {
                hash ^= UInt64(byte)
                hash = hash &* 0x100_0000_01b3
            }
            hex += String(format: "%016llx", hash)
        }
        let characters = Array(hex)
        return [0..<8, 8..<12, 12..<16, 16..<20, 20..<32].map { String(characters[$0]) }.joined(separator: "-")
    }

    /// What a `.sync` task gets when its child ends: the child as DescribeExecution shows it, in the integration's
    /// casing; `.sync:2` gives the output parsed.
    static func childDescription(_ row: Row, parsedOutput: Bool) -> JSONValue {
        var object = JSONObject()
        object["ExecutionArn"] = .string(row["arn"])
        object["Input"] = .string(row["input"])
        object["InputDetails"] = ["Included": true]
        object["Name"] = .string(row["name"])
        if let output = row["output"] as String? {
            object["Output"] = parsedOutput ? ((try? JSONValue.parse(output)) ?? .string(output)) : .string(output)
            object["OutputDetails"] = ["Included": true]
        }
        object["StartDate"] = .int(Int((row["start_date"] as Double) * 1000))
        object["StateMachineArn"] = .string(row["state_machine_arn"])
        object["Status"] = .string(row["status"])
        if let stop = row["stop_date"] as Double? { object["StopDate"] = .int(Int(stop * 1000)) }
        if let error = row["error"] as String? { object["Error"] = .string(error) }
        if let cause = row["cause"] as String? { object["Cause"] = .string(cause) }
        return .object(object)
    }

    /// Completes the parent's `.sync` task once the child has ended and the parent recorded the task submitted
    /// (whichever comes last calls this, in its own transaction): the child's description on success,
    /// `States.TaskFailed` otherwise.
    func completeParent(ofChild executionArn: String, _ db: Database, now: Double) throws {
        guard
            let row = try Row.fetchOne(
                db.cachedStatement(sql: "SELECT * FROM execution_rows WHERE \(ExecutionKey.whereArn)"),
                arguments: ExecutionKey(arn: executionArn).arguments),
            row["status"] as String != "RUNNING",
            let parent = row["parent_arn"] as String?, let task = row["parent_task"] as String?,
            let parentExecution = try load(.arn(parent), db), parentExecution.state.hasSubmitted(taskKey: task)
        else { return }
        let description = Self.childDescription(row, parsedOutput: (row["parent_output"] as String?) == "parsed")
        let event: ExecutionEvent =
            row["status"] as String == "SUCCEEDED"
            ? .taskSucceeded(taskKey: task, output: description)
            : .taskFailed(taskKey: task, error: ErrorName.taskFailed, cause: description.serialized())
        _ = try apply(event, to: .id(parentExecution.id), db, now: now)
    }

    // MARK: aws-sdk:sfn

    /// Step Functions' own API, called as the AWS SDK integration calls it: parameters and results in
    /// PascalCase, errors as `Sfn.<Name>Exception`.
    func callOwnAPI(_ invocation: TaskInvocation, executionArn: String) async -> DispatchOutcome {
        let parameters = (try? JSONValue.parse(invocation.parameters)) ?? .object(JSONObject())
        let request = WireRequest(
            header: RequestHeader(
                op: Self.operationName(invocation.resource.action), api: .stepFunctions, id: "integration",
                scope: Self.scope(ofArn: executionArn)),
            body: Self.recased(parameters, upper: false).utf8Bytes)
        do {
            let reply = try await router.handle(request)
            return .completed(Self.recased(try WireCoding.decodeJSON(reply), upper: true))
        } catch let error as AWSError {
            let type = error.type.hasSuffix("Exception") ? error.type : error.type + "Exception"
            return .failed(error: "Sfn.\(type)", cause: error.message)
        } catch {
            return .unavailable("\(error)")
        }
    }

    /// Object keys with their first letter raised (`executionArn` → `ExecutionArn`) or lowered, all the way down:
    /// Step Functions' API has no free-form maps (inputs and outputs travel as JSON text).
    static func recased(_ value: JSONValue, upper: Bool) -> JSONValue {
        switch value {
        case .object(let object):
            var renamed = JSONObject()
            for (key, member) in object {
                let first = upper ? key.prefix(1).uppercased() : key.prefix(1).lowercased()
                renamed[first + key.dropFirst()] = recased(member, upper: upper)
            }
            return .object(renamed)
        case .array(let elements):
            return .array(elements.map { recased($0, upper: upper) })
        default:
            return value
        }
    }
}

/// What a child execution knows of the task that started it.
struct ParentLink: Sendable {
    var executionArn: String
    /// The parent's `.sync` task, which the child's end completes; nil when the parent does not wait for it.
    var taskKey: String?
    /// `.sync:2`: the parent gets the child's output parsed.
    var parsedOutput: Bool
}
