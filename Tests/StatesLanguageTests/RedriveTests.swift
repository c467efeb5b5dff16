import Foundation
import JSON
import StatesLanguage
import Testing

/// RedriveExecution on the pure interpreter: a failed execution starts again at the state it failed in, with the
/// input and variables that state had, and what succeeded before it is not run again.
@Suite struct RedriveTests {
    let definition = #"""
        {"StartAt":"Prepare","States":{
          "Prepare":{"Type":"Pass","Result":{"n":1},"ResultPath":"$.prepared","Assign":{"seen":"yes"},"Next":"Call"},
          "Call":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"f","Payload.$":"$"},
                  "ResultSelector":{"got.$":"$.Payload","seen.$":"$seen"},"End":true}}}
        """#

    func invocation(_ step: Step) -> TaskInvocation? {
        step.effects.compactMap { if case .invoke(let invocation) = $0 { invocation } else { nil } }.first
    }

    @Test func aFailedTaskRunsAgainWithItsInputAndVariables() throws {
        let (started, interpreter, identity) = try run(definition, input: #"{"job":7}"#)
        let call = try #require(invocation(started))
        var random: any RandomNumberGenerator = SplitMix64(seed: 1)
        let failed = try #require(
            interpreter.handle(
                .taskFailed(taskKey: call.taskKey, error: "Lambda.ServiceException", cause: "down"),
                state: started.state, identity: identity, now: 1, random: &random))
        #expect(failed.state.status == .failed && failed.state.isRedrivable)

        let redriven = try #require(
            interpreter.redrive(state: failed.state, identity: identity, now: 2, random: &random))
        #expect(
            redriven.events.map(\.type) == ["ExecutionRedriven", "TaskStateEntered", "TaskScheduled", "TaskStarted"])
        #expect(redriven.state.status == .running && redriven.state.redriveCount == 1)
        let again = try #require(invocation(redriven))
        #expect(try JSONValue.parse(again.parameters)["Payload"] == ["job": 7, "prepared": ["n": 1]])
        let done = try #require(
            interpreter.handle(
                .taskSucceeded(taskKey: again.taskKey, output: ["Payload": "ok"]), state: redriven.state,
                identity: identity, now: 3, random: &random))
        #expect(done.state.status == .succeeded)
        #expect(try JSONValue.parse(done.state.output!) == ["got": "ok", "seen": "yes"])
        #expect(interpreter.redrive(state: done.state, identity: identity, now: 4, random: &random) == nil)
    }

    @Test func aStoppedExecutionStartsItsStateOver() throws {
        let (started, interpreter, identity) = try run(
            #"{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":5,"End":true}}}"#)
        var random: any RandomNumberGenerator = SplitMix64(seed: 1)
        let stopped = try #require(
            interpreter.handle(
                .stop(error: "E", cause: nil), state: started.state, identity: identity, now: 1, random: &random))
        #expect(stopped.state.status == .aborted)
        // It entered W, so it can be redriven: the Wait starts over.
        let redriven = try #require(
            interpreter.redrive(state: stopped.state, identity: identity, now: 2, random: &random))
        #expect(redriven.events.map(\.type) == ["ExecutionRedriven", "WaitStateEntered"])
    }
}
