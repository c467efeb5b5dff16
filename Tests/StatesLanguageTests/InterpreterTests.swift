import Foundation
import JSON
import StatesLanguage
import Testing

func run(_ definition: String, input: String = "{}", seed: UInt64 = 7) throws -> (Step, Interpreter, ExecutionIdentity)
{
    let interpreter = Interpreter(definition: try StateMachineDefinition.parse(definition))
    let identity = ExecutionIdentity(
        executionArn: "arn:aws:states:us-east-1:123456789012:execution:M:x", name: "x",
        stateMachineArn: "arn:aws:states:us-east-1:123456789012:stateMachine:M", stateMachineName: "M",
        roleArn: "r", startTime: 0, input: input)
    var random: any RandomNumberGenerator = SplitMix64(seed: seed)
    return (interpreter.start(identity, now: 0, random: &random), interpreter, identity)
}

@Suite struct InterpreterTests {
    @Test func passStatesApplyResultPathAndOutputPath() throws {
        let (step, _, _) = try run(
            #"{"StartAt":"A","States":{"A":{"Type":"Pass","Result":{"x":1},"ResultPath":"$.r","Next":"B"},"B":{"Type":"Pass","OutputPath":"$.r","End":true}}}"#,
            input: #"{"keep":true}"#)
        #expect(step.state.status == .succeeded)
        #expect(try JSONValue.parse(step.state.output!) == ["x": 1])
        #expect(
            step.events.map(\.type) == [
                "ExecutionStarted", "PassStateEntered", "PassStateExited", "PassStateEntered", "PassStateExited",
                "ExecutionSucceeded",
            ])
    }

    @Test func parametersUseIntrinsics() throws {
        let (step, _, _) = try run(
            #"{"StartAt":"A","States":{"A":{"Type":"Pass","Parameters":{"greeting.$":"States.Format('Hello {}', $.name)","n.$":"States.MathAdd($.a, 2)","len.$":"States.ArrayLength(States.Array(1,2,3))","ctx.$":"$$.State.Name"},"End":true}}}"#,
            input: #"{"name":"World","a":40}"#)
        #expect(try JSONValue.parse(step.state.output!) == ["greeting": "Hello World", "n": 42, "len": 3, "ctx": "A"])
    }

    /// One escape rule for every intrinsic's string literal: `\\` is one backslash, `\'` a quote, `\{` and `\}`
    /// braces (so an escaped brace is no placeholder). The ASL below is JSON, so each backslash is written twice.
    @Test func intrinsicStringLiteralsAreUnescapedOnce() throws {
        let (step, _, _) = try run(
            #"{"StartAt":"A","States":{"A":{"Type":"Pass","Parameters":{"#
                + #""format.$":"States.Format('back\\\\slash {}', $.a)","#
                + #""array.$":"States.Array('a\\\\b')","#
                + #""braces.$":"States.Format('\\{\\} {} it\\'s', $.a)","#
                + #""quote.$":"States.Array('it\\'s')"},"End":true}}}"#,
            input: #"{"a":"v"}"#)
        #expect(
            try JSONValue.parse(step.state.output ?? "null") == [
                "format": "back\\slash v", "array": ["a\\b"], "braces": "{} v it's", "quote": ["it's"],
            ])
    }

    /// A path that fails in a Parallel's or Map's own ResultSelector or OutputPath names the state, as the same
    /// failure does in a Pass or Task state. (A ResultPath that cannot apply is States.ResultPathMatchFailure.)
    @Test(arguments: ["ResultSelector", "OutputPath"])
    func pathFailuresInParallelAndMapResultsNameTheState(field: String) throws {
        let shaping =
            field == "ResultSelector" ? #""ResultSelector": {"x.$": "$[5]"}"# : #""OutputPath": "$.missing""#
        let branch = #"{"StartAt": "B", "States": {"B": {"Type": "Pass", "End": true}}}"#
        for state in [
            #""Type": "Parallel", "Branches": [\#(branch)]"#,
            #""Type": "Map", "ItemsPath": "$.items", "ItemProcessor": \#(branch)"#,
        ] {
            let (step, _, _) = try run(
                #"{"StartAt": "P", "States": {"P": {\#(state), \#(shaping), "End": true}}}"#,
                input: #"{"items": [{}]}"#)
            #expect(step.state.error == "States.Runtime")
            let cause = step.state.cause ?? ""
            #expect(
                cause.hasPrefix("An error occurred while executing the state 'P' (entered at the event id #2). "),
                "\(cause)")
        }
    }

    @Test func statesHashDigestsWithEachAlgorithmAndRefusesAnUnknownOne() throws {
        let (step, _, _) = try run(
            #"{"StartAt":"A","States":{"A":{"Type":"Pass","Parameters":{"md5.$":"States.Hash($.v, 'MD5')","sha.$":"States.Hash($.v, 'SHA-256')"},"End":true}}}"#,
            input: #"{"v":"abc"}"#)
        #expect(
            try JSONValue.parse(step.state.output!) == [
                "md5": "900150983cd24fb0d6963f7d28e17f72",
                "sha": "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
            ])
        let (refused, _, _) = try run(
            #"{"StartAt":"A","States":{"A":{"Type":"Pass","Parameters":{"h.$":"States.Hash($.v, 'CRC32')"},"End":true}}}"#,
            input: #"{"v":"abc"}"#)
        #expect(refused.state.error == "States.IntrinsicFailure")
    }

    @Test func anOutputOver256KiBFailsWithDataLimitExceeded() throws {
        let big = String(repeating: "a", count: 262_145)
        let (step, _, _) = try run(
            #"{"StartAt":"A","States":{"A":{"Type":"Pass","Next":"B"},"B":{"Type":"Pass","End":true}}}"#,
            input: #"{"v":"\#(big)"}"#)
        #expect(step.state.error == "States.DataLimitExceeded")
        #expect(step.events.map(\.type) == ["ExecutionStarted", "PassStateEntered", "ExecutionFailed"])
    }

    @Test func aTimestampOutOfRangeIsRefusedWithThePathAndValue() throws {
        let (step, _, _) = try run(
            #"{"StartAt":"W","States":{"W":{"Type":"Wait","TimestampPath":"$.t","End":true}}}"#,
            input: #"{"t":"2016-12-05T25:29:29Z"}"#)
        #expect(step.state.error == "States.Runtime")
        #expect(step.state.cause?.hasSuffix("format string: $.t == 2016-12-05T25:29:29Z") == true)
    }

    @Test func missingParameterPathIsARuntimeFailure() throws {
        let (step, _, _) = try run(
            #"{"StartAt":"A","States":{"A":{"Type":"Pass","Parameters":{"x.$":"$.nope"},"End":true}}}"#)
        #expect(step.state.status == .failed)
        #expect(step.state.error == "States.Runtime")
    }

    @Test func waitStateSetsATimerAndResumesWhenItFires() throws {
        let (step, interpreter, identity) = try run(
            #"{"StartAt":"W","States":{"W":{"Type":"Wait","SecondsPath":"$.t","End":true}}}"#, input: #"{"t":5}"#)
        #expect(step.state.status == .running)
        #expect(step.effects == [.startTimer(id: "wait:1", dueAt: 5)])
        var random: any RandomNumberGenerator = SplitMix64(seed: 1)
        let resumed = try #require(
            interpreter.handle(
                .timerFired(id: "wait:1"), state: step.state, identity: identity, now: 5, random: &random))
        #expect(resumed.events.map(\.type) == ["WaitStateExited", "ExecutionSucceeded"])
    }

    @Test func invalidSecondsPathFailsTheExecution() throws {
        let (step, _, _) = try run(
            #"{"StartAt":"W","States":{"W":{"Type":"Wait","SecondsPath":"$.t","End":true}}}"#, input: #"{"t":-1}"#)
        #expect(step.state.status == .failed)
        #expect(step.events.map(\.type) == ["ExecutionStarted", "WaitStateEntered", "ExecutionFailed"])
    }

    @Test func retryBacksOffThenCatches() throws {
        let definition = #"""
            {"StartAt":"T","States":{
              "T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"f"},
                   "Retry":[{"ErrorEquals":["Lambda.ServiceException"],"IntervalSeconds":2,"MaxAttempts":2,"BackoffRate":2}],
                   "Catch":[{"ErrorEquals":["States.ALL"],"ResultPath":"$.err","Next":"Done"}],"End":false,"Next":"Done"},
              "Done":{"Type":"Succeed"}}}
            """#
        var (step, interpreter, identity) = try run(definition, input: #"{"a":1}"#)
        var random: any RandomNumberGenerator = SplitMix64(seed: 1)
        var now = 0.0
        var delays: [Double] = []
        for _ in 0..<3 {
            guard
                case .invoke(let call)? = step.effects.first(where: {
                    if case .invoke = $0 { return true } else { return false }
                })
            else {
                Issue.record("no invocation")
                return
            }
            step = try #require(
                interpreter.handle(
                    .taskFailed(taskKey: call.taskKey, error: "Lambda.ServiceException", cause: "boom"),
                    state: step.state, identity: identity, now: now, random: &random))
            if case .startTimer(let id, let due)? = step.effects.first(where: {
                if case .startTimer = $0 { return true } else { return false }
            }) {
                delays.append(due - now)
                now = due
                step = try #require(
                    interpreter.handle(
                        .timerFired(id: id), state: step.state, identity: identity, now: now, random: &random))
            }
        }
        #expect(delays == [2, 4])
        #expect(step.state.status == .succeeded)
        #expect(
            try JSONValue.parse(step.state.output!) == [
                "a": 1, "err": ["Error": "Lambda.ServiceException", "Cause": "boom"],
            ])
    }

    @Test func heartbeatPostponesTheHeartbeatTimeoutOnly() throws {
        let (step, interpreter, identity) = try run(
            #"{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::sqs:sendMessage.waitForTaskToken","Parameters":{"QueueUrl":"q","MessageBody":{"t.$":"$$.Task.Token"}},"TimeoutSeconds":100,"HeartbeatSeconds":10,"End":true}}}"#
        )
        var random: any RandomNumberGenerator = SplitMix64(seed: 1)
        let key = "1"
        let beat = try #require(
            interpreter.handle(.heartbeat(taskKey: key), state: step.state, identity: identity, now: 8, random: &random)
        )
        #expect(beat.events.isEmpty)
        #expect(beat.effects == [.startTimer(id: "heartbeat:1", dueAt: 18)])
        // The timer first set for t=10 is stale now.
        #expect(
            interpreter.handle(
                .timerFired(id: "heartbeat:1"), state: beat.state, identity: identity, now: 10, random: &random) == nil)
        let missed = try #require(
            interpreter.handle(
                .timerFired(id: "heartbeat:1"), state: beat.state, identity: identity, now: 18, random: &random))
        #expect(missed.events.map(\.type) == ["TaskTimedOut", "ExecutionFailed"])
        #expect(missed.state.error == "States.Timeout")
    }

    @Test func noChoiceMatchedFailsTheExecution() throws {
        let (step, _, _) = try run(
            #"{"StartAt":"C","States":{"C":{"Type":"Choice","Choices":[{"Variable":"$.x","StringEquals":"a","Next":"D"}]},"D":{"Type":"Succeed"}}}"#,
            input: #"{"x":"b"}"#)
        #expect(step.state.error == "States.NoChoiceMatched")
    }

    @Test(arguments: [
        (#"{"Variable":"$.n","NumericGreaterThanEquals":3}"#, true),
        (#"{"Variable":"$.s","StringMatches":"log-*.txt"}"#, true),
        (#"{"Variable":"$.s","StringMatches":"log-\\*.txt"}"#, false),
        (#"{"And":[{"Variable":"$.b","BooleanEquals":true},{"Not":{"Variable":"$.n","NumericLessThan":1}}]}"#, true),
        (#"{"Variable":"$.missing","IsPresent":false}"#, true),
        (#"{"Variable":"$.ts","TimestampLessThan":"2030-01-01T00:00:00Z"}"#, true),
        (#"{"Variable":"$.n","NumericEqualsPath":"$.m"}"#, true),
        (#"{"Variable":"$.s","IsString":true}"#, true),
        (#"{"Variable":"$.nil","IsNull":true}"#, true),
    ])
    func choiceOperators(rule: String, expected: Bool) throws {
        let withNext = String(rule.dropLast()) + #","Next":"Yes"}"#
        let (step, _, _) = try run(
            #"{"StartAt":"C","States":{"C":{"Type":"Choice","Choices":[\#(withNext)],"Default":"No"},"Yes":{"Type":"Pass","Result":"yes","End":true},"No":{"Type":"Pass","Result":"no","End":true}}}"#,
            input: #"{"n":3,"m":3,"s":"log-1.txt","b":true,"ts":"2024-05-01T10:00:00Z","nil":null}"#)
        #expect(step.state.output == (expected ? #""yes""# : #""no""#))
    }

    @Test func stopAbortsAndRetiresTheToken() throws {
        let (step, interpreter, identity) = try run(
            #"{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::sqs:sendMessage.waitForTaskToken","Parameters":{"QueueUrl":"q","MessageBody":"x"},"End":true}}}"#
        )
        let token = try #require(step.state.openTaskTokens.first)
        var random: any RandomNumberGenerator = SplitMix64(seed: 1)
        let stopped = try #require(
            interpreter.handle(
                .stop(error: "E", cause: nil), state: step.state, identity: identity, now: 1, random: &random))
        #expect(stopped.state.status == .aborted)
        #expect(stopped.effects.contains(.retireToken(token)))
    }
}

@Suite struct ValidationTests {
    @Test(arguments: [
        (#"{"StartAt":"A","States":{"A":{"Type":"Pass","Next":"Nope"}}}"#, "MISSING_TRANSITION_TARGET"),
        (
            #"{"StartAt":"A","States":{"A":{"Type":"Pass","End":true},"B":{"Type":"Pass","End":true}}}"#,
            "UNREACHABLE_STATE"
        ),
        (#"{"StartAt":"A","States":{"A":{"Type":"Pass","End":true,"Bogus":1}}}"#, "SCHEMA_VALIDATION_FAILED"),
        (#"{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"nope","End":true}}}"#, "INVALID_RESOURCE"),
        (#"{"StartAt":"A","States":{"A":{"Type":"Pass","ResultPath":"$[*]","End":true}}}"#, "INVALID_JSON_PATH"),
        (
            #"{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"arn:aws:states:::sqs:sendMessage","TimeoutSeconds":5,"HeartbeatSeconds":5,"End":true}}}"#,
            "SCHEMA_VALIDATION_FAILED"
        ),
        (#"{"StartAt":"A","States":{"A":{"Type":"Pass","Next":"A"}}}"#, "NO_TERMINAL_STATE"),
        ("not json", "INVALID_JSON_DESCRIPTION"),
    ])
    func rejectsWithALocatedDiagnostic(definition: String, code: String) {
        do {
            _ = try StateMachineDefinition.parse(definition)
            Issue.record("accepted an invalid definition")
        } catch {
            #expect(error.diagnostics.contains { $0.code == code }, "\(error)")
        }
    }

    @Test func credentialsAreAcceptedWithAWarningThatTheyAreIgnored() throws {
        let definition = try StateMachineDefinition.parse(
            #"{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::sns:publish","Credentials":{"RoleArn":"arn:aws:iam::1:role/x"},"Parameters":{"TopicArn":"t","Message":"m"},"End":true}}}"#
        )
        #expect(definition.warnings.map(\.code) == ["IGNORED_FIELD"])
        #expect(definition.warnings.first?.severity == "WARNING")
        #expect(definition.warnings.first?.location == "States/T/Credentials")
    }

    @Test(arguments: [
        (
            #"{"StartAt":"P","States":{"P":{"Type":"Parallel","End":true,"Branches":[{"StartAt":"A","States":{"A":{"Type":"Pass","Next":"Outside"}}}]},"Outside":{"Type":"Pass","End":true}}}"#,
            "MISSING_TRANSITION_TARGET", "States/P/Branches/0/States/A/Next"
        ),
        (
            #"{"StartAt":"M","States":{"M":{"Type":"Map","End":true,"ItemProcessor":{"StartAt":"A","States":{"A":{"Type":"Pass","End":true},"B":{"Type":"Pass","End":true}}}}}}"#,
            "UNREACHABLE_STATE", "States/M/ItemProcessor/States/B"
        ),
        (
            #"{"StartAt":"M","States":{"M":{"Type":"Map","End":true,"Iterator":{"StartAt":"Nope","States":{"A":{"Type":"Pass","End":true}}}}}}"#,
            "MISSING_TRANSITION_TARGET", "States/M/Iterator/StartAt"
        ),
        (
            #"{"StartAt":"M","States":{"M":{"Type":"Map","End":true,"ItemProcessor":{"ProcessorConfig":{"Mode":"SIDEWAYS"},"StartAt":"A","States":{"A":{"Type":"Pass","End":true}}}}}}"#,
            "SCHEMA_VALIDATION_FAILED", "States/M/ItemProcessor/ProcessorConfig/Mode"
        ),
        (
            #"{"StartAt":"P","States":{"P":{"Type":"Parallel","End":true,"Branches":[]}}}"#,
            "SCHEMA_VALIDATION_FAILED", "States/P/Branches"
        ),
    ])
    func nestedStatesAreValidatedWhereTheyStand(definition: String, code: String, location: String) {
        do {
            _ = try StateMachineDefinition.parse(definition)
            Issue.record("accepted an invalid definition")
        } catch {
            #expect(error.diagnostics.contains { $0.code == code && $0.location == location }, "\(error)")
        }
    }
}

@Suite struct TaskTokenTests {
    @Test func mintedTokensAreWellFormedAndDistinct() {
        var random: any RandomNumberGenerator = SystemRandomNumberGenerator()
        let tokens = (0..<100).map { _ in TaskToken.mint(using: &random) }
        #expect(Set(tokens).count == 100)
        #expect(tokens.allSatisfy(TaskToken.isWellFormed))
    }

    @Test func mangledTokensAreNotWellFormed() {
        var random: any RandomNumberGenerator = SplitMix64(seed: 9)
        let token = TaskToken.mint(using: &random)
        #expect(!TaskToken.isWellFormed("\"\(token)\""))
        #expect(!TaskToken.isWellFormed(String(token.dropLast())))
        var flipped = Array(token)
        flipped[10] = flipped[10] == "A" ? "B" : "A"
        #expect(!TaskToken.isWellFormed(String(flipped)))
        #expect(!TaskToken.isWellFormed(""))
    }

    /// Tokens are standard base64url without padding (RFC 4648 §5): a token minted before the encoder was written by
    /// hand (Foundation's base64 then; this one by Python's `urlsafe_b64encode` over the same bytes) still answers.
    @Test func tokensMintedByEarlierVersionsAreWellFormed() {
        let token = "AQAQcICQoLDA0ODxAREhMUFRYXGBkaGxwdHgPk9jw"
        #expect(TaskToken.isWellFormed(token))
        #expect(!TaskToken.isWellFormed(token + "A"))
        #expect(!TaskToken.isWellFormed(String(token.dropLast()) + "x"))
        #expect(!TaskToken.isWellFormed("AQ" + "+/" + token.dropFirst(4)))
    }
}
