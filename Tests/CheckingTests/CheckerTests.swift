import Checking
import Foundation
import JSON
import StatesLanguage
import Template
import Testing
import Topology
import Wire

/// Builds recorded runs by driving the upstream definition through the real interpreter, as the five
/// processes would, so that a clean run is the real thing and each test plants one fault in it.
struct RunBuilder {
    let interpreter: Interpreter
    var run = RecordedRun(
        executions: [], notifications: [], callbacks: [], deadLetters: [], simulatorRuns: [],
        messagesLeftInRequestQueue: 0)

    init() throws {
        let machine = try #require(
            try SAMTemplate.seed().stateMachines.first { $0.name == "WorkflowAsyncAPICallbackPattern" })
        interpreter = Interpreter(definition: try StateMachineDefinition.parse(machine.definition))
    }

    func invocation(_ step: Step) -> TaskInvocation? {
        step.effects.lazy.compactMap { effect -> TaskInvocation? in
            if case .invoke(let call) = effect { return call } else { return nil }
        }.first
    }

    /// Runs one execution to its end; `lost` leaves the job in the dead-letter queue instead of calling back.
    mutating func add(_ input: String, lost: Bool = false) throws {
        let index = run.executions.count
        let identity = ExecutionIdentity(
            executionArn: "arn:aws:states:us-east-1:123456789012:execution:Main:e\(index)", name: "e\(index)",
            stateMachineArn: "arn:aws:states:us-east-1:123456789012:stateMachine:Main", stateMachineName: "Main",
            roleArn: "r",
            startTime: 0, input: input)
        var random: any RandomNumberGenerator = SplitMix64(seed: UInt64(index + 1))
        var events: [HistoryEvent] = []
        var step = interpreter.start(identity, now: 0, random: &random)
        events += step.events
        let send = try #require(invocation(step))
        let token = try #require(send.token)
        let messageId = "sqs-\(index)"
        step = try #require(
            interpreter.handle(
                .taskSubmitted(taskKey: send.taskKey, output: ["MessageId": .string(messageId)]), state: step.state,
                identity: identity, now: 0.1, random: &random))
        events += step.events
        let parsed = try JSONValue.parse(input)
        let wait = parsed["waitTime"]?.numberValue ?? 0
        if lost {
            run.deadLetters.append(.init(messageId: messageId, body: #"{"taskToken":"\#(token)","payload":\#(input)}"#))
            step = try #require(
                interpreter.handle(
                    .timerFired(id: "timeout:\(send.taskKey)"), state: step.state, identity: identity, now: 300,
                    random: &random))
        } else if wait > 300 {
            step = try #require(
                interpreter.handle(
                    .timerFired(id: "timeout:\(send.taskKey)"), state: step.state, identity: identity, now: 300,
                    random: &random))
            run.callbacks.append(.init(taskToken: token, action: "SendTaskSuccess", outcome: "TaskTimedOut"))
            run.simulatorRuns.append(.init(name: messageId, status: "FAILED", error: "TaskTimedOut"))
        } else if parsed["status"] == "success" {
            step = try #require(
                interpreter.handle(
                    .taskSucceeded(taskKey: send.taskKey, output: ["status": 200, "payload": ["body": "ok"]]),
                    state: step.state, identity: identity, now: wait, random: &random))
            run.callbacks.append(.init(taskToken: token, action: "SendTaskSuccess", outcome: "OK"))
            run.simulatorRuns.append(.init(name: messageId, status: "SUCCEEDED"))
        } else {
            step = try #require(
                interpreter.handle(
                    .taskFailed(taskKey: send.taskKey, error: "sample error message", cause: "sample error message"),
                    state: step.state, identity: identity, now: wait, random: &random))
            run.callbacks.append(.init(taskToken: token, action: "SendTaskFailure", outcome: "OK"))
            run.simulatorRuns.append(.init(name: messageId, status: "SUCCEEDED"))
        }
        events += step.events
        let publish = try #require(invocation(step))
        let snsId = "sns-\(index)"
        step = try #require(
            interpreter.handle(
                .taskSucceeded(taskKey: publish.taskKey, output: ["MessageId": .string(snsId)]), state: step.state,
                identity: identity, now: wait + 1, random: &random))
        events += step.events
        let message = try JSONValue.parse(publish.parameters)["Message"]!
        run.notifications.append(
            NotificationRecord(
                messageId: snsId, topicArn: "t", subscriptionArn: "s", subject: nil,
                message: message.stringValue ?? message.serialized(),
                publishedAt: "", loggedAt: wait + 1))
        run.executions.append(
            .init(
                executionArn: identity.executionArn, input: input, status: step.state.status.rawValue,
                history: events.map(\.json)))
    }

    static func clean() throws -> RunBuilder {
        var builder = try RunBuilder()
        try builder.add(#"{"waitTime":1,"status":"success"}"#)
        try builder.add(#"{"waitTime":2,"status":"failure"}"#)
        try builder.add(#"{"waitTime":400,"status":"success"}"#)
        try builder.add(#"{"waitTime":1,"status":"success"}"#, lost: true)
        return builder
    }
}

@Suite struct CheckerTests {
    @Test func aCleanRunPassesAndItsTimeoutsAreExplained() throws {
        let result = Checker.check(try RunBuilder.clean().run)
        #expect(result.violations == [])
        #expect(result.paths == ["success": 1, "failure": 1, "timeout": 2])
        #expect(result.explanations.count == 1)
        #expect(result.explanations.values.first?.contains("dead-letter") == true)
        #expect(result.deadLetterCount == 1)
        #expect(result.deadLetters["sqs-3"]?.contains("never processed") == true)
    }

    func violations(_ plant: (inout RecordedRun) throws -> Void) throws -> [Violation] {
        var run = try RunBuilder.clean().run
        try plant(&run)
        return Checker.check(run).violations
    }

    /// Every planted violation is reported under its invariant, saying what it is (the simulator's tests plant the
    /// same ones in recorded runs with faults).
    @Test(arguments: PlantedViolation.allCases)
    func aPlantedViolationIsReported(violation: PlantedViolation) throws {
        var run = try RunBuilder.clean().run
        let says = try #require(violation.plant(in: &run), "the clean run has what \(violation) needs")
        let found = Checker.check(run).violations(of: violation.invariant)
        #expect(found.contains { $0.message.contains(says) }, "\(found.map(\.description))")
    }

    @Test func anExperimentThatExpectsTimeoutsWantsTheTimeoutPath() throws {
        var builder = try RunBuilder()
        try builder.add(#"{"waitTime":400,"status":"success"}"#)
        #expect(Checker.check(builder.run, expectTimeouts: true).violations == [])
        try builder.add(#"{"waitTime":1,"status":"success"}"#)
        let found = Checker.check(builder.run, expectTimeouts: true).violations
        #expect(found.contains { $0.invariant == .outcome && $0.message.contains("asked for timeout") })
    }

    @Test func nearTheTimeoutEitherPathIsRight() throws {
        var builder = try RunBuilder()
        try builder.add(#"{"waitTime":301,"status":"success"}"#)
        #expect(Checker.check(builder.run).violations == [])
        // Now nothing else explains the timeout: the simulator's callback did not come back refused.
        builder.run.executions[0].input = #"{"waitTime":299,"status":"success"}"#
        builder.run.simulatorRuns[0].status = "SUCCEEDED"
        #expect(!Checker.check(builder.run).violations.isEmpty)
        builder.run.timeoutToleranceSeconds = 5
        let result = Checker.check(builder.run)
        #expect(result.violations == [])
        #expect(result.explanations.values.first?.contains("within 5.0 s of the timeout") == true)
    }

    @Test func anUnexplainedTimeoutIsReported() throws {
        let found = try violations { run in run.deadLetters = [] }
        #expect(found.contains { $0.invariant == .outcome && $0.message.contains("took the timeout path") })
        #expect(found.contains { $0.invariant == .messages })
    }

    @Test func aDuplicateCallbackRefusedAsTimedOutIsExplained() throws {
        // A duplicate that lost the race to a task already closed is answered TaskTimedOut: explained.
        let duplicate = try violations { run in
            run.callbacks.append(
                .init(taskToken: run.callbacks[0].taskToken, action: "SendTaskSuccess", outcome: "TaskTimedOut"))
        }
        #expect(duplicate == [])
    }

    @Test func deadLettersAreExplainedOrReported() throws {
        var builder = try RunBuilder.clean()
        builder.run.deadLetters.append(.init(messageId: "sqs-0", body: "{}"))
        let processed = Checker.check(builder.run)
        #expect(processed.violations == [])
        #expect(processed.deadLetters["sqs-0"]?.contains("processed") == true)
        builder.run.deadLetters.append(.init(messageId: "stray", body: "{}"))
        #expect(
            Checker.check(builder.run).violations.contains {
                $0.message.contains("dead letter stray belongs to no execution")
            })
    }

}
