import JSON
import Wire

/// The invariants an experiment must keep, as the brief and issue 3 state them.
public enum Invariant: String, Codable, Sendable, CaseIterable {
    /// Every started execution ended exactly once, on the path its input asked for (or an explained timeout).
    case outcome = "every-execution-ends-right"
    /// Exactly one logged notification per finished execution, with the right text; none for no execution.
    case notifications = "one-notification-each"
    /// No task token completed twice; every refused callback explained.
    case tokens = "no-token-completed-twice"
    /// Every message the broker accepted was processed or sits in a dead-letter queue.
    case messages = "no-accepted-message-lost"
    /// Increasing ids, valid links, one terminal event at the end.
    case histories = "histories-well-formed"
}

public struct Violation: Codable, Sendable, Equatable, CustomStringConvertible {
    public var invariant: Invariant
    public var executionArn: String?
    public var message: String

    public var description: String {
        "[\(invariant.rawValue)] \(executionArn.map { "\($0): " } ?? "")\(message)"
    }
}

/// What the run did, counted, with the reason for every execution that did not take its input's path.
public struct CheckResult: Codable, Sendable {
    public var violations: [Violation]
    /// Executions per path taken: success, failure, timeout, other.
    public var paths: [String: Int]
    /// Timeouts the checker accepts, and why (lost to the dead-letter queue, callback retries exhausted, …).
    public var explanations: [String: String]
    public var deadLetterCount: Int
    /// Why each message is in the dead-letter queue, by message id.
    public var deadLetters: [String: String]

    public var passed: Bool { violations.isEmpty }

    public func violations(of invariant: Invariant) -> [Violation] {
        violations.filter { $0.invariant == invariant }
    }
}

/// Judges a recorded run of the seed workflow, in the manner of Jepsen's checkers: from the histories and
/// records alone, never from what the workload meant to do.
public enum Checker {
    static let successState = "SNS Publish - Send Success Notification"
    static let errorState = "SNS Publish - Send Error Notification"
    static let successText = "API Executed Successfully"
    static let failureText = "API Failed"

    enum Path: String {
        case success, failure, timeout, other
    }

    /// `expectTimeouts`: the experiment delays callbacks past the task's timeout on purpose, so every execution
    /// must take the timeout path.
    public static func check(_ run: RecordedRun, expectTimeouts: Bool = false) -> CheckResult {
        var violations: [Violation] = []
        var paths: [String: Int] = [:]
        var explanations: [String: String] = [:]

        func violate(_ invariant: Invariant, _ arn: String?, _ message: String) {
            violations.append(Violation(invariant: invariant, executionArn: arn, message: message))
        }

        let deadLetterTokens = Set(
            run.deadLetters.compactMap { (try? JSONValue.parse($0.body))?["taskToken"]?.stringValue })
        let deadLetterIds = Set(run.deadLetters.map(\.messageId))
        let simulatorRuns = Dictionary(run.simulatorRuns.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        var tokensByExecution: [String: [String]] = [:]
        var closedTokens = Set<String>()
        var publishedIds: [String: String] = [:]  // SNS MessageId → execution

        for execution in run.executions {
            let arn = execution.executionArn
            checkWellFormed(execution, violate)
            let facts = HistoryFacts(execution.history)
            tokensByExecution[arn] = facts.tokens
            closedTokens.formUnion(facts.closedTokens)
            for id in facts.publishedMessageIds { publishedIds[id] = arn }

            // 1. One terminal status, on the path the input asked for.
            let path = facts.path
            paths[path.rawValue, default: 0] += 1
            guard execution.status != "RUNNING" else {
                violate(.outcome, arn, "never finished (still RUNNING)")
                continue
            }
            let input = (try? JSONValue.parse(execution.input)) ?? .null
            let waitTime = input["waitTime"]?.numberValue ?? 0
            let asked: Path = input["status"]?.stringValue == "success" ? .success : .failure
            let wanted: Path = expectTimeouts || waitTime > run.taskTimeoutSeconds ? .timeout : asked
            let racy = abs(waitTime - run.taskTimeoutSeconds) <= run.timeoutToleranceSeconds
            if execution.status != "SUCCEEDED" {
                violate(.outcome, arn, "ended \(execution.status); the seed workflow catches every task error")
            }
            if path != wanted {
                if racy && (path == .timeout || path == asked) {
                    explanations[arn] =
                        "waitTime \(waitTime) s is within \(run.timeoutToleranceSeconds) s of the timeout"
                } else if path == .timeout,
                    let reason = timeoutReason(facts, deadLetterTokens, deadLetterIds, simulatorRuns)
                {
                    explanations[arn] = reason
                } else {
                    violate(.outcome, arn, "took the \(path.rawValue) path; its input asked for \(wanted.rawValue)")
                }
            }

            // 2. Exactly one notification with the right text.
            let logged = run.notifications.filter { facts.publishedMessageIds.contains($0.messageId) }
            let text = path == .success ? successText : failureText
            if logged.count != 1 {
                violate(.notifications, arn, "\(logged.count) notifications logged, expected 1")
            } else if (try? JSONValue.parse(logged[0].message))?["message"]?.stringValue != text {
                violate(.notifications, arn, "logged \(logged[0].message), expected \"\(text)\"")
            }

            // 4. The SQS message the task sent was consumed or dead-lettered.
            for messageId in facts.sentMessageIds
            where simulatorRuns[messageId] == nil && !deadLetterIds.contains(messageId) {
                violate(
                    .messages, arn, "SQS message \(messageId) was accepted, then neither processed nor dead-lettered")
            }
        }
        for notification in run.notifications where publishedIds[notification.messageId] == nil {
            violate(.notifications, nil, "notification \(notification.messageId) belongs to no execution")
        }
        let duplicates = Dictionary(grouping: run.notifications, by: \.messageId).filter { $0.value.count > 1 }
        for (id, records) in duplicates {
            violate(.notifications, publishedIds[id], "notification \(id) logged \(records.count) times")
        }

        // 3. Tokens: at most one accepted callback each; every refusal explained.
        let issued = Set(tokensByExecution.values.flatMap { $0 })
        for (token, callbacks) in Dictionary(grouping: run.callbacks, by: \.taskToken) {
            let accepted = callbacks.filter { $0.outcome == "OK" }
            if accepted.count > 1 {
                violate(
                    .tokens, owner(of: token, tokensByExecution),
                    "token \(token.prefix(12))… completed \(accepted.count) times")
            }
            for refused in callbacks where refused.outcome != "OK" {
                // TaskTimedOut is AWS's answer for a task already closed: by its timeout, or by another
                // (duplicated or retried) callback that got there first.
                let explained = refused.outcome == "TaskTimedOut" && closedTokens.contains(token)
                if !explained {
                    let why = issued.contains(token) ? "" : " (the orchestrator never issued it)"
                    violate(
                        .tokens, owner(of: token, tokensByExecution),
                        "callback refused with \(refused.outcome) and nothing explains it\(why)")
                }
            }
        }

        // Every dead letter explained: processed before it was redriven (its delete was lost), or a job lost.
        var deadLetters: [String: String] = [:]
        for letter in run.deadLetters {
            if let simulator = simulatorRuns[letter.messageId] {
                deadLetters[letter.messageId] =
                    "processed (simulator run \(simulator.status)) but not deleted within its visibility timeout, so redriven"
            } else if let token = (try? JSONValue.parse(letter.body))?["taskToken"]?.stringValue,
                let arn = owner(of: token, tokensByExecution)
            {
                deadLetters[letter.messageId] = "never processed: its execution \(arn) took the timeout path"
            } else {
                violate(.messages, nil, "dead letter \(letter.messageId) belongs to no execution")
            }
        }

        if run.messagesLeftInRequestQueue > 0 {
            violate(
                .messages, nil, "\(run.messagesLeftInRequestQueue) messages still in the request queue at quiescence")
        }
        return CheckResult(
            violations: violations, paths: paths, explanations: explanations, deadLetterCount: run.deadLetters.count,
            deadLetters: deadLetters)
    }

    static func owner(of token: String, _ tokens: [String: [String]]) -> String? {
        tokens.first { $0.value.contains(token) }?.key
    }

    /// A timeout the workload did not ask for is still right when its cause is one AWS would have too.
    static func timeoutReason(
        _ facts: HistoryFacts, _ deadLetterTokens: Set<String>, _ deadLetterIds: Set<String>,
        _ simulatorRuns: [String: RecordedRun.SimulatorRun]
    ) -> String? {
        if let token = facts.tokens.last, deadLetterTokens.contains(token) {
            return "the job was moved to the dead-letter queue (maxReceiveCount 1) before the api-simulator started it"
        }
        for id in facts.sentMessageIds {
            if deadLetterIds.contains(id) { return "the job's message is in the dead-letter queue" }
            if let run = simulatorRuns[id], run.status == "FAILED" {
                if run.error == "TaskTimedOut" {
                    return "the callback arrived after the task's TimeoutSeconds and was refused with TaskTimedOut"
                }
                return "the simulator's callback failed (\(run.error ?? "no error")) after its retries"
            }
        }
        return nil
    }

    /// Increasing ids from 1, links to earlier events, ExecutionStarted first and one terminal event last.
    static func checkWellFormed(_ execution: RecordedRun.Execution, _ violate: (Invariant, String?, String) -> Void) {
        let arn = execution.executionArn
        let events = execution.history
        guard !events.isEmpty else {
            violate(.histories, arn, "empty history")
            return
        }
        let terminal: Set<String> = [
            "ExecutionSucceeded", "ExecutionFailed", "ExecutionTimedOut", "ExecutionAborted",
        ]
        for (index, event) in events.enumerated() {
            let id = event["id"]?.integerValue ?? -1
            let previous = event["previousEventId"]?.integerValue ?? -1
            if id != index + 1 { violate(.histories, arn, "event \(index + 1) has id \(id)") }
            if previous < 0 || previous >= id { violate(.histories, arn, "event \(id) links to \(previous)") }
        }
        if events.first?["type"]?.stringValue != "ExecutionStarted" {
            violate(.histories, arn, "does not start with ExecutionStarted")
        }
        let terminals = events.filter { terminal.contains($0["type"]?.stringValue ?? "") }
        if execution.status != "RUNNING" {
            if terminals.count != 1 || !terminal.contains(events.last?["type"]?.stringValue ?? "") {
                violate(.histories, arn, "\(terminals.count) terminal events, expected exactly one, last")
            }
        } else if !terminals.isEmpty {
            violate(.histories, arn, "RUNNING but its history has a terminal event")
        }
        // Each task closes at most once.
        var open = 0
        for event in events {
            switch event["type"]?.stringValue {
            case "TaskScheduled": open += 1
            case "TaskSucceeded", "TaskFailed", "TaskTimedOut":
                open -= 1
                if open < 0 {
                    violate(.histories, arn, "event \(event["id"]?.integerValue ?? 0) closes a task that is not open")
                }
            default: break
            }
        }
    }
}

/// What one history says about the seed workflow: the states entered, the tokens issued and closed, the SQS
/// messages sent and the SNS messages published. The checker and the CLI's reports both read it.
public struct HistoryFacts: Sendable {
    /// Names of the states entered, in order.
    public private(set) var statesEntered: [String] = []
    public private(set) var tokens: [String] = []
    /// Tokens whose task has closed (succeeded, failed or timed out).
    public private(set) var closedTokens: [String] = []
    public private(set) var sentMessageIds: [String] = []
    /// The MessageId SNS gave each publish task.
    public private(set) var publishedMessageIds: [String] = []
    var taskFailed = false
    var taskTimedOut = false

    public init(_ history: [JSONValue]) {
        for event in history {
            let type = event["type"]?.stringValue ?? ""
            if type.hasSuffix("StateEntered"), let name = event["stateEnteredEventDetails"]?["name"]?.stringValue {
                statesEntered.append(name)
            }
            switch type {
            case "TaskScheduled":
                let details = event["taskScheduledEventDetails"]
                if details?["resourceType"] == "sqs", let text = details?["parameters"]?.stringValue,
                    let token = (try? JSONValue.parse(text))?["MessageBody"]?["taskToken"]?.stringValue
                {
                    tokens.append(token)
                }
            case "TaskSubmitted":
                if let text = event["taskSubmittedEventDetails"]?["output"]?.stringValue,
                    let id = (try? JSONValue.parse(text))?["MessageId"]?.stringValue
                {
                    sentMessageIds.append(id)
                }
            case "TaskSucceeded":
                let details = event["taskSucceededEventDetails"]
                if details?["resourceType"] == "sqs", let token = tokens.last { closedTokens.append(token) }
                if details?["resourceType"] == "sns", let text = details?["output"]?.stringValue,
                    let id = (try? JSONValue.parse(text))?["MessageId"]?.stringValue
                {
                    publishedMessageIds.append(id)
                }
            case "TaskFailed" where event["taskFailedEventDetails"]?["resourceType"] == "sqs":
                taskFailed = true
                if let token = tokens.last { closedTokens.append(token) }
            case "TaskTimedOut":
                taskTimedOut = true
                if let token = tokens.last { closedTokens.append(token) }
            default:
                break
            }
        }
    }

    var path: Checker.Path {
        switch statesEntered.last {
        case Checker.successState: return .success
        case Checker.errorState: return taskTimedOut ? .timeout : taskFailed ? .failure : .other
        default: return .other
        }
    }
}
