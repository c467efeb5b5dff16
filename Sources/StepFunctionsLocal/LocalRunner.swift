import Formats
import Foundation
import JSON
import Logging
import ServiceSupport
import Simulation
import StatesLanguage
import Synchronization

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

    /// Something due at a time: a response to deliver or a timer to fire.
    struct Pending {
        var dueAt: Double
        var event: ExecutionEvent
        var timerId: String?
    }

    /// One execution as it runs: the interpreter's state, its history so far, and its agenda (what is due when,
    /// by sequence number, so equal times keep their order).
    final class Execution: Sendable {
        struct State {
            var execution: ExecutionState
            var events: [HistoryEvent] = []
            var agenda: [Int64: Pending] = [:]
            var sequence: Int64 = 0
            var attempts: [String: Int] = [:]
            var random: any RandomNumberGenerator
        }

        let interpreter: Interpreter
        let identity: ExecutionIdentity
        let responder: Responder
        let state: Mutex<State>

        init(runner: LocalRunner, identity: ExecutionIdentity, now: Double) {
            interpreter = Interpreter(definition: runner.definition)
            self.identity = identity
            responder = runner.responder
            var random: any RandomNumberGenerator = SplitMix64(seed: runner.seed)
            let first = interpreter.start(identity, now: now, random: &random)
            state = Mutex(State(execution: first.state, events: first.events, random: random))
            state.withLock { perform(first.effects, now: now, &$0) }
        }

        /// Ended, or nothing left that could move it.
        var isDone: Bool { state.withLock { $0.execution.status != .running || $0.agenda.isEmpty } }

        func due(at now: Double, limit: Int) -> Scheduler<Int64>.Due {
            state.withLock { state in
                let due = state.agenda.filter { $0.value.dueAt <= now }
                    .sorted { ($0.value.dueAt, $0.key) < ($1.value.dueAt, $1.key) }.prefix(limit).map(\.key)
                return .init(items: due, next: state.agenda.values.lazy.map(\.dueAt).filter { $0 > now }.min())
            }
        }

        /// Hands each due event to the interpreter in order, skipping those an earlier one cancelled.
        func fire(_ due: [Int64], now: Double) {
            state.withLock { state in
                for id in due {
                    guard state.execution.status == .running, let next = state.agenda.removeValue(forKey: id) else {
                        continue
                    }
                    guard
                        let step = interpreter.handle(
                            next.event, state: state.execution, identity: identity, now: now, random: &state.random)
                    else { continue }
                    state.execution = step.state
                    state.events += step.events
                    perform(step.effects, now: now, &state)
                }
            }
        }

        private func perform(_ effects: [Effect], now: Double, _ state: inout State) {
            func schedule(_ event: ExecutionEvent, at dueAt: Double, timerId: String? = nil) {
                state.sequence += 1
                state.agenda[state.sequence] = Pending(dueAt: dueAt, event: event, timerId: timerId)
            }
            for effect in effects {
                switch effect {
                case .invoke(let invocation):
                    let attempt = state.attempts[invocation.stateName, default: 0]
                    state.attempts[invocation.stateName] = attempt + 1
                    for response in responder(invocation, attempt) {
                        let event: ExecutionEvent
                        switch response.kind {
                        case .submitted(let output): event = .taskSubmitted(taskKey: invocation.taskKey, output: output)
                        case .succeeded(let output): event = .taskSucceeded(taskKey: invocation.taskKey, output: output)
                        case .failed(let error, let cause):
                            event = .taskFailed(taskKey: invocation.taskKey, error: error, cause: cause)
                        case .heartbeat: event = .heartbeat(taskKey: invocation.taskKey)
                        }
                        schedule(event, at: now + response.delaySeconds)
                    }
                case .startTimer(let id, let dueAt):
                    state.agenda = state.agenda.filter { $0.value.timerId != id }
                    schedule(.timerFired(id: id), at: dueAt, timerId: id)
                case .cancelTimer(let id):
                    state.agenda = state.agenda.filter { $0.value.timerId != id }
                case .cancelInvocation(let taskKey):
                    // The task ended first: what the mocked integration and callback would still do is moot.
                    state.agenda = state.agenda.filter { $0.value.event.taskKey != taskKey }
                case .issueToken, .retireToken:
                    break
                }
            }
        }

        var result: Result {
            state.withLock { state in
                Result(
                    status: state.execution.status,
                    output: state.execution.output.flatMap { try? JSONValue.parse($0) }, error: state.execution.error,
                    cause: state.execution.cause, events: state.events)
            }
        }
    }

    /// Runs the execution to its end (or until nothing is left that could move it): on the simulator's
    /// deterministic executor for virtual time, where every wait is a jump to the next due time, or on real time.
    public func run(input: String, executionName: String = "local") async -> Result {
        switch clock {
        case .virtual:
            let executor = DeterministicExecutor(start: startTime ?? Date().timeIntervalSince1970)
            let clock = executor.clock()
            let outcome = await executor.run { await self.run(input: input, executionName: executionName, on: clock) }
            guard case .finished(let result) = outcome else {
                preconditionFailure("a local execution waits on nothing outside itself")
            }
            return result
        case .real:
            let offset = startTime.map { $0 - Date().timeIntervalSince1970 } ?? 0
            return await run(input: input, executionName: executionName, on: SystemWallClock(offset: offset))
        }
    }

    /// The interpreter on the one scheduler of due work, over the execution's agenda, on `clock`.
    func run(input: String, executionName: String, on clock: any WallClock) async -> Result {
        let account = "123456789012"
        let machineArn = "arn:aws:states:us-east-1:\(account):stateMachine:\(stateMachineName)"
        let identity = ExecutionIdentity(
            executionArn: "arn:aws:states:us-east-1:\(account):execution:\(stateMachineName):\(executionName)",
            name: executionName, stateMachineArn: machineArn, stateMachineName: stateMachineName,
            roleArn: "arn:aws:iam::\(account):role/callbacksim-local", startTime: clock.now(), input: input)
        let execution = Execution(runner: self, identity: identity, now: clock.now())
        guard !execution.isDone else { return execution.result }
        let (done, finish) = AsyncStream<Void>.makeStream()
        // Nothing else moves time here: the scheduler sleeps until the next due time, never just to look again.
        let scheduler = Scheduler<Int64>("asl run", clock: clock, logger: Logger(label: "asl-run"), looksEvery: nil)
        let loop = spawn {
            await scheduler.run(
                .batch { due in
                    execution.fire(due, now: clock.now())
                    if execution.isDone { finish.finish() }
                    return 0
                }
            ) { now, limit in execution.due(at: now, limit: limit) }
        }
        for await _ in done {}
        loop.cancel()
        await loop.value
        return execution.result
    }
}
