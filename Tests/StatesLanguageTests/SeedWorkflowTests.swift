import Foundation
import JSON
import StatesLanguage
import Testing

/// The upstream main definition, driven through the pure interpreter with no process, socket or clock.
@Suite struct SeedWorkflowTests {
    static let definitionText = """
        {
          "StartAt": "Invoke Async API & Wait For CallBack",
          "States": {
            "Invoke Async API & Wait For CallBack": {
              "Type": "Task",
              "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
              "Parameters": {
                "QueueUrl": "https://sqs.us-east-1.amazonaws.com/123456789012/workflow_requestorQueue",
                "MessageBody": { "taskToken.$": "$$.Task.Token", "payload.$": "$$.Execution.Input" }
              },
              "Next": "Check Response Status",
              "TimeoutSeconds": 300,
              "Catch": [ { "ErrorEquals": ["States.Timeout", "States.TaskFailed"], "Next": "SNS Publish - Send Error Notification" } ]
            },
            "Check Response Status": {
              "Type": "Choice",
              "Choices": [ { "Variable": "$.status", "NumericEquals": 200, "Next": "SNS Publish - Send Success Notification" } ],
              "Default": "SNS Publish - Send Error Notification"
            },
            "SNS Publish - Send Success Notification": {
              "Type": "Task", "Resource": "arn:aws:states:::sns:publish",
              "Parameters": { "TopicArn": "arn:aws:sns:us-east-1:123456789012:t", "Message": { "status": 200, "message": "API Executed Successfully", "body": "" } },
              "End": true
            },
            "SNS Publish - Send Error Notification": {
              "Type": "Task", "Resource": "arn:aws:states:::sns:publish",
              "Parameters": { "TopicArn": "arn:aws:sns:us-east-1:123456789012:t", "Message": { "status": 500, "message": "API Failed", "body": "" } },
              "End": true
            }
          }
        }
        """

    let interpreter = Interpreter(definition: try! StateMachineDefinition.parse(SeedWorkflowTests.definitionText))
    let identity = ExecutionIdentity(
        executionArn: "arn:aws:states:us-east-1:123456789012:execution:Main:e1", name: "e1",
        stateMachineArn: "arn:aws:states:us-east-1:123456789012:stateMachine:Main", stateMachineName: "Main",
        roleArn: "arn:aws:iam::123456789012:role/r", startTime: 1000, input: #"{"waitTime":1,"status":"success"}"#)

    func invocation(in step: Step) -> TaskInvocation? {
        for effect in step.effects { if case .invoke(let call) = effect { return call } }
        return nil
    }

    @Test func successCallbackTakesTheSuccessPath() throws {
        var random: any RandomNumberGenerator = SplitMix64(seed: 1)
        let started = interpreter.start(identity, now: 1000, random: &random)
        #expect(started.events.map(\.type) == ["ExecutionStarted", "TaskStateEntered", "TaskScheduled", "TaskStarted"])
        #expect(started.events[1].previousEventId == 0)
        let send = try #require(invocation(in: started))
        #expect(send.resource.resourceType == "sqs" && send.resource.pattern == .waitForTaskToken)
        let token = try #require(send.token)
        #expect(TaskToken.isWellFormed(token))
        let body = try JSONValue.parse(send.parameters)["MessageBody"]
        #expect(body?["taskToken"] == .string(token))
        #expect(body?["payload"] == ["waitTime": 1, "status": "success"])
        #expect(started.effects.contains(.startTimer(id: "timeout:\(send.taskKey)", dueAt: 1300)))
        #expect(started.effects.contains(.issueToken(token, taskKey: send.taskKey)))

        let submitted = try #require(
            interpreter.handle(
                .taskSubmitted(taskKey: send.taskKey, output: ["MessageId": "m1"]), state: started.state,
                identity: identity, now: 1000.1, random: &random))
        #expect(submitted.events.map(\.type) == ["TaskSubmitted"])

        let callback = try #require(
            interpreter.handle(
                .taskSucceeded(taskKey: send.taskKey, output: ["status": 200, "payload": ["body": "ok"]]),
                state: submitted.state, identity: identity, now: 1001, random: &random))
        #expect(
            callback.events.map(\.type) == [
                "TaskSucceeded", "TaskStateExited", "ChoiceStateEntered", "ChoiceStateExited", "TaskStateEntered",
                "TaskScheduled", "TaskStarted",
            ])
        #expect(callback.effects.contains(.retireToken(token)))
        let publish = try #require(invocation(in: callback))
        #expect(publish.stateName == "SNS Publish - Send Success Notification")
        #expect(publish.token == nil)

        let done = try #require(
            interpreter.handle(
                .taskSucceeded(taskKey: publish.taskKey, output: ["MessageId": "sns-1"]), state: callback.state,
                identity: identity, now: 1001.2, random: &random))
        #expect(done.events.map(\.type) == ["TaskSucceeded", "TaskStateExited", "ExecutionSucceeded"])
        #expect(done.state.status == .succeeded)
        #expect(try JSONValue.parse(done.state.output!) == ["MessageId": "sns-1"])
        let all = started.events + submitted.events + callback.events + done.events
        #expect(all.map(\.id) == Array(1...all.count))
        #expect(all.dropFirst(2).allSatisfy { $0.previousEventId == $0.id - 1 })
    }

    @Test func failureCallbackIsCaughtAndPublishesTheError() throws {
        var random: any RandomNumberGenerator = SplitMix64(seed: 2)
        let started = interpreter.start(identity, now: 0, random: &random)
        let send = try #require(invocation(in: started))
        let failed = try #require(
            interpreter.handle(
                .taskFailed(taskKey: send.taskKey, error: "sample error message", cause: "sample error message"),
                state: started.state, identity: identity, now: 1, random: &random))
        #expect(
            failed.events.map(\.type) == [
                "TaskFailed", "TaskStateExited", "TaskStateEntered", "TaskScheduled", "TaskStarted",
            ])
        let exited = failed.events[1].details?["output"]?.stringValue
        #expect(try JSONValue.parse(exited!) == ["Error": "sample error message", "Cause": "sample error message"])
        #expect(invocation(in: failed)?.stateName == "SNS Publish - Send Error Notification")
    }

    @Test func timeoutIsCaughtAndTheLateCallbackIsRefused() throws {
        var random: any RandomNumberGenerator = SplitMix64(seed: 3)
        let started = interpreter.start(identity, now: 0, random: &random)
        let send = try #require(invocation(in: started))
        // A timer that fires early (clock skew) changes nothing.
        #expect(
            interpreter.handle(
                .timerFired(id: "timeout:\(send.taskKey)"), state: started.state, identity: identity, now: 299,
                random: &random)
                == nil)
        let timedOut = try #require(
            interpreter.handle(
                .timerFired(id: "timeout:\(send.taskKey)"), state: started.state, identity: identity, now: 300,
                random: &random))
        #expect(timedOut.events.first?.type == "TaskTimedOut")
        #expect(timedOut.events.first?.details?["error"] == "States.Timeout")
        #expect(invocation(in: timedOut)?.stateName == "SNS Publish - Send Error Notification")
        let late = interpreter.handle(
            .taskSucceeded(taskKey: send.taskKey, output: ["status": 200]), state: timedOut.state, identity: identity,
            now: 301, random: &random)
        #expect(late == nil)
    }

    @Test func statusOtherThan200TakesTheDefault() throws {
        var random: any RandomNumberGenerator = SplitMix64(seed: 4)
        let started = interpreter.start(identity, now: 0, random: &random)
        let send = try #require(invocation(in: started))
        let step = try #require(
            interpreter.handle(
                .taskSucceeded(taskKey: send.taskKey, output: ["status": "200"]), state: started.state,
                identity: identity, now: 1, random: &random))
        #expect(invocation(in: step)?.stateName == "SNS Publish - Send Error Notification")
    }

    @Test func missingStatusFailsTheExecutionWithARuntimeError() throws {
        var random: any RandomNumberGenerator = SplitMix64(seed: 5)
        let started = interpreter.start(identity, now: 0, random: &random)
        let send = try #require(invocation(in: started))
        let step = try #require(
            interpreter.handle(
                .taskSucceeded(taskKey: send.taskKey, output: ["nostatus": true]), state: started.state,
                identity: identity, now: 1, random: &random))
        #expect(step.state.status == .failed)
        #expect(step.state.error == "States.Runtime")
        #expect(step.events.last?.type == "ExecutionFailed")
    }
}
