import Foundation
import JSON
import StatesLanguage
import Testing

/// States whose QueryLanguage is JSONata: Arguments, Output, Assign, Condition and `$states`.
@Suite struct JSONataStatesTests {
    static let callback = """
        {"QueryLanguage": "JSONata", "StartAt": "Ask", "States": {
          "Ask": {"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
                  "Arguments": {"QueueUrl": "q", "MessageBody": {"token": "{% $states.context.Task.Token %}",
                                                                 "order": "{% $states.input.order %}"}},
                  "TimeoutSeconds": "{% $states.input.patience * 60 %}",
                  "Assign": {"status": "{% $states.result.status %}"},
                  "Output": {"order": "{% $states.input.order %}", "approved": "{% $states.result.status = 200 %}"},
                  "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Rejected",
                             "Output": {"why": "{% $states.errorOutput.Cause %}"}}],
                  "Next": "Decide"},
          "Decide": {"Type": "Choice", "Default": "Rejected",
                     "Choices": [{"Condition": "{% $status = 200 %}", "Next": "Approved",
                                  "Output": "{% $states.input.order & ' approved' %}"}]},
          "Approved": {"Type": "Succeed"},
          "Rejected": {"Type": "Fail", "Error": "Rejected", "Cause": "{% $string($states.input) %}"}}}
        """

    @Test func aCallbackTaskTakesItsArgumentsTimeoutAndOutputFromExpressions() throws {
        let driver = try ExecutionDriver(Self.callback, input: #"{"order": "o-7", "patience": 5}"#)
        let send = try #require(driver.invocations.first)
        let body = try JSONValue.parse(send.parameters)["MessageBody"]
        #expect(body?["token"]?.stringValue == send.token)
        #expect(body?["order"] == "o-7")
        let scheduled = driver.events.first { $0.type == "TaskScheduled" }
        #expect(scheduled?.details?["timeoutInSeconds"] == 300)

        driver.send(.taskSucceeded(taskKey: send.taskKey, output: ["status": 200]))
        #expect(driver.state.status == .succeeded)
        #expect(driver.output == "o-7 approved")
        let taskExited = driver.events.first { $0.type == "TaskStateExited" }
        #expect(
            try JSONValue.parse(taskExited?.details?["output"]?.stringValue ?? "") == [
                "order": "o-7", "approved": true,
            ])
        #expect(taskExited?.details?["assignedVariables"] == ["status": "200"])
    }

    @Test func aCatcherOutputSeesTheErrorOutput() throws {
        let driver = try ExecutionDriver(Self.callback, input: #"{"order": "o-8", "patience": 1}"#)
        driver.send(.taskFailed(taskKey: driver.invocations[0].taskKey, error: "Api.Down", cause: "503"))
        #expect(driver.state.status == .failed)
        #expect(driver.state.error == "Rejected")
        #expect(driver.state.cause == #"{"why":"503"}"#)
    }

    @Test func anExpressionThatYieldsNothingFailsWithEvaluationFailed() throws {
        let driver = try ExecutionDriver(
            #"{"QueryLanguage":"JSONata","StartAt":"P","States":{"P":{"Type":"Pass","Output":{"x":"{% $states.input.missing %}"},"End":true}}}"#
        )
        #expect(driver.state.error == "States.QueryEvaluationError")
        #expect(
            driver.state.cause
                == "An error occurred while executing the state 'P' (entered at the event id #2). The JSONata expression '$states.input.missing' specified for the field 'Output/x' returned nothing (undefined)."
        )
        let failed = driver.events.first { $0.type == "EvaluationFailed" }
        #expect(failed?.details?["location"] == "Output/x")
        #expect(failed?.details?["state"] == "P")
        #expect(driver.types == ["ExecutionStarted", "PassStateEntered", "EvaluationFailed", "ExecutionFailed"])
    }

    @Test func aComputedNegativeMaxConcurrencyFailsTheMapInsteadOfStallingIt() throws {
        let driver = try ExecutionDriver(
            #"{"QueryLanguage":"JSONata","StartAt":"M","States":{"M":{"Type":"Map","Items":[1,2],"MaxConcurrency":"{% 0 - 1 %}","ItemProcessor":{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}},"End":true}}}"#
        )
        #expect(driver.state.status == .failed)
        #expect(driver.state.error == "States.QueryEvaluationError")
        #expect(driver.events.first { $0.type == "EvaluationFailed" }?.details?["location"] == "MaxConcurrency")
    }

    @Test func aJSONPathStateHandsItsOutputToAJSONataState() throws {
        let driver = try ExecutionDriver(
            """
            {"StartAt": "Old", "States": {
              "Old": {"Type": "Pass", "Parameters": {"n.$": "$.n"}, "Assign": {"base": 10}, "Next": "New"},
              "New": {"Type": "Pass", "QueryLanguage": "JSONata", "Output": "{% $states.input.n + $base %}",
                      "End": true}}}
            """, input: #"{"n": 5}"#)
        #expect(driver.output == 15)
    }

    @Test(arguments: [
        (
            #"{"QueryLanguage":"JSONata","StartAt":"P","States":{"P":{"Type":"Pass","InputPath":"$.x","End":true}}}"#,
            "SCHEMA_VALIDATION_FAILED"
        ),
        (
            #"{"QueryLanguage":"JSONata","StartAt":"P","States":{"P":{"Type":"Pass","Output":"{% $states.input. %}","End":true}}}"#,
            "INVALID_JSONATA"
        ),
        (
            #"{"QueryLanguage":"JSONata","StartAt":"P","States":{"P":{"Type":"Pass","QueryLanguage":"JSONPath","End":true}}}"#,
            "SCHEMA_VALIDATION_FAILED"
        ),
        (#"{"StartAt":"P","States":{"P":{"Type":"Pass","Output":{},"End":true}}}"#, "SCHEMA_VALIDATION_FAILED"),
    ])
    func misusedFieldsAndBrokenExpressionsAreRefusedUpFront(definition: String, code: String) {
        do {
            _ = try StateMachineDefinition.parse(definition)
            Issue.record("accepted")
        } catch {
            #expect(error.diagnostics.contains { $0.code == code }, "\(error)")
        }
    }
}
