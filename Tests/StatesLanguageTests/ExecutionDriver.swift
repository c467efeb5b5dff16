import Foundation
import JSON
import StatesLanguage
import Testing

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
        checkStoredShapes()
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
        checkStoredShapes()
        return true
    }

    /// What the orchestrator stores after each step (the state, its events, an outbox row per invocation) is written by
    /// `JSONWritable`, by hand: it must be the text the types' `Encodable` gives, and read back the same.
    private func checkStoredShapes() {
        let text = state.jsonText
        #expect(text == (try? JSONValueEncoder().encode(state).serialized()))
        #expect((try? JSONValueDecoder().decode(ExecutionState.self, from: text.utf8)) == state)
        for event in events { #expect(event.jsonText == event.json.serialized()) }
        for invocation in invocations {
            #expect(invocation.jsonText == (try? JSONValueEncoder().encode(invocation).serialized()))
            #expect((try? JSONValueDecoder().decode(TaskInvocation.self, from: invocation.jsonText.utf8)) == invocation)
        }
    }

    var output: JSONValue? { state.output.flatMap { try? JSONValue.parse($0) } }
    var types: [String] { events.map(\.type) }
}
