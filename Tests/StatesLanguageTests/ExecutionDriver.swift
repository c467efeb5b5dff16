import Foundation
import JSON
import StatesLanguage

/// An execution in progress: feeds it events and keeps the whole history.
final class ExecutionDriver {
    let interpreter: Interpreter
    let identity: ExecutionIdentity
    var state: ExecutionState
    var events: [HistoryEvent]
    var effects: [Effect]
    var random: any RandomNumberGenerator = SplitMix64(seed: 3)

    init(_ definition: String, input: String = "{}") throws {
        let (step, interpreter, identity) = try run(definition, input: input)
        self.interpreter = interpreter
        self.identity = identity
        state = step.state
        events = step.events
        effects = step.effects
    }

    var invocations: [TaskInvocation] {
        effects.compactMap { effect in
            if case .invoke(let invocation) = effect { return invocation }
            return nil
        }
    }

    /// Applies an event; false when the interpreter refused it as stale.
    @discardableResult
    func send(_ event: ExecutionEvent, at now: Double = 1) -> Bool {
        guard let step = interpreter.handle(event, state: state, identity: identity, now: now, random: &random)
        else { return false }
        state = step.state
        events += step.events
        effects += step.effects
        return true
    }

    var output: JSONValue? { state.output.flatMap { try? JSONValue.parse($0) } }
    var types: [String] { events.map(\.type) }
}
