import JSON
import StatesLanguage
import StepFunctionsLocal
import Testing

@Suite struct LocalRunnerTests {
    static let callback = """
        {"StartAt": "Ask", "States": {
          "Ask": {"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
                  "Parameters": {"QueueUrl": "q", "MessageBody": {"token.$": "$$.Task.Token"}},
                  "TimeoutSeconds": 300, "HeartbeatSeconds": 60, "Next": "Pause"},
          "Pause": {"Type": "Wait", "Seconds": 3600, "End": true}}}
        """

    func run(_ definition: String, mock: String? = nil, testCase: String = "Case") async throws -> LocalRunner.Result {
        let parsed = try StateMachineDefinition.parse(definition)
        var responder = Responders.localServices
        if let mock {
            responder = Responders.mocked(
                try MockConfig(json: try JSONValue.parse(mock)).testCase(testCase, stateMachine: nil))
        }
        return await LocalRunner(definition: parsed, startTime: 1_000_000, responder: responder).run(input: "{}")
    }

    @Test func aMockedReturnCompletesTheCallbackTaskAndVirtualTimeRunsTheHourLongWaitInstantly() async throws {
        let mock = """
            {"StateMachines": {"M": {"TestCases": {"Case": {"Ask": "Answer"}}}},
             "MockedResponses": {"Answer": {"0": {"Return": {"ok": true}, "DelaySeconds": 30}}}}
            """
        let clock = ContinuousClock.now
        let result = try await run(Self.callback, mock: mock)
        #expect(ContinuousClock.now - clock < .seconds(5))
        #expect(result.status == .succeeded)
        #expect(result.output == ["ok": true])
        #expect(
            result.events.map(\.type) == [
                "ExecutionStarted", "TaskStateEntered", "TaskScheduled", "TaskStarted", "TaskSubmitted",
                "TaskSucceeded", "TaskStateExited", "WaitStateEntered", "WaitStateExited", "ExecutionSucceeded",
            ])
        let succeeded = result.events.first { $0.type == "TaskSucceeded" }
        #expect(succeeded?.timestamp == 1_000_030)
        #expect(result.events.last?.timestamp == 1_003_630)
    }

    /// AWS records no error for a Fail state without Error: `asl run` prints null and the event's details are `{}`.
    @Test func aFailStateWithoutErrorHasNoError() async throws {
        let result = try await run(#"{"StartAt": "F", "States": {"F": {"Type": "Fail"}}}"#)
        #expect(result.status == .failed)
        #expect(result.error == nil)
        #expect(result.json["error"] == .null)
        let failed = try #require(result.events.last)
        #expect(failed.type == "ExecutionFailed")
        #expect(failed.json["executionFailedEventDetails"] == [:])
        let named = try await run(#"{"StartAt": "F", "States": {"F": {"Type": "Fail", "Error": "E"}}}"#)
        #expect(named.error == "E")
    }

    @Test func aCallbackThatNeverComesTimesOutAtTheHeartbeatUnlessHeartbeatsKeepItAlive() async throws {
        let silent = try await run(Self.callback)
        #expect(silent.status == .failed)
        #expect(silent.error == "States.Timeout")
        #expect(silent.events.first { $0.type == "TaskTimedOut" }?.timestamp == 1_000_060)

        let mock = """
            {"StateMachines": {"M": {"TestCases": {"Case": {"Ask": "Beating"}}}},
             "MockedResponses": {"Beating": {"0": {"NoResponse": true, "HeartbeatSeconds": [50, 100, 150]}}}}
            """
        let beating = try await run(Self.callback, mock: mock)
        #expect(beating.error == "States.Timeout")
        // The last heartbeat at 150 s keeps it alive until 210 s.
        #expect(beating.events.first { $0.type == "TaskTimedOut" }?.timestamp == 1_000_210)
    }

    @Test func rangesOfInvocationsDriveRetries() async throws {
        let definition = """
            {"StartAt": "Call", "States": {"Call": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
              "Retry": [{"ErrorEquals": ["Lambda.TooManyRequestsException"], "IntervalSeconds": 10, "MaxAttempts": 3}],
              "End": true}}}
            """
        let mock = """
            {"StateMachines": {"M": {"TestCases": {"Case": {"Call": "Flaky"}}}},
             "MockedResponses": {"Flaky": {
               "0-1": {"Throw": {"Error": "Lambda.TooManyRequestsException", "Cause": "slow down"}},
               "2": {"Return": {"StatusCode": 200, "Payload": 42}}}}}
            """
        let result = try await run(definition, mock: mock)
        #expect(result.status == .succeeded)
        #expect(result.output?["Payload"] == 42)
        #expect(result.events.filter { $0.type == "TaskFailed" }.count == 2)
        #expect(result.events.last?.timestamp == 1_000_030)
    }

    @Test func anUnmockedLambdaFailsWithACauseThatSaysToMockIt() async throws {
        let definition = """
            {"StartAt": "Call", "States": {"Call": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "End": true}}}
            """
        let result = try await run(definition)
        #expect(result.status == .failed)
        #expect(result.cause?.contains("--mock-config") == true)
    }

    @Test func aMockConfigThatNamesAMissingResponseIsRefused() throws {
        let config = try MockConfig(
            json: try JSONValue.parse(#"{"StateMachines": {"M": {"TestCases": {"Case": {"S": "Nope"}}}}}"#))
        #expect(throws: MockConfig.MockError.self) { try config.testCase("Case", stateMachine: nil) }
        #expect(throws: MockConfig.MockError.self) {
            try MockConfig(json: try JSONValue.parse(#"{"MockedResponses": {"R": {"x": {"Return": 1}}}}"#))
        }
    }
}
