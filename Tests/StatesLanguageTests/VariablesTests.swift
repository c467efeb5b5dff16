import Foundation
import JSON
import StatesLanguage
import Testing

/// Workflow variables (`Assign`, `$name`) in JSONPath state machines.
@Suite struct VariablesTests {
    @Test func assignedVariablesReachLaterStatesAndTheExitedEventRecordsThem() throws {
        let driver = try ExecutionDriver(
            """
            {"StartAt": "Remember", "States": {
              "Remember": {"Type": "Pass", "Result": {"id": "o-1", "total": 30},
                           "Assign": {"orderId.$": "$.id", "limit": 25}, "Next": "Forget"},
              "Forget": {"Type": "Pass", "Result": "unrelated", "Next": "Use"},
              "Use": {"Type": "Pass", "Parameters": {"order.$": "$orderId", "limit.$": "$limit"}, "End": true}}}
            """)
        #expect(driver.output == ["order": "o-1", "limit": 25])
        let exited = driver.events.first { $0.type == "PassStateExited" }
        #expect(exited?.details?["assignedVariables"] == ["orderId": #""o-1""#, "limit": "25"])
        #expect(exited?.details?["assignedVariablesDetails"] == ["truncated": false])
    }

    @Test func aStateSeesTheVariablesAsTheyWereWhenItBegan() throws {
        let driver = try ExecutionDriver(
            """
            {"StartAt": "First", "States": {
              "First": {"Type": "Pass", "Assign": {"count": 1}, "Next": "Second"},
              "Second": {"Type": "Pass", "Assign": {"count.$": "States.MathAdd($count, 1)", "before.$": "$count"},
                         "OutputPath": "$count", "Next": "Third"},
              "Third": {"Type": "Pass", "Parameters": {"count.$": "$count", "before.$": "$before"}, "End": true}}}
            """)
        let second = driver.events.filter { $0.type == "PassStateExited" }[1]
        // OutputPath read the old value in the same state; the next state sees the new one.
        #expect(second.details?["output"] == "1")
        #expect(driver.output == ["count": 2, "before": 1])
    }

    @Test func iterationsReadOuterVariablesAndKeepTheirOwnToThemselves() throws {
        let inner = """
            {"StartAt": "Scale", "States": {"Scale": {"Type": "Pass",
              "Assign": {"scaled.$": "States.MathAdd($, $offset)"}, "Next": "Report"},
             "Report": {"Type": "Pass", "Parameters": {"value.$": "$scaled"}, "End": true}}}
            """
        let driver = try ExecutionDriver(
            """
            {"StartAt": "Setup", "States": {
              "Setup": {"Type": "Pass", "Assign": {"offset": 100, "items": [1, 2]}, "Next": "Each"},
              "Each": {"Type": "Map", "ItemsPath": "$items", "ItemProcessor": \(inner), "Next": "After"},
              "After": {"Type": "Pass", "Parameters": {"leaked.$": "$scaled"}, "End": true}}}
            """)
        let mapExited = driver.events.first { $0.type == "MapStateExited" }
        #expect(mapExited?.details?["output"] == #"[{"value":101},{"value":102}]"#)
        // `scaled` lived in the iterations' scopes only.
        #expect(driver.state.status == .failed)
        #expect(driver.state.error == "States.Runtime")
        #expect(driver.state.cause?.contains("$scaled") == true)
    }

    @Test func aWaitingBranchKeepsItsVariablesThroughStorageAndTheCallback() throws {
        let driver = try ExecutionDriver(
            """
            {"StartAt": "Both", "States": {"Both": {"Type": "Parallel", "End": true, "Branches": [
              {"StartAt": "Note", "States": {
                "Note": {"Type": "Pass", "Assign": {"asked": "left"}, "Next": "Ask"},
                "Ask": {"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
                        "Parameters": {"QueueUrl": "q", "MessageBody.$": "$$.Task.Token"},
                        "ResultSelector": {"answer.$": "$", "asked.$": "$asked"}, "End": true}}}]}}}
            """)
        driver.state = try JSONDecoder().decode(ExecutionState.self, from: try JSONEncoder().encode(driver.state))
        driver.send(.taskSucceeded(taskKey: driver.invocations[0].taskKey, output: "yes"))
        #expect(driver.output == [["answer": "yes", "asked": "left"]])
    }

    @Test func aCatcherAssignsFromTheErrorOutput() throws {
        let driver = try ExecutionDriver(
            """
            {"StartAt": "Call", "States": {
              "Call": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
                       "Parameters": {"FunctionName": "f"}, "End": true,
                       "Catch": [{"ErrorEquals": ["States.ALL"], "Assign": {"why.$": "$.Cause"}, "Next": "Explain"}]},
              "Explain": {"Type": "Pass", "Parameters": {"why.$": "$why"}, "End": true}}}
            """)
        driver.send(.taskFailed(taskKey: driver.invocations[0].taskKey, error: "Lambda.Unknown", cause: "boom"))
        #expect(driver.output == ["why": "boom"])
    }

    @Test func aChoiceAssignsFromTheRuleThatMatchedOrElseFromTheState() throws {
        let definition = """
            {"StartAt": "Grade", "States": {
              "Grade": {"Type": "Choice", "Assign": {"grade": "low"}, "Default": "Done",
                        "Choices": [{"Variable": "$.score", "NumericGreaterThan": 50, "Assign": {"grade": "high"},
                                     "Next": "Done"}]},
              "Done": {"Type": "Pass", "Parameters": {"grade.$": "$grade"}, "End": true}}}
            """
        #expect(try ExecutionDriver(definition, input: #"{"score": 80}"#).output == ["grade": "high"])
        #expect(try ExecutionDriver(definition, input: #"{"score": 20}"#).output == ["grade": "low"])
    }

    @Test(arguments: [
        #"{"StartAt":"A","States":{"A":{"Type":"Pass","Assign":{"9lives":1},"End":true}}}"#,
        #"{"StartAt":"A","States":{"A":{"Type":"Pass","Assign":{"states":1},"End":true}}}"#,
        #"{"StartAt":"A","States":{"A":{"Type":"Pass","ResultPath":"$var","End":true}}}"#,
        #"{"StartAt":"A","States":{"A":{"Type":"Succeed","Assign":{"x":1}}}}"#,
    ])
    func invalidAssignmentsAreRefused(definition: String) {
        #expect(throws: InvalidDefinition.self) { try StateMachineDefinition.parse(definition) }
    }
}
