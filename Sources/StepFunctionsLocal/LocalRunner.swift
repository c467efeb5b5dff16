import Foundation
import JSON
import StatesLanguage

/// Runs one execution of a definition in-process: the pure interpreter, a clock (virtual or real), and a
/// responder that answers each task invocation. No topology, no sockets, no disk.
public struct LocalRunner: Sendable {
    public enum ClockMode: String, Sendable, CaseIterable {
        /// Wait states, timeouts, heartbeats and retry back-off take no real time; history shows the times they
        /// would have had.
        case virtual
        /// Timers take the real time they say.
        case real
    }

    /// What a responder asks to happen, `delaySeconds` after the invocation.
    public struct ScheduledResponse: Sendable {
        public enum Kind: Sendable {
            /// The integration accepted a `.waitForTaskToken` call (TaskSubmitted).
            case submitted(JSONValue)
            /// The integration's result, or SendTaskSuccess's output.
            case succeeded(JSONValue)
            /// The integration's error, or SendTaskFailure's.
            case failed(error: String, cause: String?)
            /// SendTaskHeartbeat.
            case heartbeat
        }
        public var delaySeconds: Double
        public var kind: Kind

        public init(after delaySeconds: Double = 0, _ kind: Kind) {
            self.delaySeconds = delaySeconds
            self.kind = kind
        }
    }

    /// Answers one invocation; `attempt` counts the earlier invocations of the same state (0 first).
    public typealias Responder = @Sendable (_ invocation: TaskInvocation, _ attempt: Int) -> [ScheduledResponse]

    public struct Result: Sendable {
        public var status: ExecutionStatus
        public var output: JSONValue?
        public var error: String?
        public var cause: String?
        public var events: [HistoryEvent]

        /// `asl run`'s output: status, output, error, cause and the history in GetExecutionHistory's shape.
        public var json: JSONValue {
            var object = JSONObject()
            object["status"] = .string(status.rawValue)
            object["output"] = output ?? .null
            object["error"] = error.map(JSONValue.string) ?? .null
            object["cause"] = cause.map(JSONValue.string) ?? .null
            object["events"] = .array(
                events.map { event in
                    // GetExecutionHistory's shape, the timestamp as the ISO 8601 text the AWS CLI prints.
                    guard case .object(var json) = event.json else { return event.json }
                    json["timestamp"] = .string(Timestamp.format(Date(timeIntervalSince1970: event.timestamp)))
                    return .object(json)
                })
            return .object(object)
        }
    }

    public let definition: StateMachineDefinition
    public let stateMachineName: String
    public let clock: ClockMode
    public let responder: Responder
    public let seed: UInt64
    /// Where virtual time starts (epoch seconds); the real clock's now by default.
    public let startTime: Double?

    public init(
        definition: StateMachineDefinition, stateMachineName: String = "LocalStateMachine", clock: ClockMode = .virtual,
        seed: UInt64 = 1, startTime: Double? = nil, responder: @escaping Responder
    ) {
        self.definition = definition
        self.stateMachineName = stateMachineName
        self.clock = clock
        self.seed = seed
        self.startTime = startTime
        self.responder = responder
    }

    /// Something due at a time: a response to deliver or a timer to fire. `sequence` keeps equal times in order.
    struct Pending {
        var dueAt: Double
        var sequence: Int
        var event: ExecutionEvent
        var timerId: String?
    }

    public func run(input: String, executionName: String = "local") async -> Result {
        let interpreter = Interpreter(definition: definition)
        let account = "123456789012"
        let machineArn = "arn:aws:states:us-east-1:\(account):stateMachine:\(stateMachineName)"
        var now = startTime ?? Date().timeIntervalSince1970
        let identity = ExecutionIdentity(
            executionArn: "arn:aws:states:us-east-1:\(account):execution:\(stateMachineName):\(executionName)",
            name: executionName, stateMachineArn: machineArn, stateMachineName: stateMachineName,
            roleArn: "arn:aws:iam::\(account):role/callbacksim-local", startTime: now, input: input)
        var random: any RandomNumberGenerator = SplitMix64(seed: seed)
        var events: [HistoryEvent] = []
        var pending: [Pending] = []
        var sequence = 0
        var attempts: [String: Int] = [:]

        func perform(_ effects: [Effect]) {
            for effect in effects {
                switch effect {
                case .invoke(let invocation):
                    let attempt = attempts[invocation.stateName, default: 0]
                    attempts[invocation.stateName] = attempt + 1
                    for response in responder(invocation, attempt) {
                        let event: ExecutionEvent
                        switch response.kind {
                        case .submitted(let output): event = .taskSubmitted(taskKey: invocation.taskKey, output: output)
                        case .succeeded(let output): event = .taskSucceeded(taskKey: invocation.taskKey, output: output)
                        case .failed(let error, let cause):
                            event = .taskFailed(taskKey: invocation.taskKey, error: error, cause: cause)
                        case .heartbeat: event = .heartbeat(taskKey: invocation.taskKey)
                        }
                        sequence += 1
                        pending.append(
                            Pending(dueAt: now + response.delaySeconds, sequence: sequence, event: event, timerId: nil))
                    }
                case .startTimer(let id, let dueAt):
                    pending.removeAll { $0.timerId == id }
                    sequence += 1
                    pending.append(Pending(dueAt: dueAt, sequence: sequence, event: .timerFired(id: id), timerId: id))
                case .cancelTimer(let id):
                    pending.removeAll { $0.timerId == id }
                case .cancelInvocation(let taskKey):
                    // The task ended first: what the mocked integration and callback would still do is moot.
                    pending.removeAll { $0.event.taskKey == taskKey }
                case .issueToken, .retireToken:
                    break
                }
            }
        }

        let first = interpreter.start(identity, now: now, random: &random)
        var state = first.state
        events += first.events
        perform(first.effects)
        while state.status == .running,
            let index = pending.indices.min(by: {
                (pending[$0].dueAt, pending[$0].sequence) < (pending[$1].dueAt, pending[$1].sequence)
            })
        {
            let next = pending.remove(at: index)
            switch clock {
            case .virtual:
                now = max(now, next.dueAt)
            case .real:
                let wait = next.dueAt - Date().timeIntervalSince1970
                if wait > 0 { try? await Task.sleep(for: .seconds(wait)) }
                now = Date().timeIntervalSince1970
            }
            guard let step = interpreter.handle(next.event, state: state, identity: identity, now: now, random: &random)
            else { continue }
            state = step.state
            events += step.events
            perform(step.effects)
        }
        return Result(
            status: state.status, output: state.output.flatMap { try? JSONValue.parse($0) }, error: state.error,
            cause: state.cause, events: events)
    }
}
