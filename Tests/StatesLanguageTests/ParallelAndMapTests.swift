import Foundation
import JSON
import StatesLanguage
import Testing

/// Parallel branches and Map iterations that wait on task tokens, driven event by event as the orchestrator does.
@Suite struct ParallelAndMapTests {
    static let callbackTask = """
        {"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
         "Parameters": {"QueueUrl": "q", "MessageBody": {"token.$": "$$.Task.Token", "input.$": "$"}}, "End": true}
        """

    @Test func parallelBranchesEachWaitOnTheirOwnTokenAndTheOutputKeepsBranchOrder() throws {
        let driver = try ExecutionDriver(
            """
            {"StartAt": "Both", "States": {"Both": {"Type": "Parallel", "End": true, "Branches": [
              {"StartAt": "Left", "States": {"Left": \(Self.callbackTask)}},
              {"StartAt": "Right", "States": {"Right": \(Self.callbackTask)}}]}}}
            """)
        #expect(driver.state.status == .running)
        #expect(driver.state.openTaskTokens.count == 2)
        let left = driver.invocations[0]
        let right = driver.invocations[1]
        #expect(left.stateName == "Left" && right.stateName == "Right")

        #expect(driver.send(.taskSucceeded(taskKey: right.taskKey, output: ["side": "right"])))
        #expect(driver.state.status == .running)
        #expect(driver.state.openTaskTokens == [left.token].compactMap { $0 })
        #expect(driver.send(.taskSucceeded(taskKey: left.taskKey, output: ["side": "left"])))
        #expect(driver.state.status == .succeeded)
        #expect(driver.output == [["side": "left"], ["side": "right"]])
        #expect(driver.types.suffix(2) == ["ParallelStateExited", "ExecutionSucceeded"])
        #expect(driver.effects.contains(.retireToken(left.token!)))
        #expect(driver.effects.contains(.retireToken(right.token!)))
        // A second callback for a finished branch is stale.
        #expect(!driver.send(.taskSucceeded(taskKey: left.taskKey, output: [:])))
    }

    @Test func aFailedBranchAbortsItsWaitingSiblingAndTheParallelCatchTakesOver() throws {
        let driver = try ExecutionDriver(
            """
            {"StartAt": "Both", "States": {
              "Both": {"Type": "Parallel", "Next": "Done", "Branches": [
                {"StartAt": "Slow", "States": {"Slow": \(Self.callbackTask)}},
                {"StartAt": "Fast", "States": {"Fast": \(Self.callbackTask)}}],
               "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.failure", "Next": "Recovered"}]},
              "Recovered": {"Type": "Pass", "End": true},
              "Done": {"Type": "Pass", "End": true}}}
            """, input: #"{"order": 7}"#)
        let slow = driver.invocations[0]
        let fast = driver.invocations[1]
        #expect(driver.send(.taskFailed(taskKey: fast.taskKey, error: "Api.Rejected", cause: "no")))
        #expect(driver.state.status == .succeeded)
        #expect(driver.output == ["order": 7, "failure": ["Error": "Api.Rejected", "Cause": "no"]])
        #expect(driver.effects.contains(.retireToken(slow.token!)))
        let tail = Array(driver.types.drop { $0 != "TaskFailed" })
        #expect(
            tail == [
                "TaskFailed", "TaskStateAborted", "ParallelStateFailed", "ParallelStateExited", "PassStateEntered",
                "PassStateExited", "ExecutionSucceeded",
            ])
        // The aborted branch's callback arrives late: nothing waits for it any more.
        #expect(!driver.send(.taskSucceeded(taskKey: slow.taskKey, output: [:])))
        #expect(driver.state.openTaskTokens.isEmpty)
    }

    @Test func mapRunsAtMostMaxConcurrencyIterationsAndKeepsItemOrder() throws {
        let driver = try ExecutionDriver(
            """
            {"StartAt": "Each", "States": {"Each": {"Type": "Map", "ItemsPath": "$.orders", "MaxConcurrency": 2,
              "ItemSelector": {"index.$": "$$.Map.Item.Index", "order.$": "$$.Map.Item.Value", "batch.$": "$.batch"},
              "ItemProcessor": {"StartAt": "Ask", "States": {"Ask": \(Self.callbackTask)}}, "End": true}}}
            """, input: #"{"batch": "b1", "orders": ["a", "b", "c", "d"]}"#)
        #expect(driver.invocations.count == 2)
        let first = try JSONValue.parse(driver.invocations[0].parameters)["MessageBody"]?["input"]
        #expect(first == ["index": 0, "order": "a", "batch": "b1"])

        // The second iteration finishes first: the third starts, and results still come back in item order.
        driver.send(.taskSucceeded(taskKey: driver.invocations[1].taskKey, output: "B"))
        #expect(driver.invocations.count == 3)
        #expect(driver.state.openTaskTokens.count == 2)
        for invocation in [driver.invocations[0], driver.invocations[2]] {
            let item = try JSONValue.parse(invocation.parameters)["MessageBody"]?["input"]?["order"]?.stringValue
            driver.send(.taskSucceeded(taskKey: invocation.taskKey, output: .string(item!.uppercased())))
        }
        #expect(driver.invocations.count == 4)
        driver.send(.taskSucceeded(taskKey: driver.invocations[3].taskKey, output: "D"))
        #expect(driver.state.status == .succeeded)
        #expect(driver.output == ["A", "B", "C", "D"])
        #expect(driver.types.filter { $0 == "MapIterationSucceeded" }.count == 4)
        #expect(driver.types.suffix(3) == ["MapStateSucceeded", "MapStateExited", "ExecutionSucceeded"])
    }

    static let failingMap = """
        {"StartAt": "Each", "States": {"Each": {"Type": "Map", "ToleratedFailureCount": 1,
          "ItemProcessor": {"StartAt": "Check", "States": {
            "Check": {"Type": "Choice", "Choices": [{"Variable": "$", "StringEquals": "bad", "Next": "Reject"}],
                      "Default": "Accept"},
            "Reject": {"Type": "Fail", "Error": "Item.Bad", "Cause": "bad item"},
            "Accept": {"Type": "Pass", "End": true}}}, "End": true}}}
        """

    @Test func toleratedFailuresLetTheMapSucceedUntilTheyExceedTheThreshold() throws {
        let tolerated = try ExecutionDriver(Self.failingMap, input: #"["ok", "bad", "ok"]"#)
        #expect(tolerated.state.status == .succeeded)
        #expect(tolerated.output == ["ok", ["Error": "Item.Bad", "Cause": "bad item"], "ok"])

        let exceeded = try ExecutionDriver(Self.failingMap, input: #"["bad", "ok", "bad"]"#)
        #expect(exceeded.state.status == .failed)
        #expect(exceeded.state.error == "States.ExceedToleratedFailureThreshold")
        #expect(exceeded.types.suffix(3) == ["MapIterationFailed", "MapStateFailed", "ExecutionFailed"])
    }

    @Test func aDistributedMapKeepsItsIterationsOutOfTheParentHistory() throws {
        let driver = try ExecutionDriver(
            """
            {"StartAt": "Each", "States": {"Each": {"Type": "Map", "Label": "orders",
              "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                                "StartAt": "Ask", "States": {"Ask": \(Self.callbackTask)}}, "End": true}}}
            """, input: #"[1, 2]"#)
        #expect(
            driver.types == ["ExecutionStarted", "MapStateEntered", "MapStateStarted", "MapRunStarted"])
        let arn = driver.events.last?.details?["mapRunArn"]?.stringValue ?? ""
        #expect(arn.hasPrefix("arn:aws:states:us-east-1:123456789012:mapRun:M/orders:"))
        for invocation in driver.invocations {
            driver.send(.taskSucceeded(taskKey: invocation.taskKey, output: "done"))
        }
        #expect(driver.output == ["done", "done"])
        #expect(
            driver.types == [
                "ExecutionStarted", "MapStateEntered", "MapStateStarted", "MapRunStarted", "MapRunSucceeded",
                "MapStateSucceeded", "MapStateExited", "ExecutionSucceeded",
            ])
        #expect(zip(driver.events, driver.events.dropFirst()).allSatisfy { $0.id + 1 == $1.id })
    }

    @Test func aWaitingTreeSurvivesStorageAsTheOrchestratorKeepsIt() throws {
        let driver = try ExecutionDriver(
            """
            {"StartAt": "Outer", "States": {"Outer": {"Type": "Parallel", "End": true, "Branches": [
              {"StartAt": "Inner", "States": {"Inner": {"Type": "Map", "End": true,
                "ItemProcessor": {"StartAt": "Ask", "States": {"Ask": \(Self.callbackTask)}}}}},
              {"StartAt": "Nap", "States": {"Nap": {"Type": "Wait", "Seconds": 60, "End": true}}}]}}}
            """, input: #"[10, 20]"#)
        let stored = try JSONEncoder().encode(driver.state)
        driver.state = try JSONDecoder().decode(ExecutionState.self, from: stored)
        #expect(driver.state.openTaskTokens.count == 2)
        for invocation in driver.invocations {
            driver.send(.taskSucceeded(taskKey: invocation.taskKey, output: .string(invocation.stateName)))
        }
        #expect(driver.state.status == .running)
        let timer = driver.effects.compactMap { effect -> String? in
            if case .startTimer(let id, _) = effect, id.hasPrefix("wait:") { return id }
            return nil
        }
        #expect(driver.send(.timerFired(id: try #require(timer.first)), at: 60))
        #expect(driver.output == [["Ask", "Ask"], [10, 20]])
    }

    @Test func anEndlessLoopStopsAtTheHistoryLimitOf25000Events() throws {
        let (step, _, _) = try run(
            #"{"StartAt":"Spin","States":{"Spin":{"Type":"Pass","Next":"Check"},"Check":{"Type":"Choice","Choices":[{"Variable":"$.stop","IsPresent":true,"Next":"Done"}],"Default":"Spin"},"Done":{"Type":"Succeed"}}}"#
        )
        #expect(step.state.status == .failed)
        #expect(step.state.error == "States.Runtime")
        #expect(step.state.cause?.contains("maximum number of history events (25000)") == true)
        #expect(step.events.count == 25_000)
        #expect(step.events.last?.type == "ExecutionFailed")
    }
}
