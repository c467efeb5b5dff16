import Foundation
import JSON
import StatesLanguage
import StepFunctionsLocal
import Testing

/// Every case recorded from real AWS (Conformance/README.md) through the local runner: status, output, error,
/// cause and the sequence of history event types must match. Cases the interpreter cannot pass yet are listed in
/// Conformance/pending.json with the reason; a pending case that passes fails the test, so the list only shrinks.
@Suite struct ConformanceTests {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Conformance").path

    static let cases: [String] = {
        let root = directory + "/cases"
        let categories = (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []
        return categories.flatMap { category in
            ((try? FileManager.default.contentsOfDirectory(atPath: root + "/" + category)) ?? [])
                .filter { $0.hasSuffix(".json") }.map { "\(category)/\($0.dropLast(5))" }
        }.sorted()
    }()

    static let pending: [String: String] = {
        guard let data = FileManager.default.contents(atPath: directory + "/pending.json"),
            let object = try? JSONValue.parse(bytes: Array(data)).objectValue
        else { return [:] }
        var pending: [String: String] = [:]
        for (name, reason) in object { pending[name] = reason.stringValue ?? "" }
        return pending
    }()

    @Test func theCorpusIsThere() {
        #expect(Self.cases.count == 413)
        #expect(Set(Self.pending.keys).isSubset(of: Set(Self.cases)), "pending.json names a case that does not exist")
    }

    @Test(arguments: cases)
    func recordedCase(_ name: String) async throws {
        let data = try #require(FileManager.default.contents(atPath: "\(Self.directory)/cases/\(name).json"))
        let recorded = try JSONValue.parse(bytes: Array(data))
        let mismatches = await ConformanceCase(recorded).run()
        // CONFORMANCE_REPORT=FILE: one line per case, for tallying what is left.
        if let report = ProcessInfo.processInfo.environment["CONFORMANCE_REPORT"] {
            let line = "\(name)\t\(mismatches.isEmpty ? "PASS" : mismatches.joined(separator: " | "))"
            let bytes = Array((line.replacingOccurrences(of: "\n", with: " ") + "\n").utf8)
            // One O_APPEND write per line: cases run in parallel.
            let descriptor = open(report, O_WRONLY | O_APPEND | O_CREAT, 0o644)
            _ = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
            close(descriptor)
        }
        if let reason = Self.pending[name] {
            #expect(!mismatches.isEmpty, "\(name) passes now: remove it from pending.json (was: \(reason))")
        } else {
            #expect(mismatches.isEmpty, "\(name): \(mismatches.joined(separator: "; "))")
        }
    }
}

/// Cases written from AWS's documentation, one per construct, each naming its page: the results the page gives,
/// in the recorded cases' format, through the same comparison.
@Suite struct DocumentedCaseTests {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("DocumentedCases").path

    static let cases: [String] = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [])
        .filter { $0.hasSuffix(".json") }.map { String($0.dropLast(5)) }.sorted()

    @Test func thereAreCases() {
        #expect(Self.cases.count >= 8)
    }

    @Test(arguments: cases)
    func documentedCase(_ name: String) async throws {
        let data = try #require(FileManager.default.contents(atPath: "\(Self.directory)/\(name).json"))
        let documented = try JSONValue.parse(bytes: Array(data))
        #expect(documented["source"]?["doc"]?.stringValue?.hasPrefix("https://docs.aws.amazon.com/") == true)
        let mismatches = await ConformanceCase(documented).run()
        #expect(mismatches.isEmpty, "\(name): \(mismatches.joined(separator: "; "))")
    }
}

/// One recorded case: runs it and lists how the result differs from what AWS did.
struct ConformanceCase {
    let recorded: JSONValue

    init(_ recorded: JSONValue) { self.recorded = recorded }

    var expected: JSONValue { recorded["expected"] ?? .null }

    func run() async -> [String] {
        let definition: StateMachineDefinition
        do {
            definition = try StateMachineDefinition.parse(recorded["definition"] ?? .null)
        } catch {
            return ["the definition was refused: \(error)"]
        }
        let input = (recorded["input"] ?? .null).serialized()
        let result = await LocalRunner(definition: definition, responder: responder()).run(input: input)
        var mismatches: [String] = []
        let status = result.status == .timedOut ? "FAILED" : result.status.rawValue
        if status != expected["status"]?.stringValue {
            mismatches.append(
                "status \(status) (\(result.error ?? "") \(result.cause ?? "")), expected \(expected["status"]?.stringValue ?? "?")"
            )
        }
        if expected["status"]?.stringValue == "SUCCEEDED", let output = expected["output"] {
            if !Self.matches(output, result.output ?? .null) {
                mismatches.append("output \((result.output ?? .null).serialized()), expected \(output.serialized())")
            }
        }
        // A null error is checked too: AWS has none for a Fail state without Error.
        if let error = expected["error"], !Self.matches(error, result.error.map(JSONValue.string) ?? .null) {
            mismatches.append("error \(result.error ?? "nil"), expected \(error.serialized())")
        }
        if let cause = expected["cause"], !cause.isNull,
            !Self.matches(cause, result.cause.map(JSONValue.string) ?? .null)
        {
            mismatches.append("cause \(result.cause ?? "nil"), expected \(cause.serialized())")
        }
        let types = result.events.map(\.type)
        let expectedTypes = expected["event_types"]?.arrayValue?.compactMap(\.stringValue) ?? []
        let history = expected["history"]?.arrayValue ?? []
        if !Self.sameUpToConcurrentOrder(types, expectedTypes, history: history) {
            mismatches.append(
                "events \(types.joined(separator: ",")), expected \(expectedTypes.joined(separator: ","))")
        }
        return mismatches
    }

    /// Events of concurrent branches and iterations have no fixed order on AWS: the recorder gave them the id `[0]`
    /// and sorted them. Such a run of events matches as a multiset; every other event matches in place.
    static func sameUpToConcurrentOrder(_ actual: [String], _ expected: [String], history: [JSONValue]) -> Bool {
        guard actual.count == expected.count, history.count == expected.count else { return actual == expected }
        var index = 0
        while index < expected.count {
            var end = index
            while end < expected.count, history[end]["id"]?.arrayValue != nil { end += 1 }
            if end > index {
                if actual[index..<end].sorted() != expected[index..<end].sorted() { return false }
                index = end
            } else {
                if actual[index] != expected[index] { return false }
                index += 1
            }
        }
        return true
    }

    /// What the upstream test did between start and end, as a responder: the callbacks it sent.
    func responder() -> LocalRunner.Responder {
        let script = (recorded["environment"]?["between_start_and_end"]?.arrayValue ?? []).compactMap(\.stringValue)
            .joined(separator: " ")
        return { invocation, attempt in
            let parameters = (try? JSONValue.parse(invocation.parameters)) ?? .null
            if let refusal = Self.serviceError(invocation, parameters) { return [.init(refusal)] }
            var responses = Responders.localServices(invocation, attempt)
            guard invocation.resource.pattern == .waitForTaskToken else { return responses }
            let body = Self.parsed(parameters["MessageBody"] ?? parameters["Message"] ?? .null)
            if script.contains("SendTaskSuccess(taskToken=token, output='{}')") {
                responses.append(.init(after: 1, .succeeded(.object(JSONObject()))))
            } else if script.contains("output=JSON-encoded Body.Message") {
                if script.contains("SendTaskHeartbeat") {
                    responses.append(.init(after: 5, .heartbeat))
                    responses.append(.init(after: 5, .succeeded(body["Message"] ?? .null)))
                } else {
                    responses.append(.init(after: 1, .succeeded(body["Message"] ?? .null)))
                }
            } else if script.contains("error='Failure error', cause='Failure cause'") {
                responses.append(.init(after: 1, .failed(error: "Failure error", cause: "Failure cause")))
            } else if script.contains("with NO error and NO cause") {
                responses.append(.init(after: 1, .failed(error: "", cause: nil)))
            }
            return responses
        }
    }

    /// The recordings' queue is the placeholder in their inputs; a queue URL with another host does not resolve,
    /// and AWS answered as it did in the recording.
    static func serviceError(_ invocation: TaskInvocation, _ parameters: JSONValue) -> LocalRunner.ScheduledResponse
        .Kind?
    {
        switch invocation.resource.resourceType {
        case "sqs":
            guard let url = parameters["QueueUrl"]?.stringValue, !url.contains("sqs_queue_url") else { return nil }
            let host = url.split(separator: "/").dropFirst().first.map(String.init) ?? url
            return .failed(
                error: "SQS.SdkClientException",
                cause: "Unable to execute HTTP request: \(host): Name or service not known")
        default:
            return nil
        }
    }

    static func parsed(_ value: JSONValue) -> JSONValue {
        if case .string(let text) = value, let json = try? JSONValue.parse(text) { return json }
        return value
    }

    /// Expected values carry placeholders (`<uuid:1>`, "timestamp", …) and leave JSON in strings either parsed or
    /// not; response metadata is stripped (Conformance/README.md, "Normalization").
    static func matches(_ expected: JSONValue, _ actual: JSONValue) -> Bool {
        switch (expected, actual) {
        case (.string(let pattern), _) where isPlaceholder(pattern):
            return true
        case (.string(let pattern), .string(let text)):
            if pattern == text || wildcardMatch(pattern, text) { return true }
            if let a = try? JSONValue.parse(pattern), a != expected {
                if let b = try? JSONValue.parse(text), matches(a, b) { return true }
                return matches(a, actual)
            }
            return false
        case (.string(let pattern), _):
            if let a = try? JSONValue.parse(pattern) { return matches(a, actual) }
            return false
        case (_, .string(let text)):
            if let b = try? JSONValue.parse(text), b != actual { return matches(expected, b) }
            return false
        case (.object(let a), .object(let b)):
            let ignored: Set<String> = ["SdkHttpMetadata", "SdkResponseMetadata", "ResponseMetadata"]
            let keysA = Set(a.keys).subtracting(ignored)
            let keysB = Set(b.keys).subtracting(ignored)
            guard keysA == keysB else { return false }
            return keysA.allSatisfy { matches(a[$0]!, b[$0]!) }
        case (.array(let a), .array(let b)):
            return a.count == b.count && zip(a, b).allSatisfy { matches($0, $1) }
        default:
            return expected == actual
        }
    }

    static func isPlaceholder(_ text: String) -> Bool {
        let literals = [
            "timestamp", "date", "datetime", "start-time", "entered-time", "task_token", "snf_role_arn",
            "sqs_queue_url", "RandomNumberGenerated",
        ]
        if literals.contains(text) { return true }
        return text.hasPrefix("<") && text.hasSuffix(">") && !text.dropFirst().contains("<")
    }

    /// `<…>` inside a longer string (an ARN, a cause) stands for any text.
    static func wildcardMatch(_ pattern: String, _ text: String) -> Bool {
        // The recordings' account id is a stand-in too.
        let pattern = pattern.replacingOccurrences(of: "111111111111", with: "<account>")
        guard pattern.contains("<") else { return false }
        var regex = "^"
        var rest = pattern[...]
        while let open = rest.firstIndex(of: "<"), let close = rest[open...].firstIndex(of: ">") {
            regex += NSRegularExpression.escapedPattern(for: String(rest[..<open])) + ".*"
            rest = rest[rest.index(after: close)...]
        }
        regex += NSRegularExpression.escapedPattern(for: String(rest)) + "$"
        return text.range(of: regex, options: [.regularExpression]) != nil
    }
}
