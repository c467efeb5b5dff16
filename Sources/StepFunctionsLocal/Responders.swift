import Formats
import Foundation
import JSON
import StatesLanguage

/// Ready-made responders for `LocalRunner`.
public enum Responders {
    /// States of the test case answer as mocked; every other state goes to `fallback`.
    public static func mocked(
        _ bound: [String: MockConfig.MockedResponse], fallback: @escaping LocalRunner.Responder = localServices
    ) -> LocalRunner.Responder {
        { invocation, attempt in
            guard let mocked = bound[invocation.stateName] else { return fallback(invocation, attempt) }
            guard let response = mocked.response(forInvocation: attempt) else {
                return [
                    .init(
                        .failed(
                            error: ErrorName.taskFailed,
                            cause:
                                "The mock config has no response for invocation \(attempt) of state '\(invocation.stateName)'"
                        ))
                ]
            }
            return answer(invocation, with: response)
        }
    }

    static func answer(_ invocation: TaskInvocation, with response: MockConfig.Response) -> [LocalRunner
        .ScheduledResponse]
    {
        var scheduled: [LocalRunner.ScheduledResponse] = []
        let waitsForCallback = invocation.resource.pattern == .waitForTaskToken
        if waitsForCallback, let accepted = serviceResponse(invocation) {
            scheduled.append(.init(.submitted(accepted)))
        }
        scheduled += response.heartbeatSeconds.map { .init(after: $0, .heartbeat) }
        switch response.outcome {
        case .returns(let value): scheduled.append(.init(after: response.delaySeconds, .succeeded(value)))
        case .throwsError(let error, let cause):
            scheduled.append(.init(after: response.delaySeconds, .failed(error: error, cause: cause)))
        case .noResponse: break
        }
        return scheduled
    }

    /// Stand-ins for the services the seed pattern uses, so a definition runs without a topology: SQS SendMessage
    /// and SNS Publish accept anything; a `.waitForTaskToken` call is accepted and then waits for a callback that
    /// never comes (its TimeoutSeconds or HeartbeatSeconds decide). Any other resource fails with a cause that
    /// says to mock it.
    public static let localServices: LocalRunner.Responder = { invocation, _ in
        guard let response = serviceResponse(invocation) else {
            return [
                .init(
                    .failed(
                        error: ErrorName.taskFailed,
                        cause:
                            "callbacksim runs \(invocation.resource.arn) only mocked: give state '\(invocation.stateName)' a response in --mock-config"
                    ))
            ]
        }
        return invocation.resource.pattern == .waitForTaskToken
            ? [.init(.submitted(response))] : [.init(.succeeded(response))]
    }

    /// What SQS SendMessage or SNS Publish would answer, or nil for a resource without a local stand-in.
    static func serviceResponse(_ invocation: TaskInvocation) -> JSONValue? {
        let parameters = (try? JSONValue.parse(invocation.parameters)) ?? .null
        let messageId = JSONValue.string(UUID().uuidString.lowercased())
        switch (invocation.resource.resourceType, invocation.resource.action) {
        case ("sqs", "sendMessage"):
            let body = parameters["MessageBody"].map { $0.stringValue ?? $0.serialized() } ?? ""
            var response = JSONObject()
            if let attributes = parameters["MessageAttributes"]?.objectValue, !attributes.isEmpty {
                response["MD5OfMessageAttributes"] = .string(
                    HexDigest.md5OfMessageAttributes(
                        attributes.map { name, value in
                            HexDigest.MessageAttribute(
                                name: name, dataType: value["DataType"]?.stringValue ?? "String",
                                stringValue: value["StringValue"]?.stringValue,
                                binaryValue: value["BinaryValue"]?.stringValue)
                        }))
            }
            response["MD5OfMessageBody"] = .string(HexDigest.md5(body))
            response["MessageId"] = messageId
            return .object(response)
        case ("sns", "publish"):
            return ["MessageId": messageId]
        default:
            return nil
        }
    }
}
