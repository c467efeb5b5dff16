import JSON
import StatesLanguage
import Testing

/// The orchestrator writes stored states and outbox rows with `JSONWritable`, by hand; these pin that the text is
/// the one their `Encodable` gives (rows written before read the same) for every member and every case.
@Suite struct ExecutionStateJSONTests {
    /// A state with every optional member set and every activity and flow case, in the synthesized shape.
    static let everyMember = #"""
        {"status":"RUNNING","lastEventId":7,"output":"{\"a\":1}","error":"E","cause":"C","stopDate":12.5,"serial":3,\#
        "root":{"stateName":"P","stateInput":"{\"x\":\"q\\\"uote\\n\"}","enteredTime":1.0,"enteredEventId":2,\#
        "retryCounts":[0,1],"activity":{"parallel":{"branches":[\#
        {"running":{"_0":{"stateName":"T","stateInput":"{}","enteredTime":1.5,"enteredEventId":3,"retryCounts":[],\#
        "activity":{"task":{"_0":{"taskKey":"k1","token":"tok","submitted":true,"timeoutAt":301.5,\#
        "heartbeatSeconds":10,"heartbeatAt":11.5}}},"variables":"{\"v\":1}"}}},\#
        {"running":{"_0":{"stateName":"R","stateInput":"{}","enteredTime":2.0,"enteredEventId":4,"retryCounts":[2],\#
        "activity":{"backingOff":{"timerId":"t1"}}}}},\#
        {"running":{"_0":{"stateName":"W","stateInput":"{}","enteredTime":2.0,"enteredEventId":5,"retryCounts":[],\#
        "activity":{"wait":{"timerId":"t2","output":"{}","assigned":"{\"a\":2}"}}}}},\#
        {"running":{"_0":{"stateName":"V","stateInput":"{}","enteredTime":2.0,"enteredEventId":6,"retryCounts":[],\#
        "activity":{"wait":{"timerId":"t3","output":"[]"}}}}},\#
        {"running":{"_0":{"stateName":"M","stateInput":"[1,2,3]","enteredTime":2.25,"enteredEventId":7,\#
        "retryCounts":[],"activity":{"map":{"_0":{"inputs":["1","2","3"],"iterations":[{"succeeded":{"output":"1"}},\#
        {"failed":{"error":"E","cause":"C"}},{"failed":{"error":"E"}}],"maxConcurrency":2,"toleratedFailureCount":1,\#
        "toleratedFailurePercentage":50.5,"failures":2,"mapRunArn":"arn:aws:states:us-east-1:1:mapRun:m/r:1"}}}}}},\#
        {"running":{"_0":{"stateName":"U","stateInput":"{}","enteredTime":3.0,"enteredEventId":8,"retryCounts":[],\#
        "activity":{"task":{"_0":{"taskKey":"k2","submitted":false}}}}}}\#
        ]}},"variables":"{}"},\#
        "redrivePoint":{"stateName":"P","stateInput":"{}","variables":"{\"v\":1}"},"redrives":1}
        """#

    @Test func aStateIsWrittenAsItsEncodableWritesIt() throws {
        let state = try JSONValueDecoder().decode(ExecutionState.self, from: Self.everyMember.utf8)
        // Every member was read (none dropped as an unknown key) and is written back, in the same order.
        #expect(state.jsonText == Self.everyMember)
        #expect(state.jsonText == (try JSONValueEncoder().encode(state).serialized()))
        #expect(try JSONValueDecoder().decode(ExecutionState.self, from: state.jsonText.utf8) == state)
    }

    @Test func aFinishedStateLeavesItsAbsentMembersOut() throws {
        let text = #"{"status":"SUCCEEDED","lastEventId":15,"output":"{}","stopDate":3.0,"serial":2}"#
        let state = try JSONValueDecoder().decode(ExecutionState.self, from: text.utf8)
        #expect(state.jsonText == text)
        #expect(state.jsonText == (try JSONValueEncoder().encode(state).serialized()))
    }

    @Test(arguments: [
        #"{"taskKey":"k","stateName":"S","resource":{"arn":"arn:aws:states:::sqs:sendMessage.waitForTaskToken","resourceType":"sqs","resource":"sendMessage.waitForTaskToken","action":"sendMessage","pattern":"waitForTaskToken"},"parameters":"{\"MessageBody\":\"\\u0001\"}","token":"t"}"#,
        #"{"taskKey":"k","stateName":"S","resource":{"arn":"arn:aws:states:::sns:publish","resourceType":"sns","resource":"publish","action":"publish","pattern":"requestResponse"},"parameters":"{}"}"#,
    ])
    func anInvocationIsWrittenAsItsEncodableWritesIt(text: String) throws {
        let invocation = try JSONValueDecoder().decode(TaskInvocation.self, from: text.utf8)
        #expect(invocation.jsonText == text)
        #expect(invocation.jsonText == (try JSONValueEncoder().encode(invocation).serialized()))
    }
}
