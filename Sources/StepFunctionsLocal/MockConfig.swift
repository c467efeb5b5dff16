import JSON
import StatesLanguage

/// Step Functions Local's MockConfigFile: `StateMachines → TestCases → state name → mocked response name`, and
/// `MockedResponses → name → "0" | "1-2" | … → Return | Throw`, so existing mock tests run unchanged.
///
/// Extensions (fields beside `Return`/`Throw` in one invocation's entry) for what Step Functions Local cannot
/// script and users ask for:
/// - `"DelaySeconds": 30` — the response (or, for `.waitForTaskToken`, the callback) arrives that much later;
/// - `"HeartbeatSeconds": [10, 20]` — SendTaskHeartbeat is called at these times after the task started;
/// - `"NoResponse": true` — the callback never arrives (to test TimeoutSeconds and HeartbeatSeconds).
public struct MockConfig: Sendable {
    public struct MockError: Error, CustomStringConvertible, Sendable {
        public let message: String
        public var description: String { message }
    }

    /// One invocation's scripted answer.
    public struct Response: Sendable, Equatable {
        public enum Outcome: Sendable, Equatable {
            case returns(JSONValue)
            case throwsError(error: String, cause: String?)
            case noResponse
        }
        public var outcome: Outcome
        public var delaySeconds: Double
        public var heartbeatSeconds: [Double]
    }

    /// Responses by invocation index (0-based, as in the file's keys).
    public struct MockedResponse: Sendable {
        public var ranges: [(ClosedRange<Int>, Response)]

        public func response(forInvocation index: Int) -> Response? {
            ranges.first { $0.0.contains(index) }?.1
        }
    }

    /// state machine → test case → state → mocked response name.
    public var testCases: [String: [String: [String: String]]]
    public var mockedResponses: [String: MockedResponse]

    public init(json: JSONValue) throws {
        guard let root = json.objectValue else { throw MockError(message: "the mock config is not a JSON object") }
        testCases = [:]
        for (machine, value) in root["StateMachines"]?.objectValue ?? JSONObject() {
            var cases: [String: [String: String]] = [:]
            for (name, mapping) in value["TestCases"]?.objectValue ?? JSONObject() {
                var states: [String: String] = [:]
                for (state, response) in mapping.objectValue ?? JSONObject() {
                    guard let response = response.stringValue else {
                        throw MockError(message: "StateMachines.\(machine).TestCases.\(name).\(state) must be a string")
                    }
                    states[state] = response
                }
                cases[name] = states
            }
            testCases[machine] = cases
        }
        mockedResponses = [:]
        for (name, value) in root["MockedResponses"]?.objectValue ?? JSONObject() {
            var ranges: [(ClosedRange<Int>, Response)] = []
            for (key, entry) in value.objectValue ?? JSONObject() {
                let bounds = key.split(separator: "-").map { Int($0.trimmingCharacters(in: .whitespaces)) }
                guard (1...2).contains(bounds.count), let low = bounds.first ?? nil, let high = bounds.last ?? nil,
                    low <= high
                else {
                    throw MockError(message: "MockedResponses.\(name): invocation key '\(key)' is not N or N-M")
                }
                ranges.append((low...high, try Self.response(entry, at: "MockedResponses.\(name).\(key)")))
            }
            mockedResponses[name] = MockedResponse(ranges: ranges.sorted { $0.0.lowerBound < $1.0.lowerBound })
        }
    }

    static func response(_ entry: JSONValue, at location: String) throws -> Response {
        let delay = entry["DelaySeconds"]?.numberValue ?? 0
        let heartbeats = entry["HeartbeatSeconds"]?.arrayValue?.compactMap(\.numberValue) ?? []
        if let value = entry["Return"] {
            return Response(outcome: .returns(value), delaySeconds: delay, heartbeatSeconds: heartbeats)
        }
        if let thrown = entry["Throw"] {
            guard let error = thrown["Error"]?.stringValue else {
                throw MockError(message: "\(location).Throw needs an Error")
            }
            return Response(
                outcome: .throwsError(error: error, cause: thrown["Cause"]?.stringValue), delaySeconds: delay,
                heartbeatSeconds: heartbeats)
        }
        if entry["NoResponse"]?.boolValue == true {
            return Response(outcome: .noResponse, delaySeconds: delay, heartbeatSeconds: heartbeats)
        }
        throw MockError(message: "\(location) needs Return, Throw or NoResponse")
    }

    /// The state → mocked response binding of one test case.
    public func testCase(_ name: String, stateMachine: String?) throws -> [String: MockedResponse] {
        let machines = stateMachine.map { [$0] } ?? Array(testCases.keys)
        let found = machines.compactMap { machine in testCases[machine]?[name].map { (machine, $0) } }
        guard let (machine, states) = found.first else {
            throw MockError(
                message: "no test case '\(name)' in the mock config\(stateMachine.map { " for \($0)" } ?? "")")
        }
        guard found.count == 1 else {
            throw MockError(message: "test case '\(name)' is in several state machines: name one with --state-machine")
        }
        var bound: [String: MockedResponse] = [:]
        for (state, response) in states {
            guard let mocked = mockedResponses[response] else {
                throw MockError(
                    message:
                        "StateMachines.\(machine).TestCases.\(name).\(state) names '\(response)', which MockedResponses lacks"
                )
            }
            bound[state] = mocked
        }
        return bound
    }
}
