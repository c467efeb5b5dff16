import JSON
import Wire

/// A violation planted in a recorded run, to see the checker find it: a checker that passes everything proves
/// nothing. Each plant works on any run that has what it needs (a finished execution, an accepted callback, …),
/// so the same plants are checked on built runs and on the simulator's recorded runs, faults and all.
public enum PlantedViolation: String, Sendable, CaseIterable {
    case executionNeverEnds, wrongPath
    case missingNotification, duplicatedNotification, wrongNotificationText, strayNotification
    case tokenCompletedTwice, unexplainedRefusal, strangerToken
    case lostMessage, messagesLeftBehind
    case historyIdOutOfOrder, twoTerminalEvents, historyWithoutStart

    /// The invariant that must report it.
    public var invariant: Invariant {
        switch self {
        case .executionNeverEnds, .wrongPath: .outcome
        case .missingNotification, .duplicatedNotification, .wrongNotificationText, .strayNotification: .notifications
        case .tokenCompletedTwice, .unexplainedRefusal, .strangerToken: .tokens
        case .lostMessage, .messagesLeftBehind: .messages
        case .historyIdOutOfOrder, .twoTerminalEvents, .historyWithoutStart: .histories
        }
    }

    /// Plants the violation in `run`; returns what a violation of `invariant` must say, or nil when the run has
    /// nothing to plant it in.
    public func plant(in run: inout RecordedRun) -> String? {
        let finished = run.executions.indices.filter { run.executions[$0].status != "RUNNING" }
        func facts(_ index: Int) -> HistoryFacts { HistoryFacts(run.executions[index].history) }
        switch self {
        case .executionNeverEnds:
            guard let index = finished.first else { return nil }
            run.executions[index].status = "RUNNING"
            run.executions[index].history.removeLast()
            return "never finished"
        case .wrongPath:
            // An execution that took the path it asked for is told it asked for the other one.
            guard
                let index = finished.first(where: {
                    let path = facts($0).path
                    return path == .success || path == .failure
                }),
                case .object(var input) = try? JSONValue.parse(run.executions[index].input)
            else { return nil }
            let asked = facts(index).path == .success ? "failure" : "success"
            input["status"] = .string(asked)
            run.executions[index].input = JSONValue.object(input).serialized()
            return "asked for \(asked)"
        case .missingNotification:
            guard !run.notifications.isEmpty else { return nil }
            run.notifications.removeFirst()
            return "0 notifications"
        case .duplicatedNotification:
            guard let first = run.notifications.first else { return nil }
            run.notifications.append(first)
            return "logged 2 times"
        case .wrongNotificationText:
            guard let first = run.notifications.first,
                case .object(var message) = try? JSONValue.parse(first.message),
                let text = message["message"]?.stringValue
            else { return nil }
            let other = text == Checker.successText ? Checker.failureText : Checker.successText
            message["message"] = .string(other)
            run.notifications[0].message = JSONValue.object(message).serialized()
            return "expected \"\(text)\""
        case .strayNotification:
            run.notifications.append(
                NotificationRecord(
                    messageId: "planted-stray", topicArn: "t", subscriptionArn: "s", subject: nil, message: "{}",
                    publishedAt: "", loggedAt: 0))
            return "belongs to no execution"
        case .tokenCompletedTwice:
            guard let accepted = run.callbacks.first(where: { $0.outcome == "OK" }) else { return nil }
            run.callbacks.append(accepted)
            return "completed 2 times"
        case .unexplainedRefusal:
            guard let index = run.callbacks.firstIndex(where: { $0.outcome == "OK" }) else { return nil }
            run.callbacks[index].outcome = "InvalidToken"
            return "InvalidToken"
        case .strangerToken:
            run.callbacks.append(.init(taskToken: "AQplanted", action: "SendTaskSuccess", outcome: "TaskDoesNotExist"))
            return "never issued"
        case .lostMessage:
            // A message some execution sent, processed and not dead-lettered, forgotten by the api-simulator.
            let deadLettered = Set(run.deadLetters.map(\.messageId))
            let processed = Set(run.simulatorRuns.map(\.name))
            let sent = run.executions.flatMap { HistoryFacts($0.history).sentMessageIds }
            guard let id = sent.first(where: { processed.contains($0) && !deadLettered.contains($0) }) else {
                return nil
            }
            run.simulatorRuns.removeAll { $0.name == id }
            return id
        case .messagesLeftBehind:
            run.messagesLeftInRequestQueue += 3
            return "\(run.messagesLeftInRequestQueue) messages"
        case .historyIdOutOfOrder:
            guard let index = run.executions.indices.first(where: { run.executions[$0].history.count > 3 }),
                case .object(var event) = run.executions[index].history[3]
            else { return nil }
            event["id"] = 99
            run.executions[index].history[3] = .object(event)
            return "has id 99"
        case .twoTerminalEvents:
            guard let index = finished.first, let last = run.executions[index].history.last else { return nil }
            run.executions[index].history.append(last)
            return "2 terminal events"
        case .historyWithoutStart:
            guard let index = run.executions.indices.first(where: { !run.executions[$0].history.isEmpty }) else {
                return nil
            }
            run.executions[index].history.removeFirst()
            return "ExecutionStarted"
        }
    }
}
